#!/usr/bin/python3
"""Docker 20.10's default container conditions as an OCI bundle for runc.

  docker-seccomp.py seccomp [--profile P] [--kernel X.Y] [--explain]
      Print the OCI `linux.seccomp` section Docker would hand to runc for
      amd64 with its 14 default capabilities; --explain prints, instead,
      which syscall groups were kept or dropped and why.
  docker-seccomp.py bundle DIR --workdir W [--profile P] [--id ID]
                    [--overlay] [--ro PATH]... [--env NAME=VALUE]...
                    -- CMD [ARG...]
      Write DIR/config.json and an empty DIR/rootfs (with bookworm's
      /bin -> usr/bin style symlinks) for `runc run --bundle DIR`.  The
      host's /usr, /etc, /lib* are bind mounted read-only, or with
      --overlay writable overlays (upper layers in DIR, like Docker's
      rootfs: writes succeed and are thrown away).

Profiles (P):
  default       Docker 20.10.24's profiles/seccomp/default.json as shipped
                by Debian's golang-github-docker-docker-dev.
  no-landlock   the same without landlock_add_rule, landlock_create_ruleset
                and landlock_restrict_self.  futex_waitv (449) stays, so
                runc's -ENOSYS stub does not cover 444..446: EPERM.
  pre-20.10.18  what Docker 20.10.0..20.10.17 shipped: also without the
                syscalls that moby#43991 added together with Landlock
                (mount_setattr, quotactl_fd, memfd_secret, process_mrelease,
                futex_waitv).  The highest listed x86_64 syscall is then
                epoll_pwait2 (441), so runc's -ENOSYS stub makes every newer
                syscall, Landlock's included, fail with ENOSYS, not EPERM.

The conversion follows setupSeccomp() in Docker's
profiles/seccomp/seccomp_linux.go: architectures from the archMap entry of
the native arch (x86_64 + x86 + x32), defaultAction copied (Docker 20.10
has no defaultErrnoRet, so runc uses EPERM), and each syscall group kept
unless excludes.arches holds the arch, or any of excludes.caps is in the
bounding set, or the kernel is >= excludes.minKernel; and only if
includes.arches holds the arch, every includes.caps is in the bounding set
and the kernel is >= includes.minKernel.  action, errnoRet, names and args
are copied.
"""

import json
import os
import sys

# DOCKER_SECCOMP_JSON may name a copy (e.g. extracted from the .deb with
# dpkg-deb, without the ~250 Go source packages it depends on).
PROFILE_JSON = os.environ.get("DOCKER_SECCOMP_JSON") or (
    "/usr/share/gocode/src/github.com/docker/docker/"
    "profiles/seccomp/default.json")

# Docker's oci/caps.DefaultCapabilities(), in its order.
DOCKER_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
    "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP",
    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
    "CAP_AUDIT_WRITE",
]

# Docker's GOARCH -> libseccomp arch name, and that name -> SCMP_ARCH_*.
NATIVE_ARCH = "amd64"
NATIVE_SCMP = "SCMP_ARCH_X86_64"

LANDLOCK = {"landlock_add_rule", "landlock_create_ruleset",
            "landlock_restrict_self"}
# moby#43991 ([20.10 backport] seccomp updates, released in 20.10.18)
# brought these in with Landlock (moby#43594: kernels 5.12..5.16).
WITH_LANDLOCK_IN_20_10_18 = {"mount_setattr", "quotactl_fd", "memfd_secret",
                             "process_mrelease", "futex_waitv"}
PROFILES = {
    "default": set(),
    "no-landlock": LANDLOCK,
    "pre-20.10.18": LANDLOCK | WITH_LANDLOCK_IN_20_10_18,
}


def die(msg):
    sys.stderr.write("docker-seccomp: %s\n" % msg)
    sys.exit(2)


def parse_kernel(release):
    """Docker's parseRelease: "%d.%d" of the release, the rest ignored."""
    parts = release.split(".")
    try:
        major = int(parts[0])
        minor = int("".join(c for c in parts[1].split("-")[0]
                            if c.isdigit()) or "x")
    except (IndexError, ValueError):
        die("cannot parse kernel release %r" % release)
    return (major, minor)


def kernel_ge(kernel, version):
    want = tuple(int(x) for x in version.split("."))
    return kernel >= want


