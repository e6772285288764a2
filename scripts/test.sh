#!/usr/bin/env bash
# The README's test command: everything a fresh Debian machine needs, then the whole suite.
# Browser tests never skip: without Chromium they fail; the Celery tests fail without redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v chromium >/dev/null && command -v chromedriver >/dev/null || missing+=(chromium chromium-driver)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update
    $SUDO apt-get install -y "${missing[@]}"
fi
python -m pip install -q -r requirements.txt
# pytest's own exit status (5 = no tests collected) is the script's status.
python -m pytest "$@"
