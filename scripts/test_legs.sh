#!/usr/bin/env bash
# The suite's two legs, side by side on two cores: SQLite (browser and fault tests
# included) in the foreground, MariaDB in the background with its report printed after.
# Usage: scripts/test_legs.sh up|down   (whether MariaDB answers on 127.0.0.1:3306)
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
mariadb_pid=""
if [ "${1:-down}" = "up" ]; then
  echo ">> the MariaDB leg runs beside the SQLite leg; its report follows the SQLite one"
  make --no-print-directory test-mariadb > var/test-mariadb.log 2>&1 &
  mariadb_pid=$!
fi
make --no-print-directory test-sqlite
sqlite_rc=$?
mariadb_rc=0
if [ -n "$mariadb_pid" ]; then
  wait "$mariadb_pid"
  mariadb_rc=$?
  echo
  cat var/test-mariadb.log
else
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!  MariaDB is not reachable on 127.0.0.1:3306: the MariaDB leg is SKIPPED  !!"
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  if [ -n "${CI:-}" ] && [ -z "${ALLOW_SKIP_MARIADB:-}" ] && [ -x /usr/sbin/mariadbd ]; then
    exit 1
  fi
fi
echo
echo ">> SQLite leg: $([ $sqlite_rc -eq 0 ] && echo passed || echo FAILED)"
[ -n "$mariadb_pid" ] && echo ">> MariaDB leg: $([ $mariadb_rc -eq 0 ] && echo passed || echo FAILED)"
[ $sqlite_rc -eq 0 ] && [ $mariadb_rc -eq 0 ]
