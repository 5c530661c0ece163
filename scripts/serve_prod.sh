#!/usr/bin/env bash
# The production stack on this machine: nginx (Debian's package) on HOST:PORT,
# buffering, serving /static/ itself, in front of gunicorn's sync workers on a
# unix socket. Plain HTTP on loopback; production adds TLS (docs/deploy.md).
#
# Usage: scripts/serve_prod.sh          (make serve: after make setup)
# Environment: HOST, PORT, WEB_WORKERS, WEB_THREADS, GUNICORN_TIMEOUT,
# PROXY_WORKERS (else bench.cfg), SERVE_DIR
# (default var/serve: socket, rendered nginx.conf, pid files, nginx's
# temporary files), CLIENT_PORTAL_SITE and the site's settings as for make run.
# Ctrl-C stops both. Nothing is written outside the project: nginx runs with
# its own prefix and configuration, never /etc/nginx's (the mime.types file is
# read from there).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
HOST=${HOST:-$(scripts/profile.py host)}
PORT=${PORT:-$(scripts/profile.py port)}
WORKERS=${WEB_WORKERS:-$(scripts/profile.py web_workers)}
THREADS=${WEB_THREADS:-$(scripts/profile.py web_threads)}
# bench.cfg's gunicorn_timeout and proxy_workers, if it has them.
TIMEOUT=${GUNICORN_TIMEOUT:-$(scripts/profile.py gunicorn_timeout 2>/dev/null || echo 30)}
PROXY_WORKERS=${PROXY_WORKERS:-$(scripts/profile.py proxy_workers 2>/dev/null || echo auto)}
DIR=$(realpath -m "${SERVE_DIR:-var/serve}")
SOCK=$DIR/run/gunicorn.sock
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

die() { echo "!! serve: $*" >&2; exit 1; }
[ -x "$NGINX" ] || die "nginx is missing: apt-get install nginx (scripts/system-deps.sh serve)"
[ -x "$BIN/gunicorn" ] || die "no virtualenv: run make setup"

# What the site itself says: where collectstatic wrote, the upload limit.
read -r STATIC_ROOT UPLOAD_MAX < <("$BIN/python" - <<'EOF'
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.conf import settings
print(settings.STATIC_ROOT, settings.FILE_UPLOAD_MAX_BYTES)
EOF
) || die "the site's settings do not load (see above)"
[ -s "$STATIC_ROOT/staticfiles.json" ] || die "no collected static files in $STATIC_ROOT: run make setup"

mkdir -p "$DIR/run" "$DIR/nginx"
rm -f "$SOCK"
user_args=()
if [ "$(id -u)" -eq 0 ]; then
  # nginx's master starts as root here: its workers run as www-data, which
  # must reach the static files and the socket.
  user_args=(--user www-data)
  if command -v runuser >/dev/null && ! runuser -u www-data -- test -r "$STATIC_ROOT/staticfiles.json"; then
    die "www-data cannot read $STATIC_ROOT (nginx's workers run as www-data when started by root)"
  fi
fi
"$BIN/python" deploy/render_nginx.py \
  --listen "$HOST:$PORT" --upstream "unix:$SOCK" --static-root "$STATIC_ROOT" \
  --prefix "$DIR/nginx" --access-log /dev/stdout --error-log /dev/stderr \
  --worker-processes "$PROXY_WORKERS" --upload-max-bytes "$UPLOAD_MAX" --gunicorn-timeout "$TIMEOUT" \
  "${user_args[@]}" -o "$DIR/nginx/nginx.conf" --check

gunicorn_pid="" nginx_pid=""
stop() {
  trap - INT TERM EXIT
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  [ -n "$gunicorn_pid" ] && kill -TERM "$gunicorn_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$SOCK"
  echo ">> stopped"
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

# gunicorn 24+ opens a control socket in $HOME/.gunicorn (shared by every
# gunicorn of the user): this one needs none.
extra=()
if "$BIN/gunicorn" --help 2>/dev/null | grep -q -- --no-control-socket; then extra+=(--no-control-socket); fi
echo ">> gunicorn: $WORKERS workers x $THREADS threads on unix:$SOCK"
"$BIN/gunicorn" deploy.wsgi:application --bind "unix:$SOCK" \
  --workers "$WORKERS" --threads "$THREADS" --timeout "$TIMEOUT" --graceful-timeout 20 \
  --keep-alive 75 --pid "$DIR/run/gunicorn.pid" --error-logfile - --log-level info "${extra[@]}" &
gunicorn_pid=$!
for _ in $(seq 300); do   # nginx once the socket is there: earlier requests would be 502s
  [ -S "$SOCK" ] && break
  kill -0 "$gunicorn_pid" 2>/dev/null || die "gunicorn did not start (see above)"
  sleep 0.1
done
[ -S "$SOCK" ] || die "gunicorn made no socket in 30 s"
echo ">> nginx: http://$HOST:$PORT/ (configuration $DIR/nginx/nginx.conf)"
"$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g "daemon off;" &
nginx_pid=$!

"$BIN/python" - "http://$HOST:$PORT/healthz" <<'EOF' || die "the stack did not answer /healthz within 60 s"
import sys, time, urllib.request
deadline = time.monotonic() + 60
try:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
                if response.status == 200:
                    print(">> ready: /healthz answers 200 through nginx", flush=True)
                    sys.exit(0)
        except OSError:
            pass
        time.sleep(0.3)
except KeyboardInterrupt:
    sys.exit(130)
sys.exit(1)
EOF

# Until Ctrl-C, or until either process ends (then the other is stopped too).
status=0
wait -n "$gunicorn_pid" "$nginx_pid" || status=$?
echo "!! serve: a process of the stack ended (status $status); stopping the other" >&2
exit "$status"
