#!/usr/bin/env bash
# setup.sh: install the webpack example's dependencies from the committed
# package-lock.json (npm ci), as a Dockerfile's earlier RUN line would.
# Usage: setup.sh [--check]   (see scripts/example-npm.sh)
exec bash "$(dirname "$0")/../../scripts/example-npm.sh" webpack node_modules/.bin/webpack "$@"
