#!/usr/bin/env bash
# tests/dist: what a user gets. `make dist` twice (the second time with
# another umask and touched sources) gives the same bytes, which verify
# with `sha256sum -c`; the tarball holds exactly the stripped static
# binary, the man pages, the completions, README, LICENSE and the
# third-party notices, owned by 0 with one mtime; `make install` installs
# the same files. The notices name every library in build/deps/lib, and
# notices.sh refuses a library it has no notice for. The man pages lint
# clean (mandoc -Tlint, man --warnings) and name every option of the
# option table, every command and every spec key; the spec example in
# cleanroom.yml(5) parses. The generated completions load in bash, zsh
# (autoloaded from fpath, and sourced after compinit) and fish, and
# complete a command, an option and an option's choices. Dockerfile.example
# holds the tool image's stages (Dockerfile) word for word.
#
# Usage: tests/dist/t-dist.sh (BUILD=build; runs make in the repository).
: "${CLEANROOM:=build/cleanroom}"
. "$(dirname "$0")/../integration/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BUILD:=build}"
cd "$ROOT" || exit 1
MAKE_B=()
[ "$BUILD" = build ] || MAKE_B=(B="$BUILD")
GEN=$BUILD/tools/cleanroom-gen
VERSION=$(sed -n 's/^VERSION := //p' Makefile)
NAME=cleanroom-$VERSION-x86_64-linux-musl
TARBALL=$BUILD/dist/$NAME.tar.gz

# ---- make dist, twice --------------------------------------------------------
run make -s "${MAKE_B[@]}" dist
assert_rc 0 "make dist"
[ "$RC" = 0 ] || { finish; exit; }
run sh -c "cd '$BUILD/dist' && sha256sum -c SHA256SUMS"
assert_rc 0 "sha256sum -c SHA256SUMS"
assert_eq "$OUT" "$NAME.tar.gz: OK" "SHA256SUMS names the tarball alone"
cp "$TARBALL" "$SCRATCH/first.tar.gz"
# Another umask, and sources with new mtimes: the bytes must not change.
touch man/cleanroom.1 README.md LICENSE
run sh -c "umask 077 && make -s ${MAKE_B[*]} dist"
assert_rc 0 "make dist again (umask 077, touched sources)"
if cmp -s "$SCRATCH/first.tar.gz" "$TARBALL"; then
	pass "two make dist runs give the same bytes ($(sha256sum <"$TARBALL" | cut -c1-16)…)"
else
	fail "two make dist runs give the same bytes" "$(cmp "$SCRATCH/first.tar.gz" "$TARBALL")"
fi
# Bytes 4-7 of a gzip header are its MTIME (RFC 1952); gzip -n writes 0.
assert_eq "$(od -An -tx1 -j4 -N4 "$TARBALL" | tr -d ' ')" 00000000 \
	"gzip -n: no time in the gzip header"

# ---- what the tarball holds --------------------------------------------------
want="$NAME/
$NAME/bin/
$NAME/bin/cleanroom
$NAME/share/
$NAME/share/bash-completion/
$NAME/share/bash-completion/completions/
$NAME/share/bash-completion/completions/cleanroom
$NAME/share/doc/
$NAME/share/doc/cleanroom/
$NAME/share/doc/cleanroom/LICENSE
$NAME/share/doc/cleanroom/README.md
$NAME/share/doc/cleanroom/THIRD-PARTY-NOTICES
$NAME/share/fish/
$NAME/share/fish/vendor_completions.d/
$NAME/share/fish/vendor_completions.d/cleanroom.fish
$NAME/share/man/
$NAME/share/man/man1/
$NAME/share/man/man1/cleanroom.1
$NAME/share/man/man5/
$NAME/share/man/man5/cleanroom.yml.5
$NAME/share/zsh/
$NAME/share/zsh/site-functions/
$NAME/share/zsh/site-functions/_cleanroom"
run tar -tzf "$TARBALL"
assert_eq "$OUT" "$want" "the tarball lists exactly these files, in name order"
run sh -c "tar --numeric-owner -tvzf '$TARBALL' | awk '{ print \$1, \$2, \$4, \$5 }' | sort -u"
owners=$(awk '{ print $2 }' <<<"$OUT" | sort -u)
assert_eq "$owners" "0/0" "every entry owned by 0/0"
times=$(awk '{ print $3, $4 }' <<<"$OUT" | sort -u | wc -l)
assert_eq "$times" 1 "every entry has the same mtime"
modes=$(tar -tvzf "$TARBALL" | awk '{ print $1, $6 }' | grep -v -e '^drwxr-xr-x ' -e '^-rw-r--r-- ')
assert_eq "$modes" "-rwxr-xr-x $NAME/bin/cleanroom" "0755 directories and binary, 0644 files"

