#!/usr/bin/env bash
# Installs Debian's chromium for the site's browser tests (site/browser_test.go),
# which drive it headless with chromedp. Idempotent: does nothing when
# /usr/bin/chromium is already there. Runs as root on Debian (CI); elsewhere
# run it with sudo or install chromium yourself.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "== chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends chromium fonts-dejavu-core
echo "== chromium: $(/usr/bin/chromium --version)"
