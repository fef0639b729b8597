# Dockerfile: the cleanroom tool image. Its last stage is FROM scratch and
# holds only the stripped static binary and its licence notices:
#
#   /usr/local/bin/cleanroom
#   /usr/local/share/doc/cleanroom/LICENSE
#   /usr/local/share/doc/cleanroom/THIRD-PARTY-NOTICES
#
# so that an application's Dockerfile takes the binary with
#
#   COPY --from=IMAGE /usr/local/bin/cleanroom /usr/local/bin/cleanroom
#
# (IMAGE: this image as published, or built here with
# `docker build -t cleanroom .`). The binary is static (no PT_INTERP), so it
# runs in any image, whatever its libc. `docker run --rm IMAGE --version`
# prints its version and the library versions.
#
# The builder stage is the same text as Dockerfile.example's (the dist
# suite, tests/dist/t-dist.sh, checks it), so the example builds its app
# stages from exactly this binary. No `# syntax=` line: BuildKit's built-in
# frontend builds it without pulling anything but the base image, which
# `--build-arg DEBIAN_IMAGE=...` can point at a mirror or a local image.

ARG DEBIAN_IMAGE=debian:bookworm

# ---- builder: Debian bookworm -----------------------------------------------
# The default `make` bootstraps itself: scripts/bootstrap.sh installs
# musl-tools, m4, dpkg-dev, ... (and adds deb-src entries), scripts/deps.sh
# builds libyaml, libcap, nettle, zlib, brotli and zstd with musl-gcc from
# Debian's source packages, then cleanroom is linked statically against
# them. Only what the build reads is copied: `COPY . .` would copy the
# context's .aptible.env into this stage's layers too. The libraries get a
# layer of their own, so an edit of cleanroom's sources does not rebuild
# them. `make install-bin` installs the stripped binary and the notices
# (generated from the libraries deps.sh built) under /out.
FROM ${DEBIAN_IMAGE} AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY scripts/ scripts/
RUN make build/deps/.stamp
COPY LICENSE ./
COPY cmd/ cmd/
COPY src/ src/
RUN make && make install-bin DESTDIR=/out PREFIX=/usr/local
# The product must be static: no program interpreter (PT_INTERP), so it
# runs in any image below, whatever its libc.
RUN ! readelf -l build/cleanroom | grep -q INTERP

# ---- tool: the binary and its notices, nothing else --------------------------
FROM scratch AS tool
COPY --from=builder /out/ /
ENTRYPOINT ["/usr/local/bin/cleanroom"]
