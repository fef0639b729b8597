# cleanroom: one static musl binary (libyaml, libcap, nettle, zlib, brotli,
# zstd, libcurl and OpenSSL linked in).
#
#   make            build/cleanroom (bootstraps the machine and the deps once)
#   make check      every test suite, against that exact binary and the
#                   ASan/UBSan build; the README's test command
#   make demo       run cleanroom on a bundled example
#   make asan       build/asan/cleanroom: dynamic glibc build with sanitizers
#   make fuzz       long fuzzing (FUZZ_SECONDS, default 600)
#   make bench      benchmarks: scripts/bench.sh's table first, then each
#                   script's figures (printed ratios, never asserted)
#   make bench-publish  publish vs rclone copy and aws s3 sync (in bench)
#   make install    PREFIX=/usr/local DESTDIR=: the stripped binary, man
#                   pages, completions, README, LICENSE, third-party notices
#   make dist       build/dist/cleanroom-VERSION-x86_64-linux-musl.tar.gz
#                   (the same files, reproducible) and build/dist/SHA256SUMS
#
# DEPS=debian (default): libyaml, libcap, nettle, zlib, brotli (decoder) and
# zstd (decompressor), OpenSSL and libcurl (HTTP/HTTPS only, for publish)
# are compiled from Debian's source packages with musl-gcc into build/deps,
# once.
# DEPS=system: the system's static libraries and compiler (Alpine: musl is
# the system libc); see Dockerfile.example.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
DEPS ?= debian
B := build

CFLAGS ?= -O2 -g
# CI sets CI=true: warnings are errors there.
WERROR := $(if $(CI),-Werror,)
WARN := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wvla \
	-Wpointer-arith -Wcast-qual $(WERROR)
HARDEN := -fstack-protector-strong -fno-strict-aliasing
LDHARDEN := -Wl,-z,relro,-z,now,-z,noexecstack

# src/ is one folder per layer, in the order data flows and includes may
# point: a file includes headers of its own layer or of layers before it
# (tests/lint.sh checks this order; ARCHITECTURE.md describes each).
LAYERS := base input secret job sandbox run proof/manifest proof start \
	publish report commands
