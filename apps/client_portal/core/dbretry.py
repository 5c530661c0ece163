"""Running a unit of work again when the database connection was lost under it.

A database restart (or a failover) drops every open connection: the statement
in flight fails with "server has gone away" / "lost connection", and the
server rolls the open transaction back. ``run_with_reconnect`` runs a function
that does its writes in one transaction of its own; when the connection is
lost, it closes the dead connection, waits for the database to answer again
and runs the whole function once more, until ``within`` seconds have passed.

That is safe only for a function that can tell what an earlier attempt did:
a lost connection at COMMIT leaves it unknown whether the commit happened. The
document import is such a function (a file already imported, by its SHA-256,
creates nothing the second time). Inside an outer transaction nothing is
retried (the outer transaction is lost as a whole): the error is raised as is.
"""

from __future__ import annotations

import logging
import time

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

# How long a unit of work waits for the database to come back, unless told.
DEFAULT_WITHIN = 30.0

# MySQL/MariaDB client and server errors that mean "the connection is gone":
# 1053 server shutdown in progress, 1927 connection killed, 2002/2003 cannot
# connect, 2006 server has gone away, 2013 lost connection during query,
# 2055 lost connection (system error), 4031 disconnected by the server.
MYSQL_DISCONNECTS = {1053, 1927, 2002, 2003, 2006, 2013, 2055, 4031}


class DatabaseUnavailable(OperationalError):
    """The database stayed unreachable for as long as the work was willing to wait."""


def is_disconnect(exc: BaseException, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether ``exc`` says the connection to the database was lost (or could not be made)."""
    if isinstance(exc, InterfaceError):
        return True  # a closed or broken connection object
    if not isinstance(exc, OperationalError):
        return False
    vendor = connections[using].vendor
    if vendor == "mysql":
        code = exc.args[0] if exc.args else None
        return code in MYSQL_DISCONNECTS
    if vendor == "postgresql":
        # Connection failures carry no SQLSTATE or one of class 08; 57P01-57P03 are
        # shutdown and "cannot connect now".
        state = getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)
        return state is None or state.startswith("08") or state in {"57P01", "57P02", "57P03"}
    return False  # SQLite: a local file, no connection to lose


def run_with_reconnect(func, *args, within: float = DEFAULT_WITHIN,
                       using: str = DEFAULT_DB_ALIAS, what: str = "", **kwargs):
    """``func(*args, **kwargs)``, run again after a lost connection for up to ``within`` s.

    Raises ``DatabaseUnavailable`` (an ``OperationalError``) when the database did
    not come back in time, naming ``what`` was not done; any other error, and
    any error inside an outer transaction, is raised as it is.
    """
    connection = connections[using]
    deadline = time.monotonic() + within
    attempt = 0
    while True:
        attempt += 1
        try:
            return func(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or not is_disconnect(exc, using):
                raise
            # The server has rolled back whatever the attempt had not committed.
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a dead connection may fail too
                connection.connection = None
            wait = min(0.25 * 2 ** (attempt - 1), 2.0)
            if time.monotonic() + wait > deadline:
                log.error("database connection lost during %s; gave up after %d attempts: %s",
                          what or getattr(func, "__name__", "work"), attempt, exc)
                raise DatabaseUnavailable(
                    f"The database connection was lost and the database could not be "
                    f"reached again within {within:.0f} s: {what or 'the work'} was not "
                    "completed (its transaction was rolled back, unless the connection "
                    "broke at its very commit). Run it again once the database is back.") from exc
            log.warning("database connection lost during %s (attempt %d: %s); "
                        "trying again in %.2f s", what or getattr(func, "__name__", "work"),
                        attempt, exc, wait)
            time.sleep(wait)
