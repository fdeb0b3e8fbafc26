#!/usr/bin/env bash
# Install headless Chromium for the dashboard's browser tests (tests/dashboard-browser.test.ts) from Debian's
# `chromium` package. The tests drive it through playwright-core, which npm installs; no browser is downloaded.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "Chromium is installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Installing Chromium needs root: run 'sudo $0', or install the Debian package chromium." >&2
  exit 1
fi

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
echo "Chromium is installed; the browser tests start their own headless instance."