SRCS := $(sort $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
INCLUDES := $(addprefix -Isrc/,$(LAYERS))
MAIN := cmd/cleanroom/main.c
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

ifeq ($(DEPS),debian)
DEPDIR := $(B)/deps
DEPS_STAMP := $(DEPDIR)/.stamp
SCC := musl-gcc
# musl ships no Linux uapi headers; deps.sh copies Debian's. The libraries'
# headers are system headers too: their own style (brotli's VLA parameters)
# is not ours to warn about.
SCPPFLAGS := -isystem $(DEPDIR)/uapi -isystem $(DEPDIR)/include
SLIBS := $(DEPDIR)/lib/libyaml.a $(DEPDIR)/lib/libcap.a \
	$(DEPDIR)/lib/libnettle.a $(DEPDIR)/lib/libz.a \
	$(DEPDIR)/lib/libbrotlidec.a $(DEPDIR)/lib/libbrotlicommon.a \
	$(DEPDIR)/lib/libzstd.a $(DEPDIR)/lib/libcurl.a \
	$(DEPDIR)/lib/libssl.a $(DEPDIR)/lib/libcrypto.a
else ifeq ($(DEPS),system)
DEPS_STAMP :=
SCC ?= cc
SCPPFLAGS := $(shell pkg-config --cflags yaml-0.1 libcap nettle zlib \
	libbrotlidec libzstd libcurl)
SLIBS := $(shell pkg-config --static --libs yaml-0.1 libcap nettle zlib \
	libbrotlidec libzstd libcurl)
else
$(error DEPS must be debian or system)
endif

BOOTSTRAP := $(B)/.bootstrap-build
BOOTSTRAP_CHECK := $(B)/.bootstrap-check

CPPFLAGS_ALL := -D_GNU_SOURCE $(INCLUDES) -DCLEANROOM_VERSION='"$(VERSION)"'

# The library versions each build was compiled against, for --version:
# from the Debian source packages deps.sh built, or from pkg-config. These
# are expanded in recipes, after the deps exist.
ifeq ($(DEPS),debian)
SVER = $(shell sed -n 's/^$(1)_VERSION = //p' $(DEPDIR)/versions.mk)
else
SVER = $(shell pkg-config --modversion $(2))
endif
AVER = $(shell pkg-config --modversion $(2))
define versions_h
	@mkdir -p $(@D)
	@printf '#define CLEANROOM_LIBYAML_VERSION "%s"\n#define CLEANROOM_LIBCAP_VERSION "%s"\n#define CLEANROOM_NETTLE_VERSION "%s"\n' \
		"$(call $(1),LIBYAML,yaml-0.1)" "$(call $(1),LIBCAP,libcap)" \
		"$(call $(1),NETTLE,nettle)" > $@.tmp
	@printf '#define CLEANROOM_ZLIB_VERSION "%s"\n#define CLEANROOM_BROTLI_VERSION "%s"\n#define CLEANROOM_ZSTD_VERSION "%s"\n' \
		"$(call $(1),ZLIB,zlib)" "$(call $(1),BROTLI,libbrotlidec)" \
		"$(call $(1),ZSTD,libzstd)" >> $@.tmp
	@printf '#define CLEANROOM_CURL_VERSION "%s"\n#define CLEANROOM_OPENSSL_VERSION "%s"\n' \
		"$(call $(1),CURL,libcurl)" "$(call $(1),OPENSSL,openssl)" >> $@.tmp
	@mv $@.tmp $@
endef

# The product: static, no program interpreter (-static, not -static-pie:
# musl-gcc's -static-pie still asks for the dynamic loader).
SOBJS := $(SRCS:%.c=$(B)/obj/%.o)
SMAIN := $(MAIN:%.c=$(B)/obj/%.o)

# The sanitizer build: ASan and UBSan cannot link statically.
ACC := gcc
AFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined -D_FORTIFY_SOURCE=0
AOBJS := $(SRCS:%.c=$(B)/asan/obj/%.o)
AMAIN := $(MAIN:%.c=$(B)/asan/obj/%.o)
ALIBS := -lyaml -lcap -lnettle -lz -lbrotlidec -lzstd -lcurl

.PHONY: all check asan fuzz bench bench-publish demo install install-bin dist clean lint \
	unit-tools
all: $(B)/cleanroom

$(BOOTSTRAP): scripts/bootstrap.sh
	@mkdir -p $(B)
	@if [ "$(DEPS)" = debian ]; then bash scripts/bootstrap.sh build; fi
	@touch $@

$(BOOTSTRAP_CHECK): scripts/bootstrap.sh
	@mkdir -p $(B)
	@bash scripts/bootstrap.sh check docker
	@touch $@

# An edited deps.sh rebuilds the libraries.
$(DEPDIR)/.stamp: scripts/deps.sh | $(BOOTSTRAP)
	@rm -f $@
	bash scripts/deps.sh $(DEPDIR)

# The list of versions is written here: a Makefile that names another
# library writes the header again.
$(B)/gen/versions.h: $(DEPS_STAMP) Makefile | $(BOOTSTRAP)
	$(call versions_h,SVER)

$(B)/asan/gen/versions.h: Makefile | $(BOOTSTRAP_CHECK)
	$(call versions_h,AVER)

$(B)/obj/src/base/version.o: $(B)/gen/versions.h
$(B)/asan/obj/src/base/version.o: $(B)/asan/gen/versions.h

$(B)/obj/%.o: %.c | $(BOOTSTRAP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(SCC) $(CFLAGS) $(HARDEN) $(WARN) $(CPPFLAGS_ALL) -I$(B)/gen \
		$(SCPPFLAGS) -MMD -MP -c $< -o $@

$(B)/cleanroom: $(SOBJS) $(SMAIN)
	$(SCC) -static $(LDHARDEN) -o $@ $^ $(SLIBS)

$(B)/asan/obj/%.o: %.c | $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	$(ACC) $(AFLAGS) $(WARN) $(CPPFLAGS_ALL) -I$(B)/asan/gen -MMD -MP \
		-c $< -o $@

$(B)/asan/cleanroom: $(AOBJS) $(AMAIN)
	$(ACC) $(AFLAGS) -o $@ $^ $(ALIBS)

asan: $(B)/asan/cleanroom $(B)/asan/unit-tests

# Unit tests link every module but main, for both libcs.
UOBJS := $(UNIT_SRCS:%.c=$(B)/obj/%.o)
AUOBJS := $(UNIT_SRCS:%.c=$(B)/asan/obj/%.o)

$(B)/unit-tests: $(UOBJS) $(SOBJS)
	$(SCC) -static -o $@ $^ $(SLIBS)

$(B)/asan/unit-tests: $(AUOBJS) $(AOBJS)
	$(ACC) $(AFLAGS) -o $@ $^ $(ALIBS)

# Test tools: plain host-compiled helpers.
TOOLCC := gcc -O2 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR)
$(B)/tools/diff-gen: tests/diff/gen.c | $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	$(TOOLCC) -o $@ $<

# run.c includes gen.c, so one seed means the same files in both.
$(B)/tools/diff-run: tests/diff/run.c tests/diff/gen.c | $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	$(TOOLCC) -o $@ $<

FUZZ_SRCS := src/input/envfile.c src/input/vars.c src/input/envfmt.c \
	$(addprefix src/base/,err.c buf.c io.c vec.c arena.c utf8.c json.c)
$(B)/fuzz/fuzz_envfile: tests/fuzz/fuzz_envfile.c $(FUZZ_SRCS) \
		| $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	clang -g -O1 -D_GNU_SOURCE $(INCLUDES) \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $^

$(B)/fuzz/fuzz_spec: tests/fuzz/fuzz_spec.c src/input/spec.c \
		$(addprefix src/base/,units.c err.c buf.c io.c vec.c suggest.c) \
		| $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	clang -g -O1 -D_GNU_SOURCE $(INCLUDES) \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(filter %.c,$^) -lyaml

# try-syscall performs one named syscall and prints `ok` or `errno NAME`:
# the hostile tests' probe. Static, so it runs inside the runc harness and
# can be made setuid-root.
$(B)/tools/try-syscall: tests/tools/try-syscall.c | $(BOOTSTRAP) $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(SCC) -static -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) \
		$(SCPPFLAGS) -o $@ $<

