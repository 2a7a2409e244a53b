#!/usr/bin/env bash
# Make sure Debian's Chromium (/usr/bin/chromium) is installed for the browser tests (tests/pages).
#
# The page tests drive it with Playwright's `executable_path`; `playwright install` is never used,
# because it downloads browsers from outside the package registries. If Chromium is missing and we
# can use apt-get (as root, or through passwordless sudo), install the `chromium` package. This
# script never fails the build: if Chromium cannot be installed, the page tests say so themselves.
set -u

target="${ENGAGE_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$target" ]; then
    echo "ensure_chromium: $target is installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $target is missing and there is no apt-get here; the page tests will report it"
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "ensure_chromium: $target is missing; install it with 'sudo apt-get install -y chromium' (page tests will report it)"
    exit 0
fi
echo "ensure_chromium: installing the Debian chromium package (apt-get install -y chromium)"
if $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq chromium; then
    echo "ensure_chromium: installed $(command -v chromium || echo "$target")"
else
    echo "ensure_chromium: apt-get could not install chromium; continuing, the page tests will report it"
fi
exit 0
