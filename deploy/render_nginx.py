#!/usr/bin/env python3
"""Render deploy/nginx.conf.template into a complete nginx.conf.

The local stack (plain HTTP on loopback, everything under one folder):

    deploy/render_nginx.py --listen 127.0.0.1:8000 \\
        --upstream unix:$PWD/var/serve/gunicorn.sock \\
        --static-root $PWD/var/static --prefix $PWD/var/serve/nginx \\
        -o var/serve/nginx/nginx.conf --check

Production (TLS; see docs/deploy.md):

    deploy/render_nginx.py --listen 443 --http-listen 80 \\
        --server-name portal.example.com \\
        --tls-cert /etc/ssl/portal/fullchain.pem --tls-key /etc/ssl/portal/key.pem \\
        --upstream unix:/run/portal/gunicorn.sock --static-root /srv/portal/var/static \\
        --user www-data --pid /run/nginx.pid --temp-dir /var/lib/nginx \\
        --error-log /var/log/nginx/error.log --access-log /var/log/nginx/access.log \\
        -o /etc/nginx/nginx.conf --check

Python's standard library only: it runs with Debian's python3 as well as the
project's virtualenv. ``--check`` runs ``nginx -t`` on the result.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "nginx.conf.template"
MIB = 1024 * 1024
DEFAULT_UPLOAD_MAX_BYTES = 20 * MIB  # config/settings.py FILE_UPLOAD_MAX_BYTES
DEFAULT_BUREAU_IMPORT_MAX_BYTES = 50 * MIB  # config/settings.py BUREAU_IMPORT_MAX_BYTES
BODY_MARGIN = MIB  # multipart boundaries, the other form fields, the CSRF token
PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
# A value lands inside a directive: nothing that could end it or open a block.
UNSAFE = re.compile(r"[\s;{}\"'#$\\]")


class RenderError(ValueError):
    """The template or a value cannot make a configuration."""


def render(template: str, values: dict[str, str], flags: dict[str, bool]) -> str:
    """``template`` with ``{{NAME}}`` replaced and the ``#@if flag`` sections resolved."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # (flag, keeping the current branch)
    for number, line in enumerate(template.splitlines(), 1):
        directive = line.strip()
        if directive.startswith("#@"):
            word, _, flag = directive[2:].partition(" ")
            if word == "if":
                if flag not in flags:
                    raise RenderError(f"line {number}: unknown flag {flag!r}")
                stack.append((flag, flags[flag]))
            elif word == "else" and stack:
                flag, keep = stack.pop()
                stack.append((flag, not keep))
            elif word == "endif" and stack:
                stack.pop()
            else:
                raise RenderError(f"line {number}: stray {directive!r}")
            continue
        if not all(keep for _, keep in stack):
            continue

        def substitute(match: re.Match, number=number) -> str:
            name = match.group(1)
            if name not in values:
                raise RenderError(f"line {number}: no value for {{{{{name}}}}}")
            return values[name]

        out.append(PLACEHOLDER.sub(substitute, line))
    if stack:
        raise RenderError(f"#@if {stack[-1][0]} is never closed")
    return "\n".join(out) + "\n"


def _safe(name: str, value: str) -> str:
    if not value or UNSAFE.search(value):
        raise RenderError(f"{name}: {value!r} is empty or holds a space, quote, ';', "
                          "'#', '$' or a brace")
    return value


def _absolute(name: str, value: str) -> str:
    if not os.path.isabs(value):
        raise RenderError(f"{name}: {value!r} must be an absolute path")
    return _safe(name, os.path.normpath(value))


def _size(number_of_bytes: int) -> str:
    """nginx's size syntax, rounded up to whole kilobytes or megabytes."""
    if number_of_bytes % MIB == 0:
        return f"{number_of_bytes // MIB}m"
    return f"{-(-number_of_bytes // 1024)}k"


