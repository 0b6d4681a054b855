#!/usr/bin/env bash
# Installs what the real-browser tests of the HTML report need: Debian's Chromium (skipped when
# /usr/bin/chromium exists) and the driver's npm dependencies from its committed lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -x /usr/bin/chromium ]]; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
/usr/bin/chromium --version

# playwright-core ships no browser and downloads none: it drives the Chromium above.
if [[ ! -d node_modules/playwright-core ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
