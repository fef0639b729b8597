/*
 * cabundle.h: --ca-file before SSL_CERT_FILE before the system paths; a
 * named file that is missing, empty or a directory is an error (never
 * replaced by another bundle); no bundle at all names ca-certificates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cabundle.h"
#include "tap.h"

TAP_SUITE(cabundle)
{
	char dir[] = "/tmp/cabundle-XXXXXX";
	char a[64], b[64], empty[64], out[256];
	const char *from = NULL;
	struct err e = {0};

	if (mkdtemp(dir) == NULL) {
		T_OK(0, "mkdtemp");
		return;
	}
	snprintf(a, sizeof a, "%s/a.pem", dir);
	snprintf(b, sizeof b, "%s/b.pem", dir);
	snprintf(empty, sizeof empty, "%s/empty.pem", dir);
	FILE *f = fopen(a, "w");
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	fclose(f);
	f = fopen(b, "w");
	fputs("-----BEGIN CERTIFICATE-----\n", f);
	fclose(f);
	fclose(fopen(empty, "w"));

	const char *const none[] = {"/nonexistent/x.crt", dir, empty, NULL};
	const char *const second[] = {"/nonexistent/x.crt", b, a, NULL};

	T_INT(cabundle_find(a, b, second, out, sizeof out, &from, &e), 0,
	      "--ca-file given");
	T_STR(out, a, "--ca-file wins over SSL_CERT_FILE");
	T_STR(from, "--ca-file", "origin --ca-file");
	T_INT(cabundle_find(NULL, b, none, out, sizeof out, &from, &e), 0,
	      "SSL_CERT_FILE given");
	T_STR(out, b, "SSL_CERT_FILE wins over the system paths");
	T_STR(from, "SSL_CERT_FILE", "origin SSL_CERT_FILE");
	T_INT(cabundle_find(NULL, "", second, out, sizeof out, &from, &e), 0,
	      "an empty SSL_CERT_FILE is unset");
	T_STR(out, b, "the first usable system path");
	T_STR(from, "system", "origin system");

	T_INT(cabundle_find("/nonexistent/ca.pem", NULL, second, out,
			    sizeof out, &from, &e),
	      -1, "a missing --ca-file is an error");
	T_INT(e.kind, ERR_CONFIG, "a config error");
	T_OK(strstr(e.msg, "/nonexistent/ca.pem") != NULL, "naming the file");
	T_INT(cabundle_find(NULL, dir, second, out, sizeof out, &from, &e), -1,
	      "an SSL_CERT_FILE that is a directory is an error");
	T_OK(strstr(e.msg, "SSL_CERT_FILE") != NULL, "naming the variable");
	T_INT(cabundle_find(empty, NULL, second, out, sizeof out, &from, &e),
	      -1, "an empty --ca-file is an error");

	T_INT(cabundle_find(NULL, NULL, none, out, sizeof out, &from, &e), -1,
	      "no system bundle (missing, a directory, empty)");
	T_OK(strstr(e.hint, "ca-certificates") != NULL,
	     "the hint names the package");
	T_OK(strstr(e.msg, "2 other") != NULL, "the message counts the paths");

	T_OK(cabundle_system_paths[0] != NULL &&
		     strcmp(cabundle_system_paths[0],
			    "/etc/ssl/certs/ca-certificates.crt") == 0,
	     "Debian's path first");
	unlink(a);
	unlink(b);
	unlink(empty);
	rmdir(dir);
}