def convert(profile, caps, kernel, drop=(), explain=None):
    """setupSeccomp() for amd64. drop: syscall names to leave out."""
    if profile.get("architectures") and profile.get("archMap"):
        die("both architectures and archMap in the profile")
    out = {"defaultAction": profile["defaultAction"]}
    arches = list(profile.get("architectures") or [])
    for a in profile.get("archMap") or []:
        if a["architecture"] == NATIVE_SCMP:
            arches.append(a["architecture"])
            arches.extend(a.get("subArchitectures") or [])
            break
    if arches:
        out["architectures"] = arches
    syscalls = []
    for i, call in enumerate(profile["syscalls"]):
        inc = call.get("includes") or {}
        exc = call.get("excludes") or {}
        names = [call["name"]] if call.get("name") else list(call["names"])
        why = None
        if NATIVE_ARCH in (exc.get("arches") or []):
            why = "excluded: arch %s in excludes.arches" % NATIVE_ARCH
        elif any(c in caps for c in exc.get("caps") or []):
            why = "excluded: holds %s" % ",".join(
                c for c in exc["caps"] if c in caps)
        elif exc.get("minKernel") and kernel_ge(kernel, exc["minKernel"]):
            why = "excluded: kernel >= %s" % exc["minKernel"]
        elif inc.get("arches") and NATIVE_ARCH not in inc["arches"]:
            why = "skipped: only for %s" % ",".join(inc["arches"])
        elif inc.get("caps") and not all(c in caps for c in inc["caps"]):
            why = "skipped: needs %s" % ",".join(
                c for c in inc["caps"] if c not in caps)
        elif inc.get("minKernel") and not kernel_ge(kernel, inc["minKernel"]):
            why = "skipped: kernel < %s" % inc["minKernel"]
        kept = [n for n in names if n not in drop]
        if why is None and not kept:
            why = "dropped by the profile variant"
        if explain is not None:
            desc = names[0] if len(names) == 1 else "%s..(%d)" % (
                names[0], len(names))
            extra = ""
            if call.get("args"):
                extra += " args"
            if call.get("errnoRet") is not None:
                extra += " errnoRet=%d" % call["errnoRet"]
            removed = sorted(set(names) & set(drop))
            if why is None and removed:
                extra += " minus %s" % ",".join(removed)
            explain.append("%2d %-7s %-32s %s%s" % (
                i, "drop" if why else "keep", desc,
                call["action"], extra + ("  # " + why if why else "")))
        if why:
            continue
        new = {"names": kept, "action": call["action"]}
        if call.get("errnoRet") is not None:
            new["errnoRet"] = call["errnoRet"]
        if call.get("args"):
            new["args"] = [dict(a) for a in call["args"]]
        syscalls.append(new)
    out["syscalls"] = syscalls
    return out


def seccomp_for(name, kernel=None, explain=None):
    if name not in PROFILES:
        die("unknown profile %r (default, no-landlock, pre-20.10.18)" % name)
    try:
        with open(PROFILE_JSON) as f:
            profile = json.load(f)
    except OSError as e:
        die("%s: %s (install golang-github-docker-docker-dev)" %
            (PROFILE_JSON, e.strerror))
    if kernel is None:
        kernel = parse_kernel(os.uname().release)
    return convert(profile, DOCKER_CAPS, kernel, PROFILES[name], explain)


