"""config.wsgi behind nginx on a unix socket: the client's address from X-Real-IP.

    gunicorn deploy.wsgi:application --bind unix:/run/portal/gunicorn.sock ...

On a unix socket gunicorn has no peer address: ``REMOTE_ADDR`` is empty, and
gunicorn never takes it from a header (``--forwarded-allow-ips`` governs only
the scheme headers). The portal reads the client's address from
``REMOTE_ADDR`` (audit events, activation and SMS throttles), and allauth
refuses a rate-limited request without one ("Unable to determine client IP
address": the sign-in form would answer 403).

Only nginx can connect to the socket (its folder's permissions), and nginx
sets ``X-Real-IP`` to the address it saw, replacing whatever the client sent
(deploy/nginx.conf.template). So, for a connection without a peer address
(the unix socket) and only then, ``REMOTE_ADDR`` becomes that header's value
if it is an IP address. A TCP connection keeps its own peer address, so
binding gunicorn to a port exposed to clients cannot be fooled by the header.
"""

import ipaddress

from config.wsgi import application as django_application


def client_address(environ) -> str | None:
    """The address nginx vouches for, or ``None``."""
    if environ.get("REMOTE_ADDR"):
        return None  # a TCP peer: its own address stands
    real = environ.get("HTTP_X_REAL_IP", "").strip()
    try:
        return str(ipaddress.ip_address(real))
    except ValueError:
        return None


def application(environ, start_response):
    address = client_address(environ)
    if address is not None:
        environ["REMOTE_ADDR"] = address
    return django_application(environ, start_response)
