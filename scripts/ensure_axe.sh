#!/usr/bin/env bash
# Make sure axe-core (the accessibility engine the browser tests inject into every page) is installed.
#
# The version is pinned in package.json and package-lock.json at the repository root; this runs
# `npm ci --ignore-scripts` from the npm registry into node_modules/ (ignored by git). Nothing is
# fetched from a CDN and nothing here is served to visitors: tests/pages/axe.py reads
# node_modules/axe-core/axe.min.js and injects it into the page under test. Like ensure_chromium.sh
# this never fails the build: without npm the accessibility test fails itself, naming this script.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want="$(node -e 'console.log(require("./package-lock.json").packages["node_modules/axe-core"].version)' 2>/dev/null)"
have="$(node -e 'console.log(require("./node_modules/axe-core/package.json").version)' 2>/dev/null)"
if [ -n "$want" ] && [ "$want" = "$have" ] && [ -f node_modules/axe-core/axe.min.js ]; then
    echo "ensure_axe: axe-core $have is installed"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "ensure_axe: npm is missing; install Node.js (apt-get install -y npm); the accessibility test will report it"
    exit 0
fi
echo "ensure_axe: installing axe-core ${want:-?} (npm ci --ignore-scripts)"
if npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; then
    echo "ensure_axe: installed axe-core $(node -e 'console.log(require("./node_modules/axe-core/package.json").version)')"
else
    echo "ensure_axe: npm ci failed; continuing, the accessibility test will report it"
fi
exit 0
