#!/usr/bin/env bash
# Installs Debian's Chromium for the browser test (tests/test_widget_browser.py) when it is missing.
# Playwright drives this system browser: its own browser downloads are not used.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
    exit 0
fi

fail() {
    echo "install-browser: $*" >&2
    echo "install-browser: the browser test will be skipped until $CHROMIUM exists (apt-get install chromium)" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install Chromium at $CHROMIUM by hand"
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || fail "installing Chromium needs root (or sudo)"
    SUDO=(sudo -n)
else
    SUDO=()
fi

echo "install-browser: installing Debian's chromium package (a few minutes the first time)..."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get update -qq >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get update failed"
fi
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "apt-get install chromium failed"
fi
[[ -x "$CHROMIUM" ]] || fail "the chromium package installed but $CHROMIUM is missing"
echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"
