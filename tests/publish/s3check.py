#!/usr/bin/python3
"""A checking proxy in front of s3rver for the publish tests.

s3rver stores objects over the S3 REST API but checks neither SigV4
signatures nor payload hashes. This proxy does, on every request, before
forwarding it: the signature is recomputed with AWS's own signer code
(botocore's S3SigV4Auth, Debian's python3-botocore) from the request as
received and the credentials the test gave, and the body's SHA-256 is
compared with x-amz-content-sha256. Either differing: 403
SignatureDoesNotMatch / 400 XAmzContentSHA256Mismatch, as S3 answers, and
nothing reaches s3rver.

Faults for the retry tests come from a control file, re-read at each
request: lines "503 N" (the next N requests get 503 SlowDown) and "drop N"
(the next N connections are closed without an answer, after the body is
read). The first line whose N is above 0 applies, then counts down. More
kinds: "pass N" (answered as usual: lets N requests through before the
next line), "stall N" (held 20 s, then closed without an answer),
"hook N" (CONTROL.hook is run, then the request answered as usual: a test
changes files between the verification and the uploads), "redirect N"
(301 PermanentRedirect with x-amz-bucket-region: eu-west-3, as S3 answers
a request sent to another region's endpoint) and "badregion N" (400
AuthorizationHeaderMalformed naming eu-central-1, as S3 answers a request
signed for another region), "page N" (a listing's max-keys=1000 is
forwarded as max-keys=2, so that a small listing takes pages and
continuation tokens). Each request is logged to the log file as
"METHOD PATH STATUS".

With S3CHECK_COUNT_ONLY=1 in the environment, signatures and payload
hashes are not checked (rclone and the AWS CLI may send UNSIGNED-PAYLOAD):
the proxy forwards and logs, for `make bench-publish`'s request counts.

usage: s3check.py LISTEN_PORT UPSTREAM_PORT ACCESS_KEY SECRET_KEY LOG CONTROL
                  [CERT KEY]   (with CERT and KEY: TLS)
"""
import hashlib
import http.client
import http.server
import os
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PORT, UP = int(sys.argv[1]), int(sys.argv[2])
AK, SK, LOG, CONTROL = sys.argv[3:7]
TLS = sys.argv[7:9] if len(sys.argv) >= 9 else None
lock = threading.Lock()
COUNT_ONLY = os.environ.get("S3CHECK_COUNT_ONLY") == "1"


def take_fault():
    """The fault for this request ('503', 'drop' or None), consumed."""
    with lock:
        try:
            lines = open(CONTROL).read().split("\n")
        except FileNotFoundError:
            return None
        out, fault = [], None
        for ln in lines:
            parts = ln.split()
            if len(parts) == 2 and fault is None and int(parts[1]) > 0:
                fault = parts[0]
                parts[1] = str(int(parts[1]) - 1)
            if parts:
                out.append(" ".join(parts))
        with open(CONTROL + ".tmp", "w") as f:
            f.write("\n".join(out) + "\n")
        os.replace(CONTROL + ".tmp", CONTROL)
        return fault


def log(line):
    with lock:
        with open(LOG, "a") as f:
            f.write(line + "\n")


def check_signature(method, path, headers, body):
    """None when the signature is AWS's for this request, else why not."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "no SigV4 Authorization header"
    fields = dict(
        p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(",")
    )
    cred = fields["Credential"].split("/")
    if cred[0] != AK:
        return "InvalidAccessKeyId"
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-content-sha256" not in signed:
        return "host or x-amz-content-sha256 not signed"
    url = "http://%s%s" % (headers["Host"], path)
    req = AWSRequest(method=method, url=url, data=body)
    for name in signed:
        if headers.get(name) is None:
            return "signed header %s missing" % name
        req.headers[name] = headers.get(name)
    req.context["timestamp"] = headers["x-amz-date"]
    signer = S3SigV4Auth(Credentials(AK, SK), "s3", cred[2])
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    want = signer.signature(sts, req)
    if want != fields["Signature"]:
        return "SignatureDoesNotMatch"
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, code, msg, extra="", headers=()):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
            "<Message>%s</Message>%s</Error>" % (code, msg, extra)
        ).encode()
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log("%s %s %d %s" % (self.command, self.path, status, code))

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        fault = take_fault()
        if fault == "drop":
            log("%s %s DROP" % (self.command, self.path))
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault == "stall":
            log("%s %s STALL" % (self.command, self.path))
            time.sleep(20)
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault == "hook":
            subprocess.run([CONTROL + ".hook"], check=False)
        if fault == "503":
            return self.reply(503, "SlowDown", "Please reduce your request rate.")
        if fault == "redirect":
            return self.reply(
                301, "PermanentRedirect",
                "The bucket you are attempting to access must be addressed "
                "using the specified endpoint. Please send all future "
                "requests to this endpoint.",
                "<Endpoint>assets.s3.eu-west-3.amazonaws.com</Endpoint>"
                "<Bucket>assets</Bucket>",
                [("x-amz-bucket-region", "eu-west-3")])
        if fault == "badregion":
            return self.reply(
                400, "AuthorizationHeaderMalformed",
                "The authorization header is malformed; the region "
                "'us-east-1' is wrong; expecting 'eu-central-1'",
                "<Region>eu-central-1</Region>")
        why = None if COUNT_ONLY else check_signature(
            self.command, self.path, self.headers, body)
        if why == "InvalidAccessKeyId":
            return self.reply(403, "InvalidAccessKeyId", "unknown key id")
        if why is not None:
            return self.reply(403, "SignatureDoesNotMatch", why)
        if not COUNT_ONLY and hashlib.sha256(body).hexdigest() != self.headers["x-amz-content-sha256"]:
            return self.reply(400, "XAmzContentSHA256Mismatch",
                              "The provided 'x-amz-content-sha256' header does "
                              "not match what was computed.")
        # Forward to s3rver (path-style), the body as received.
        conn = http.client.HTTPConnection("127.0.0.1", UP, timeout=60)
        fwd = {k: v for k, v in self.headers.items() if k.lower() not in
               ("host", "connection", "expect", "authorization",
                                "x-amz-security-token")}
        fwd["Host"] = "127.0.0.1:%d" % UP
        path = self.path
        if fault == "page":
            path = path.replace("max-keys=1000", "max-keys=2")
        conn.request(self.command, path, body=body if n else None,
                     headers=fwd)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding",
                                 "content-length", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)) if self.command != "HEAD"
                         else r.getheader("Content-Length", "0"))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()
        log("%s %s %d" % (self.command, self.path, r.status))

    do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", PORT), Handler)
if TLS:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(TLS[0], TLS[1])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
