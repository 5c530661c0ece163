#!/usr/bin/env bash
# Make sure MariaDB and Redis answer on 127.0.0.1; start them if they are installed but down.
# Prints one line per service: "mariadb: up" or "mariadb: down".
set -uo pipefail
mariadb_up() { mysqladmin -h127.0.0.1 -P3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! mariadb_up && [ -x /usr/sbin/mariadbd ]; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do mariadb_up && break; sleep 1; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
  for _ in $(seq 1 10); do redis_up && break; sleep 0.5; done
fi
# Django's date lookups on aware times (the back office's date filters) need MariaDB's
# time zone tables; a fresh server has them empty. Loading them takes a second, once.
if mariadb_up && [ "$(mysql -h127.0.0.1 -P3306 -uroot -N -e 'SELECT COUNT(*) FROM mysql.time_zone_name' 2>/dev/null)" = "0" ]; then
  tzinfo=$(command -v mariadb-tzinfo-to-sql || command -v mysql_tzinfo_to_sql || true)
  if [ -n "$tzinfo" ]; then
    "$tzinfo" /usr/share/zoneinfo 2>/dev/null | mysql -h127.0.0.1 -P3306 -uroot mysql >/dev/null 2>&1 \
      && echo "mariadb: time zone tables loaded" || echo "mariadb: could not load the time zone tables"
  fi
fi
mariadb_up && echo "mariadb: up" || echo "mariadb: down"
redis_up && echo "redis: up" || echo "redis: down"
