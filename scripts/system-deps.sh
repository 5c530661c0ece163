#!/usr/bin/env bash
# Install the Debian packages the project needs, only those missing.
# Usage: scripts/system-deps.sh [run|test|serve]
set -euo pipefail
want=(build-essential pkg-config libmariadb-dev libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "${1:-run}" = "test" ]; then
  want+=(chromium poppler-utils wkhtmltopdf wrk mariadb-server redis-server nginx)
fi
if [ "${1:-run}" = "serve" ]; then
  want+=(nginx chromium)
fi
# Node.js checks DSTU 4145 signatures (documents/signing/node); any packaged version >= 18.
command -v node >/dev/null 2>&1 || want+=(nodejs npm)
missing=()
for pkg in "${want[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo ">> installing system packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "!! missing packages and not root: apt-get install ${missing[*]}" >&2; exit 1
  fi
else SUDO=""; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