x=$SCRATCH/x
mkdir -p "$x"
tar -C "$x" -xzf "$TARBALL"
bin=$x/$NAME/bin/cleanroom
run readelf -lS "$bin"
assert_not_contains "$OUT" "INTERP" "the binary is static (no program interpreter)"
assert_not_contains "$OUT" ".symtab" "the binary is stripped (no .symtab)"
run "$bin" --version
assert_contains "$OUT" "cleanroom $VERSION" "the tarball's binary runs"
for s in bash:cleanroom.bash zsh:_cleanroom fish:cleanroom.fish; do
	sh=${s%%:*}
	case $sh in
	bash) f=$x/$NAME/share/bash-completion/completions/cleanroom ;;
	zsh) f=$x/$NAME/share/zsh/site-functions/_cleanroom ;;
	fish) f=$x/$NAME/share/fish/vendor_completions.d/cleanroom.fish ;;
	esac
	if "$GEN" "$sh" | cmp -s - "$f"; then
		pass "the $sh completions are what cleanroom-gen writes from the option table"
	else
		fail "the $sh completions are what cleanroom-gen writes from the option table"
	fi
done

# ---- make install: the same files --------------------------------------------
inst=$SCRATCH/inst
run make -s "${MAKE_B[@]}" install DESTDIR="$inst" PREFIX=/opt/cr
assert_rc 0 "make install DESTDIR PREFIX"
got=$(cd "$inst/opt/cr" && find . -type f | sort)
exp=$(cd "$x/$NAME" && find . -type f | sort)
assert_eq "$got" "$exp" "make install installs the tarball's files"
if cmp -s "$inst/opt/cr/bin/cleanroom" "$bin"; then
	pass "make install's binary is the tarball's (stripped)"
else
	fail "make install's binary is the tarball's (stripped)"
fi

