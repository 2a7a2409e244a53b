#!/usr/bin/env bash
# Make sure the Debian libraries WeasyPrint needs (report PDFs, api/reports/pdf.py) are installed.
#
# WeasyPrint itself is a PyPI package (pyproject.toml); it loads pango, pangoft2 and harfbuzz-subset
# from the system when it is imported, and the reports' charts and text use DejaVu fonts. If pango is
# missing and we can use apt-get (as root, or through passwordless sudo), install those packages.
# This script never fails the build: without them the app still starts, and the PDF routes answer
# 503 with the reason (the report pages and JSON work as before); the PDF tests then say so themselves.
set -u

packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"

has_pango() {
    ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'
}

if has_pango && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    echo "ensure_weasyprint: pango and DejaVu fonts are installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_weasyprint: pango or DejaVu fonts are missing and there is no apt-get here; report PDFs will answer 503"
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "ensure_weasyprint: missing libraries; install them with 'sudo apt-get install -y $packages' (report PDFs answer 503 meanwhile)"
    exit 0
fi
echo "ensure_weasyprint: installing Debian packages for report PDFs (apt-get install -y $packages)"
# shellcheck disable=SC2086  # the package list is meant to split into words
if $as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $packages; then
    echo "ensure_weasyprint: installed"
else
    echo "ensure_weasyprint: apt-get could not install them; continuing, report PDFs will answer 503"
fi
exit 0
