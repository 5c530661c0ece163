"""A MariaDB server of the test's own: a temporary data directory, a free port, stopped at will.

It never touches the machine's shared server: it is started from a data
directory this module creates (``mariadb-install-db``), listens on 127.0.0.1 on
a port picked free at start (never 3306), and only the process this module
started is ever signalled. ``stop(crash=True)`` is a SIGKILL (a crash: InnoDB
recovers at the next start), ``stop()`` a SIGTERM (a clean shutdown).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SKIP_PREFIX = "FAULT TESTS SKIPPED:"
SHARED_PORT = 3306


def _which(*names: str) -> str | None:
    for name in names:
        for folder in (None, "/usr/sbin", "/usr/local/sbin", "/usr/bin"):
            found = shutil.which(name, path=folder) if folder else shutil.which(name)
            if found:
                return found
    return None


def _die_with_parent() -> None:
    """In the child before exec: killed if the test run dies without stopping it (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MariaDBUnavailable(RuntimeError):
    """What this machine lacks to run a MariaDB server of the test's own."""


class OwnMariaDB:
    """One MariaDB server in a temporary folder; root with no password on 127.0.0.1:port."""

    # Small and quick: a test database of a few thousand rows. The redo log is
    # flushed at every commit (the default), so a SIGKILL loses no committed row.
    SERVER_OPTIONS = [
        "--skip-name-resolve",
        "--innodb-buffer-pool-size=64M",
        "--innodb-log-file-size=16M",
        "--performance-schema=OFF",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
    ]

    def __init__(self, prefix: str = "cp-faults-mariadb-"):
        self.mariadbd = _which("mariadbd", "mysqld")
        self.install_db = _which("mariadb-install-db", "mysql_install_db")
        self.tzinfo_to_sql = _which("mariadb-tzinfo-to-sql", "mysql_tzinfo_to_sql")
        missing = [name for name, path in (("mariadbd", self.mariadbd),
                                           ("mariadb-install-db", self.install_db))
                   if path is None]
        if missing:
            raise MariaDBUnavailable(
                f"{' and '.join(missing)} not found (apt-get install mariadb-server); "
                "the fault tests start a MariaDB server of their own")
        try:
            import MySQLdb  # noqa: F401
        except ImportError as exc:
            raise MariaDBUnavailable(f"MySQLdb (mysqlclient) is missing: {exc}") from exc
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self.datadir = self.tmp / "data"
        self.socket = self.tmp / "s.sock"
        self.log = self.tmp / "mariadbd.err"
        self.port = _free_port()
        if self.port == SHARED_PORT:  # pragma: no cover - the kernel never hands it out
            raise MariaDBUnavailable("got port 3306 from the kernel; refusing to use it")
        self.process: subprocess.Popen | None = None
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        self.starts = 0

    # --- life cycle -------------------------------------------------------------
    def install(self) -> None:
        args = [self.install_db, "--no-defaults", f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal", "--skip-test-db",
                *self.SERVER_OPTIONS]
        if self.as_root:
            args.append("--user=root")
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise MariaDBUnavailable("mariadb-install-db failed:\n"
                                     + (done.stderr or done.stdout)[-2000:])

    def start(self, timeout: float = 60) -> float:
        """Start the server on its port and data directory; seconds until it answered."""
        if self.running:
            raise RuntimeError("the test's MariaDB is already running")
        args = [self.mariadbd, "--no-defaults", f"--datadir={self.datadir}",
                f"--socket={self.socket}", f"--port={self.port}", "--bind-address=127.0.0.1",
                f"--pid-file={self.tmp / 'mariadbd.pid'}", f"--log-error={self.log}",
                *self.SERVER_OPTIONS]
        if self.as_root:
            args.append("--user=root")
        began = time.monotonic()
        with open(self.tmp / "mariadbd.out", "a") as out:
            # Its own session: a signal meant for the test run never reaches it.
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True,
                                            preexec_fn=_die_with_parent)
        self.starts += 1
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise MariaDBUnavailable(
                    f"mariadbd exited at start (code {self.process.returncode}):\n"
                    + self.log_tail())
            if self.answers():
                return time.monotonic() - began
            time.sleep(0.05)
        self.stop(crash=True)
        raise MariaDBUnavailable(f"mariadbd did not answer within {timeout:.0f} s:\n"
                                 + self.log_tail())

    def stop(self, *, crash: bool = False, timeout: float = 60) -> float:
        """SIGKILL (``crash``) or SIGTERM our server and wait for it; seconds it took."""
        if not self.running:
            return 0.0
        began = time.monotonic()
        self.process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - began

    def restart(self, *, crash: bool = False, down_for: float = 0.0) -> dict:
        stopped = self.stop(crash=crash)
        time.sleep(down_for)
        return {"stop_s": stopped, "start_s": self.start()}

    def remove(self) -> None:
        self.stop(crash=True)
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no error log)"

    # --- talking to it ------------------------------------------------------------
    def connect(self, database: str | None = None, timeout: int = 5):
        import MySQLdb

        kwargs = {"host": "127.0.0.1", "port": self.port, "user": "root",
                  "connect_timeout": timeout, "charset": "utf8mb4", "autocommit": True}
        if database:
            kwargs["database"] = database
        return MySQLdb.connect(**kwargs)

    def answers(self) -> bool:
        import MySQLdb

        try:
            connection = self.connect(timeout=2)
        except MySQLdb.Error:
            return False
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
        except MySQLdb.Error:
            return False
        finally:
            connection.close()

    def query(self, sql: str, params=None, *, database: str | None = None) -> list[tuple]:
        connection = self.connect(database)
        try:
            cursor = connection.cursor()
            cursor.execute(sql, params)
            return list(cursor.fetchall() or [])
        finally:
            connection.close()

    def load_time_zones(self) -> None:
        """The time zone tables, as a MariaDB site of the project has them."""
        if self.tzinfo_to_sql is None or not Path("/usr/share/zoneinfo").is_dir():
            return
        sql = subprocess.run([self.tzinfo_to_sql, "/usr/share/zoneinfo"], capture_output=True,
                             timeout=120).stdout
        client = _which("mariadb", "mysql")
        if client:
            done = subprocess.run(
                [client, "--no-defaults", "-h127.0.0.1", f"-P{self.port}", "-uroot", "mysql"],
                input=sql, capture_output=True, timeout=120)
            if done.returncode != 0:
                raise MariaDBUnavailable("loading the time zone tables failed:\n"
                                         + done.stderr.decode(errors="replace")[-1000:])

    def create_database(self, name: str) -> str:
        """A utf8mb4 database; its ``DATABASE_URL``."""
        self.query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 "
                   "COLLATE utf8mb4_unicode_ci")
        return f"mysql://root@127.0.0.1:{self.port}/{name}"