# ---- third-party notices -----------------------------------------------------
notices=$x/$NAME/share/doc/cleanroom/THIRD-PARTY-NOTICES
missing=""
for a in "$BUILD"/deps/lib/*.a; do
	grep -qF "${a##*/}" "$notices" || missing="$missing ${a##*/}"
done
assert_eq "$missing" "" "the notices name every library in $BUILD/deps/lib"
n=$(cat "$notices")
assert_contains "$n" "GNU LESSER GENERAL PUBLIC LICENSE" "nettle's LGPL text is included"
assert_contains "$n" "Relinking with a modified nettle" "with the means to relink"
assert_contains "$n" "nettle $(awk '$1 == "Version:" { print $2; exit }' "$BUILD"/deps/src/nettle_*.dsc)" \
	"naming the exact Debian source version"
# A library deps.sh would build without a notice: refused.
fake=$SCRATCH/fakedeps
mkdir -p "$fake/lib"
ln -s "$ROOT/$BUILD/deps/src" "$fake/src"
for a in "$BUILD"/deps/lib/*.a; do ln -s "$ROOT/$a" "$fake/lib/"; done
run bash scripts/notices.sh "$fake" "$SCRATCH/notices"
assert_rc 0 "notices.sh on the same libraries"
: >"$fake/lib/libunlisted.a"
run bash scripts/notices.sh "$fake" "$SCRATCH/notices2"
assert_rc 1 "notices.sh refuses a library it has no notice for"
assert_contains "$ERR" "libunlisted.a has no notice" "and names it"

# ---- man pages -----------------------------------------------------------------
for m in man/cleanroom.1 man/cleanroom.yml.5; do
	if command -v mandoc >/dev/null; then
		run mandoc -Tlint -W warning "$m"
		assert_eq "$RC:$OUT$ERR" "0:" "mandoc -Tlint -W warning $m: clean"
	else
		skip "mandoc missing (scripts/bootstrap.sh check installs it)"
	fi
	run env MANWIDTH=80 man --warnings -l "$m"
	assert_eq "$RC:$ERR" "0:" "man --warnings -l $m renders without a warning"
done
page1=$(MANWIDTH=200 man -l man/cleanroom.1 2>/dev/null | col -b)
page5=$(MANWIDTH=200 man -l man/cleanroom.yml.5 2>/dev/null | col -b)
missing=""
for o in $("$GEN" options); do
	grep -qE -- "(^|[^a-z-])$o([^a-z-]|\$)" <<<"$page1" || missing="$missing $o"
done
assert_eq "$missing" "" "cleanroom(1) names every option of the option table ($("$GEN" options | wc -l))"
commands=$(sed -n '/^COMMANDS/,/^OPTIONS/p' <<<"$page1")
missing=""
for c in $("$GEN" commands); do
	grep -qE "^ +$c( |\$)" <<<"$commands" || missing="$missing $c"
done
assert_eq "$missing" "" "cleanroom(1) describes every command under COMMANDS"
missing=""
for k in $("$GEN" spec-keys); do
	grep -qE -- "(^|[^a-z_.])${k//./\\.}([^a-z_.]|\$)" <<<"$page5" || missing="$missing $k"
done
assert_eq "$missing" "" "cleanroom.yml(5) names every spec key ($("$GEN" spec-keys | wc -l))"
# The man page's example spec is a valid spec.
ex=$SCRATCH/example
mkdir -p "$ex"
sed -n '/^framework: vite$/,/^inputs:/p' man/cleanroom.yml.5 >"$ex/cleanroom.yml"
echo 'A=1' >"$ex/.aptible.env"
run "$CLEANROOM" doctor -C "$ex"
assert_contains "$OUT" "cleanroom.yml: ok" "the example of cleanroom.yml(5) passes doctor's lint"

# ---- the tool image's stages in Dockerfile.example ---------------------------
# Dockerfile.example's builder and tool stages must be the tool image's,
# word for word (tests/docker builds both files).
block=$(sed -n '/^# ---- builder: Debian bookworm/,$p' Dockerfile)
if [ -n "$block" ] && grep -qF "$(head -n 1 <<<"$block")" Dockerfile.example &&
	python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open(sys.argv[2]).read())' \
		<(printf '%s\n' "$block") Dockerfile.example; then
	pass "Dockerfile.example holds the tool image's builder and tool stages verbatim"
else
	fail "Dockerfile.example holds the tool image's builder and tool stages verbatim" \
		"copy Dockerfile from '# ---- builder: Debian bookworm' on into Dockerfile.example"
fi
run grep -c '^COPY --from=tool /usr/local/bin/cleanroom ' Dockerfile.example
assert_eq "$OUT" 3 "its three app stages take the binary from the tool stage"

# ---- completions ---------------------------------------------------------------
bashc=$x/$NAME/share/bash-completion/completions/cleanroom
complete_bash() { # WORDS...: the candidates for the last word
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _cleanroom; printf "%s\n" "${COMPREPLY[@]}"' _ "$bashc" "$@"
}
run bash -c "source '$bashc' && complete -p cleanroom"
assert_eq "$OUT" "complete -F _cleanroom cleanroom" "bash: the completion loads"
assert_eq "$(complete_bash cleanroom re)" "$(printf 'reproduce\n')" "bash: completes a command (re → reproduce)"
assert_eq "$(complete_bash cleanroom run --netw)" "--network" "bash: completes run's option"
assert_eq "$(complete_bash cleanroom -C /tmp run --network '')" "$(printf 'deny\nallow')" "bash: completes the option's choices"
assert_eq "$(complete_bash cleanroom diff --netw)" "" "bash: no --network for diff, which does not take it"
assert_eq "$(complete_bash cleanroom -v -f x.yml sta)" "start" "bash: options with values before the command are skipped"
assert_eq "$(complete_bash cleanroom help "do")" "doctor" "bash: help completes a command"
mkdir -p "$SCRATCH/files/sub dir" && : >"$SCRATCH/files/my app.env"
assert_eq "$(cd "$SCRATCH/files" && complete_bash cleanroom run --env my)" "my app.env" \
	"bash: a file name with a space is one candidate (--env FILE)"
assert_eq "$(cd "$SCRATCH/files" && complete_bash cleanroom -C s)" "sub dir" \
	"bash: directories for -C DIR"
if command -v zsh >/dev/null; then
	zd=$SCRATCH/zsh
	mkdir -p "$zd"
	run env -i HOME="$zd" zsh -fc "fpath=('$x/$NAME/share/zsh/site-functions' \$fpath); autoload -U compinit; compinit -u -d '$zd/dump'; print -r -- \${_comps[cleanroom]}"
	assert_eq "$RC:$OUT" "0:_cleanroom" "zsh: compinit finds _cleanroom on fpath"
	zshc=$x/$NAME/share/zsh/site-functions/_cleanroom
	zcomp() { # WORDS...: what _cleanroom hands compadd (a stub prints it)
		env -i HOME="$zd" zsh -fc 'autoload -U compinit; compinit -u -d "$1/dump"; source "$2" || exit 9; [[ ${_comps[cleanroom]} == _cleanroom ]] || exit 8
compadd() { print -rl -- "${(@P)${@[-1]}}" }
shift 2; words=("$@"); CURRENT=$#; _cleanroom' _ "$zd" "$zshc" "$@"
	}
	run zcomp cleanroom ru
	assert_rc 0 "zsh: the completion loads with source after compinit"
	assert_contains "$OUT" "$(printf 'reproduce\npublish\nhelp')" "zsh: offers the commands"
	assert_contains "$OUT" "run" "zsh: completes a command"
	run zcomp cleanroom run --net
	assert_contains "$OUT" "--network" "zsh: completes run's option"
	assert_not_contains "$OUT" "--files-only" "zsh: and not env's"
	run zcomp cleanroom run --network ""
	assert_eq "$OUT" "$(printf 'deny\nallow')" "zsh: completes the option's choices"
else
	skip "zsh missing (scripts/bootstrap.sh check installs it)"
fi
if command -v fish >/dev/null; then
	fishc=$x/$NAME/share/fish/vendor_completions.d/cleanroom.fish
	fcomp() { HOME=$SCRATCH fish --no-config -c "source '$fishc'; complete -C '$1'" | cut -f1; }
	assert_eq "$(fcomp 'cleanroom ru')" "run" "fish: completes a command"
	assert_eq "$(fcomp 'cleanroom run --netw')" "--network" "fish: completes run's option"
	assert_eq "$(fcomp 'cleanroom run --network ' | sort)" "$(printf 'allow\ndeny')" "fish: completes the option's choices"
	assert_eq "$(fcomp 'cleanroom diff --netw')" "" "fish: no --network for diff"
else
	skip "fish missing (scripts/bootstrap.sh check installs it)"
fi
finish
