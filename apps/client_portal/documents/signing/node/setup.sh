#!/bin/sh
# Set-up of the signing module's Node.js side. Idempotent; safe to run on every deploy.
#
#   setup.sh            install the Node helper's packages (verify.js: DSTU 4145 with jkurwa)
#                       exactly as package-lock.json says (npm ci), unless already installed
#   setup.sh --bundles  also rebuild the vendored browser bundles in ../static/signing/vendor/
#                       (they are committed; rebuild only after changing package versions)
#
# Without Node.js the site still runs: DSTU signatures are refused with a clear message
# (signing.crypto.dstu.available() is False); RSA/ECDSA signing does not need Node.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "signing/node: Node.js or npm not found; DSTU 4145 signatures will be refused." >&2
    exit 0
fi

# npm ci only when node_modules is missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--bundles" ]; then
    node build.mjs
fi
echo "signing/node: ready ($(node --version))"
