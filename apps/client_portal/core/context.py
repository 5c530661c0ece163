"""The request being served, for code far from the view (audit, notifications)."""

from contextvars import ContextVar

current_request: ContextVar = ContextVar("current_request", default=None)


def client_ip(request) -> str | None:
    if request is None:
        return None
    # Behind a trusted proxy, configure it to set REMOTE_ADDR (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR") or None