def values_from_args(args: argparse.Namespace) -> tuple[dict[str, str], dict[str, bool]]:
    """The template's values and flags for these options; ``RenderError`` if they clash."""
    prefix = Path(args.prefix).resolve() if args.prefix else None

    def under_prefix(option: str, explicit: str | None, default: str) -> str:
        if explicit:
            return explicit if explicit == "off" else _absolute(option, explicit)
        if prefix is None:
            raise RenderError(f"give {option} or --prefix")
        return _absolute(option, str(prefix / default))

    upstream = args.upstream
    if upstream.startswith("unix:"):
        _absolute("--upstream", upstream[5:])
    elif not re.fullmatch(r"[A-Za-z0-9.\-]+:\d+|\[[0-9a-fA-F:]+\]:\d+", upstream):
        raise RenderError(f"--upstream: {upstream!r} is neither unix:/path nor host:port")
    tls = bool(args.tls_cert or args.tls_key)
    if tls and not (args.tls_cert and args.tls_key):
        raise RenderError("--tls-cert and --tls-key go together")
    trusted = []
    for network in args.trusted_proxy:
        try:
            trusted.append(str(ipaddress.ip_network(network, strict=False)))
        except ValueError as exc:
            raise RenderError(f"--trusted-proxy: {exc}") from exc
    if not re.fullmatch(r"\d+r/[sm]", args.signin_rate):
        raise RenderError(f"--signin-rate: {args.signin_rate!r} is not like 30r/m")
    access_log = under_prefix("--access-log", args.access_log, "logs/access.log")
    if args.upload_max_bytes <= 0 or args.bureau_import_max_bytes <= 0:
        raise RenderError("--upload-max-bytes and --bureau-import-max-bytes must be above 0")
    # The body limit admits the largest upload the site takes: the bureau's debt import
    # has a limit of its own, larger by default.
    largest = max(args.upload_max_bytes, args.bureau_import_max_bytes)
    values = {
        "USER": _safe("--user", args.user or "-"),
        "WORKER_PROCESSES": _safe("--worker-processes", str(args.worker_processes)),
        "WORKER_CONNECTIONS": str(args.worker_connections),
        "RLIMIT_NOFILE": str(args.worker_connections * 2),
        "PID": under_prefix("--pid", args.pid, "nginx.pid"),
        "ERROR_LOG": under_prefix("--error-log", args.error_log, "logs/error.log"),
        "ACCESS_LOG": "off" if access_log == "off" else
                      f"{access_log} portal" + ("" if access_log.startswith("/dev/")
                                                else " buffer=64k flush=2s"),
        "TEMP_DIR": under_prefix("--temp-dir", args.temp_dir, "tmp"),
        "MIME_TYPES": _absolute("--mime-types", args.mime_types),
        "LISTEN": _safe("--listen", args.listen),
        "HTTP_LISTEN": _safe("--http-listen", args.http_listen),
        "SERVER_NAME": _safe("--server-name", args.server_name),
        "UPSTREAM": _safe("--upstream", upstream),
        "STATIC_ROOT": _absolute("--static-root", args.static_root),
        "UPLOAD_MAX_BYTES": str(args.upload_max_bytes) if largest == args.upload_max_bytes
                            else f"{args.upload_max_bytes} bytes; the bureau's debt import, "
                                 f"BUREAU_IMPORT_MAX_BYTES, {largest}",
        "BODY_MARGIN": _size(BODY_MARGIN),
        "CLIENT_MAX_BODY_SIZE": _size(largest + BODY_MARGIN),
        "TLS_CERT": _absolute("--tls-cert", args.tls_cert) if tls else "",
        "TLS_KEY": _absolute("--tls-key", args.tls_key) if tls else "",
        "SIGNIN_RATE": args.signin_rate,
        "SIGNIN_BURST": str(args.signin_burst),
        "GUNICORN_TIMEOUT": str(args.gunicorn_timeout),
        "PROXY_READ_TIMEOUT": f"{args.gunicorn_timeout + 30}s",
        "SET_REAL_IP_FROM": "\n".join(f"    set_real_ip_from {n};" for n in trusted),
        "BALANCER_GEO": "\n".join(f"        {n} 1;" for n in trusted),
    }
    flags = {
        "tls": tls,
        "user": bool(args.user),
        "strict_host": args.server_name != "_",
        "real_ip": bool(trusted),
    }
    return values, flags


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("--listen", required=True,
                   help="address:port or port of the site (443 with TLS)")
    p.add_argument("--upstream", required=True,
                   help="gunicorn: unix:/absolute/path.sock or 127.0.0.1:PORT")
    p.add_argument("--static-root", required=True, help="STATIC_ROOT, absolute")
    p.add_argument("--prefix",
                   help="folder for the pid file, logs/ and tmp/ unless given one by one")
    p.add_argument("--pid")
    p.add_argument("--error-log", help="a file, or /dev/stderr")
    p.add_argument("--access-log", help="a file, /dev/stdout, or off")
    p.add_argument("--temp-dir", help="holds body/, proxy/ and the other temporary folders")
    p.add_argument("--server-name", default="_",
                   help="the site's host name; other names then get no answer (default: any)")
    p.add_argument("--tls-cert", help="certificate chain (PEM): turns TLS on")
    p.add_argument("--tls-key", help="its private key (PEM)")
    p.add_argument("--http-listen", default="80",
                   help="with TLS: the plain HTTP address that redirects (default 80)")
    p.add_argument("--user", help="user of the worker processes when nginx starts as root")
    p.add_argument("--worker-processes", default="auto")
    p.add_argument("--worker-connections", type=int, default=4096)
    p.add_argument("--upload-max-bytes", type=int,
                   default=int(os.environ.get("FILE_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES)),
                   help="the site's FILE_UPLOAD_MAX_BYTES (default: the environment's, "
                        "else 20 MiB); the body limit adds 1 MiB")
    p.add_argument("--bureau-import-max-bytes", type=int,
                   default=int(os.environ.get("BUREAU_IMPORT_MAX_BYTES",
                                              DEFAULT_BUREAU_IMPORT_MAX_BYTES)),
                   help="the site's BUREAU_IMPORT_MAX_BYTES (default: the environment's, "
                        "else 50 MiB); the body limit admits the larger of the two")
    p.add_argument("--signin-rate", default="30r/m",
                   help="sign-in POSTs per client address (default 30r/m)")
    p.add_argument("--signin-burst", type=int, default=20)
    p.add_argument("--gunicorn-timeout", type=int, default=30,
                   help="gunicorn's --timeout; proxy_read_timeout is 30 s more")
    p.add_argument("--trusted-proxy", action="append", default=[],
                   help="address or network of a load balancer in front (repeatable): "
                        "the client address is then taken from its X-Forwarded-For, and "
                        "its X-Forwarded-Proto: https is passed on")
    p.add_argument("--mime-types", default="/etc/nginx/mime.types")
    p.add_argument("-o", "--output", help="where to write (default: standard output)")
    p.add_argument("--check", action="store_true", help="run nginx -t on the result (needs -o)")
    return p


def nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def check(conf: Path, prefix: Path | None) -> None:
    """``nginx -t`` on ``conf``; ``RenderError`` with nginx's words if it fails."""
    args = [nginx_binary(), "-t", "-q", "-c", str(conf)]
    if prefix is not None:
        args[2:2] = ["-p", str(prefix)]
    done = subprocess.run(args, capture_output=True, text=True)  # noqa: S603 - nginx -t
    if done.returncode != 0:
        raise RenderError(f"nginx -t failed:\n{done.stderr.strip()}")


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        values, flags = values_from_args(args)
        text = render(TEMPLATE.read_text(encoding="utf-8"), values, flags)
        if not args.output:
            if args.check:
                raise RenderError("--check needs -o")
            sys.stdout.write(text)
            return 0
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        if args.prefix:
            for sub in ("logs", "tmp"):
                (Path(args.prefix) / sub).mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        if args.check:
            check(out.resolve(), Path(args.prefix).resolve() if args.prefix else None)
    except RenderError as exc:
        print(f"render_nginx: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