def bundle(dirpath, workdir, profile, cid, ro_paths, env, args,
           overlay=False):
    rootfs = os.path.join(dirpath, "rootfs")
    os.mkdir(rootfs, 0o755)
    os.mkdir(os.path.join(rootfs, "root"), 0o700)
    mounts = [
        # Docker's oci.DefaultLinuxSpec() mounts.
        {"destination": "/proc", "type": "proc", "source": "proc",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
         "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
        {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
         "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666",
                     "mode=0620", "gid=5"]},
        {"destination": "/sys", "type": "sysfs", "source": "sysfs",
         "options": ["nosuid", "noexec", "nodev", "ro"]},
        {"destination": "/sys/fs/cgroup", "type": "cgroup",
         "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]},
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
         "options": ["nosuid", "noexec", "nodev"]},
        {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
         "options": ["nosuid", "noexec", "nodev", "mode=1777",
                     "size=65536k"]},
    ]
    # The host's system directories, read-only.  On a merged-/usr system
    # /bin, /lib, ... are symlinks: recreate them in the rootfs.
    for top in ("usr", "etc", "lib", "lib32", "lib64", "libx32", "bin",
                "sbin"):
        host = "/" + top
        if os.path.islink(host):
            os.symlink(os.readlink(host), os.path.join(rootfs, top))
        elif os.path.isdir(host) and overlay:
            # Docker's rootfs is a writable overlay over the image: the
            # host's directory as the lower layer, an upper one in the
            # bundle, thrown away afterwards.
            for sub in ("upper", "work"):
                os.makedirs(os.path.join(dirpath, sub, top))
            mounts.append({"destination": host, "type": "overlay",
                           "source": "overlay", "options": [
                               "lowerdir=" + host,
                               "upperdir=" + os.path.join(dirpath, "upper",
                                                          top),
                               "workdir=" + os.path.join(dirpath, "work",
                                                         top)]})
        elif os.path.isdir(host):
            mounts.append({"destination": host, "type": "bind",
                           "source": host, "options": ["rbind", "rro"]})
    mounts.append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                   "options": ["nosuid", "nodev", "mode=1777"]})
    for p in ro_paths:
        mounts.append({"destination": p, "type": "bind", "source": p,
                       "options": ["rbind", "rro"]})
    mounts.append({"destination": workdir, "type": "bind", "source": workdir,
                   "options": ["rbind", "rw"]})

    full_env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME": cid[:12],
        "HOME": "/root",
        # Not Docker's: tells tests which conditions they run under.
        "CLEANROOM_DOCKER_DEFAULT": profile + ("+overlay" if overlay else ""),
    }
    for e in env:
        k, _, v = e.partition("=")
        full_env[k] = v

    def dev(major, minor):
        return {"allow": True, "type": "c", "major": major, "minor": minor,
                "access": "rwm"}

    config = {
        "ociVersion": "1.0.2-dev",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["%s=%s" % kv for kv in full_env.items()],
            "cwd": workdir,
            # Docker's oci.SetCapabilities for uid 0: no inheritable, no
            # ambient.
            "capabilities": {
                "bounding": DOCKER_CAPS,
                "effective": DOCKER_CAPS,
                "permitted": DOCKER_CAPS,
            },
            "noNewPrivileges": False,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": cid[:12],
        "mounts": mounts,
        "linux": {
            "namespaces": [{"type": t} for t in
                           ("mount", "network", "uts", "pid", "ipc")],
            "resources": {"devices": [
                {"allow": False, "access": "rwm"},
                dev(1, 5), dev(1, 3), dev(1, 9), dev(1, 8), dev(5, 0),
                dev(5, 1),
                {"allow": False, "type": "c", "major": 10, "minor": 229,
                 "access": "rwm"},
            ]},
            "seccomp": seccomp_for(profile),
            "maskedPaths": [
                "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list",
                "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                "/sys/firmware",
            ],
            "readonlyPaths": [
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                "/proc/sysrq-trigger",
            ],
        },
    }
    with open(os.path.join(dirpath, "config.json"), "w") as f:
        json.dump(config, f, indent=1)


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0
    cmd, argv = argv[0], argv[1:]
    opts = {"--profile": "default", "--ro": [], "--env": [], "--id": None,
            "--workdir": None, "--kernel": None}
    flags = set()
    args = []
    pos = []
    while argv:
        a = argv.pop(0)
        if a == "--":
            args = argv
            break
        if a in ("--explain", "--overlay"):
            flags.add(a)
        elif a in opts:
            if not argv:
                die("%s needs a value" % a)
            if isinstance(opts[a], list):
                opts[a].append(argv.pop(0))
            else:
                opts[a] = argv.pop(0)
        elif a.startswith("-"):
            die("unknown option %s" % a)
        else:
            pos.append(a)
    if cmd == "seccomp":
        kernel = parse_kernel(opts["--kernel"]) if opts["--kernel"] else None
        if "--explain" in flags:
            lines = []
            sec = seccomp_for(opts["--profile"], kernel, lines)
            print("profile %s, kernel %s, arches %s, defaultAction %s" % (
                opts["--profile"],
                ".".join(map(str, kernel or parse_kernel(
                    os.uname().release))),
                ",".join(sec["architectures"]), sec["defaultAction"]))
            print("\n".join(lines))
            print("%d groups kept, %d syscall names" % (
                len(sec["syscalls"]),
                sum(len(s["names"]) for s in sec["syscalls"])))
        else:
            json.dump(seccomp_for(opts["--profile"], kernel), sys.stdout,
                      indent=1)
            sys.stdout.write("\n")
        return 0
    if cmd == "bundle":
        if len(pos) != 1 or not opts["--workdir"] or not args:
            die("usage: bundle DIR --workdir W [--profile P] -- CMD...")
        bundle(pos[0], opts["--workdir"], opts["--profile"],
               opts["--id"] or os.path.basename(pos[0]), opts["--ro"],
               opts["--env"], args, "--overlay" in flags)
        return 0
    die("unknown command %r (seccomp, bundle)" % cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
