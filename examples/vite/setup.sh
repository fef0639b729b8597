#!/usr/bin/env bash
# setup.sh: install the vite example's dependencies from the committed
# package-lock.json (npm ci), as a Dockerfile's earlier RUN line would.
# Usage: setup.sh [--check]   (see scripts/example-npm.sh)
exec bash "$(dirname "$0")/../../scripts/example-npm.sh" vite node_modules/.bin/vite "$@"
