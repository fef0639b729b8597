#!/usr/bin/env bash
# setup.sh: make the Rails example's gems ready, as a Dockerfile's `RUN
# bundle install` before the clean room would. The gems are Debian's
# (ruby-rails, ruby-sprockets-rails, ruby-sassc-rails, installed by
# `scripts/bootstrap.sh examples`); `bundle install --local` resolves the
# committed Gemfile.lock against them and never contacts a gem server.
#
# Usage: setup.sh           install when needed (a no-op when ready)
#        setup.sh --check   exit 0 iff ready
set -euo pipefail
cd "$(dirname "$0")"
# Bundler writes nothing under HOME for these commands, but warns when HOME
# is missing or not writable (the Docker-default harness has no HOME).
export HOME=${HOME:-/tmp}
export BUNDLE_GEMFILE=$PWD/Gemfile

ready() {
	command -v bundle >/dev/null 2>&1 && bundle check >/dev/null 2>&1
}

if [[ ${1:-} == --check ]]; then
	ready
	exit
fi
[[ $# == 0 ]] || { echo "usage: setup.sh [--check]" >&2; exit 2; }
ready && exit 0
command -v bundle >/dev/null 2>&1 ||
	{ echo "setup.sh: bundle not found (bash scripts/bootstrap.sh examples)" >&2; exit 1; }
bundle install --local --quiet
ready