FUZZ_MANIFEST_SRCS := $(sort $(wildcard src/proof/manifest/*.c)) \
	src/input/manifest_json.c src/input/spec.c \
	$(addprefix src/base/,err.c buf.c io.c findings.c units.c vec.c hex.c suggest.c \
		utf8.c)
$(B)/fuzz/fuzz_manifest: tests/fuzz/fuzz_manifest.c $(FUZZ_MANIFEST_SRCS) \
		| $(BOOTSTRAP_CHECK)
	@mkdir -p $(@D)
	clang -g -O1 -D_GNU_SOURCE $(INCLUDES) \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $(filter %.c,$^) \
		-lyaml -lnettle

unit-tools: $(B)/fuzz/fuzz_manifest $(B)/tools/try-syscall $(B)/tools/diff-gen $(B)/tools/diff-run $(B)/fuzz/fuzz_envfile \
	$(B)/fuzz/fuzz_spec

check: $(B)/cleanroom $(B)/unit-tests asan unit-tools
	@bash scripts/example-deps.sh
	@CLEANROOM=$(B)/cleanroom ASAN_CLEANROOM=$(B)/asan/cleanroom \
		UNIT=$(B)/unit-tests ASAN_UNIT=$(B)/asan/unit-tests \
		DIFF_GEN=$(B)/tools/diff-gen DIFF_RUN=$(B)/tools/diff-run \
		FUZZ_ENVFILE=$(B)/fuzz/fuzz_envfile \
		FUZZ_SPEC=$(B)/fuzz/fuzz_spec \
		FUZZ_MANIFEST=$(B)/fuzz/fuzz_manifest BUILD=$(B) \
		bash tests/check.sh

# Long fuzzing, each target for FUZZ_SECONDS; the grown corpus is kept in
# build/fuzz/corpus-* between runs.
FUZZ_SECONDS ?= 600
fuzz: $(B)/fuzz/fuzz_envfile $(B)/fuzz/fuzz_spec $(B)/fuzz/fuzz_manifest
	@for t in envfile spec manifest; do \
		mkdir -p $(B)/fuzz/corpus-$$t; \
		$(B)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			$(B)/fuzz/corpus-$$t tests/fuzz/corpus/$$t || exit 1; \
	done

bench: $(B)/cleanroom
	@bash scripts/bootstrap.sh bench
	bash scripts/bench.sh $(B)/cleanroom
	bash scripts/bench-envfile.sh $(B)/cleanroom
	bash scripts/bench-run.sh $(B)/cleanroom
	BENCH_DIR=$(B)/bench bash scripts/bench-verify.sh $(B)/cleanroom
	bash scripts/bench-start.sh $(B)/cleanroom
	bash scripts/bench-ctime.sh $(B)/cleanroom
	bash scripts/bench-deps.sh
	bash scripts/bench-publish.sh $(B)/cleanroom

# cleanroom publish against rclone copy and aws s3 sync on a local S3
# server (scripts/bench-deps.sh installs rclone, awscli and s3rver).
bench-publish: $(B)/cleanroom
	bash scripts/bench-deps.sh
	bash scripts/bench-publish.sh $(B)/cleanroom

demo: $(B)/cleanroom
	bash scripts/demo.sh $(B)/cleanroom

# cleanroom-gen writes what is generated from cleanroom's own tables: the
# completions (from cli.c's option table) and the lists the man page test
# checks against. It links the product's objects, as the unit tests do.
GEN := $(B)/tools/cleanroom-gen
GEN_MAIN := $(B)/obj/cmd/cleanroom-gen/main.o
$(GEN): $(GEN_MAIN) $(SOBJS)
	@mkdir -p $(@D)
	$(SCC) -static -o $@ $^ $(SLIBS)

COMPLETIONS := $(B)/completions/cleanroom.bash $(B)/completions/_cleanroom \
	$(B)/completions/cleanroom.fish
$(B)/completions/cleanroom.bash: $(GEN)
	@mkdir -p $(@D)
	$(GEN) bash >$@.tmp && mv $@.tmp $@
$(B)/completions/_cleanroom: $(GEN)
	@mkdir -p $(@D)
	$(GEN) zsh >$@.tmp && mv $@.tmp $@
$(B)/completions/cleanroom.fish: $(GEN)
	@mkdir -p $(@D)
	$(GEN) fish >$@.tmp && mv $@.tmp $@

# The licences of the libraries linked in, from the Debian source packages
# deps.sh built: scripts/notices.sh fails when build/deps/lib holds a
# library it has no notice for. Written every time (it is cheap), since
# it names the commit the binary is built from.
NOTICES := $(B)/THIRD-PARTY-NOTICES
.PHONY: FORCE
FORCE:
$(NOTICES): scripts/notices.sh $(DEPS_STAMP) FORCE
	@if [ "$(DEPS)" != debian ]; then echo "the notices are made from the Debian sources: DEPS=debian" >&2; exit 1; fi
	bash scripts/notices.sh $(DEPDIR) $@

MANPAGES := man/cleanroom.1 man/cleanroom.yml.5
DOCDIR = $(DESTDIR)$(PREFIX)/share/doc/cleanroom

# The binary and what must travel with it (the tool image holds exactly
# this), then the man pages and completions.
install-bin: $(B)/cleanroom $(NOTICES)
	install -d $(DESTDIR)$(PREFIX)/bin $(DOCDIR)
	install -m 0755 -s $(B)/cleanroom $(DESTDIR)$(PREFIX)/bin/cleanroom
	install -m 0644 LICENSE $(NOTICES) $(DOCDIR)/

install: install-bin $(COMPLETIONS) $(MANPAGES)
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0644 man/cleanroom.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/cleanroom.yml.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(B)/completions/cleanroom.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/cleanroom
	install -m 0644 $(B)/completions/_cleanroom \
		$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_cleanroom
	install -m 0644 $(B)/completions/cleanroom.fish \
		$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/
	install -m 0644 README.md $(DOCDIR)/

# The release tarball: `make install` into a staging directory named like
# the tarball, then a tar with fixed order, owner, modes and mtime
# (SOURCE_DATE_EPOCH, by default the last commit's time) and gzip -n, so
# that the same tree gives the same bytes (scripts/dist.sh).
DIST_NAME := cleanroom-$(VERSION)-x86_64-linux-musl
dist: $(B)/cleanroom $(NOTICES) $(COMPLETIONS) $(MANPAGES)
	@rm -rf $(B)/dist
	@$(MAKE) --no-print-directory -s install \
		DESTDIR=$(CURDIR)/$(B)/dist/stage PREFIX=/$(DIST_NAME)
	bash scripts/dist.sh $(B)/dist/stage $(DIST_NAME) $(B)/dist

lint: $(B)/asan/gen/versions.h
	bash tests/lint.sh $(B)/asan/gen

clean:
	rm -rf $(B)/obj $(B)/asan $(B)/tools $(B)/fuzz $(B)/cleanroom \
		$(B)/unit-tests

# `make clean` keeps the dependency cache (build/deps); this drops it too.
distclean:
	rm -rf $(B)

-include $(SOBJS:.o=.d) $(SMAIN:.o=.d) $(AOBJS:.o=.d) $(AMAIN:.o=.d) \
	$(UOBJS:.o=.d) $(AUOBJS:.o=.d) $(GEN_MAIN:.o=.d)
