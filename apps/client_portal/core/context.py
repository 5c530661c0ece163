"""The request being served, for code far from the view (audit, notifications)."""

from contextvars import ContextVar

current_request: ContextVar = ContextVar("current_request", default=None)


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind nginx on a unix socket, deploy/wsgi.py sets REMOTE_ADDR from the address
    # nginx saw (X-Real-IP); a TCP peer keeps its own.
    return request.META.get("REMOTE_ADDR") or None
