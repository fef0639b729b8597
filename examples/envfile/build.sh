#!/bin/sh
# A tiny asset build for the demo: copies each file of src/ to public/assets
# with the first 16 hex digits of its SHA-256 in the name, as asset
# pipelines do. It prints what it sees of the environment: the secret
# SECRET_KEY_BASE is withheld by cleanroom, APP_NAME is not.
set -eu
mkdir -p public/assets
for f in src/*; do
	name=$(basename "$f")
	sum=$(sha256sum "$f" | cut -c1-16)
	cp "$f" "public/assets/${name%.*}-$sum.${name##*.}"
done
echo "built $(ls public/assets | grep -vc cleanroom.lock) assets for ${APP_NAME:-?}; SECRET_KEY_BASE is ${SECRET_KEY_BASE:-not given to the build}"
# The env file itself is out of reach:
cat .aptible.env 2>&1 | head -n 1 || true
