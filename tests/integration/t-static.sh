#!/usr/bin/env bash
# The product is one static binary: no program interpreter, no dynamic
# section, and `file` calls it statically linked.
. "$(dirname "$0")/lib.sh"

run file -b "$CLEANROOM"
assert_contains "$OUT" "statically linked" "file says statically linked"
run readelf -l "$CLEANROOM"
assert_rc 0 "readelf reads the program headers"
assert_not_contains "$OUT" "INTERP" "no PT_INTERP (no dynamic loader)"
run readelf -d "$CLEANROOM"
assert_contains "$OUT" "no dynamic section" "no dynamic section"
# Hardening that survives static linking: full RELRO (BIND_NOW is moot
# without a loader, but GNU_RELRO must be there) and a non-executable
# stack.
run readelf -lW "$CLEANROOM"
assert_contains "$OUT" "GNU_RELRO" "RELRO segment present"
stack=$(grep GNU_STACK <<<"$OUT")
assert_not_contains "$stack" "RWE" "stack is not executable"
# Stack protector compiled in: the canary check is referenced.
run nm "$CLEANROOM"
assert_contains "$OUT" "__stack_chk_fail" "stack protector in use"
finish
