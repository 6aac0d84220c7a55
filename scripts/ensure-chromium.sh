#!/bin/sh
# The console's browser tests drive Debian's headless Chromium through chromedriver.
# Installs chromium + chromium-driver with apt-get when missing and running as root; otherwise says what to do.
set -eu
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: installing chromium and chromium-driver with apt-get" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null \
        || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver >/dev/null; }
    exit 0
fi
echo "ensure-chromium: chromium and chromedriver are needed for tests/browser." >&2
echo "  Install them as root:  apt-get install -y chromium chromium-driver" >&2
exit 1
