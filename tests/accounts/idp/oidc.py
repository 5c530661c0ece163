"""A minimal OpenID Provider for tests, served over HTTP on 127.0.0.1.

Authorization code flow with PKCE: discovery, ``/authorize`` (consents at once
for ``provider.identity`` and redirects back with ``code`` and ``state``),
``/token`` (an ID token signed RS256 with a key made at start), ``/userinfo``
and ``/jwks``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class OpenIDProvider:
    def __init__(self, client_id="portal", client_secret="portal-secret"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.identity: dict = {}
        self.codes: dict = {}
        self.tokens: dict = {}
        self.requests: list[str] = []
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ---------------------------------------------------------
    def start(self) -> OpenIDProvider:
        self._server = make_server("127.0.0.1", 0, self.app, handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- protocol -----------------------------------------------------------
    def configuration(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": ["openid", "profile", "email"],
        }

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        return {"keys": [jwk]}

    def id_token(self, claims: dict, nonce: str | None) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300,
            **claims,
        }
        if nonce:
            payload["nonce"] = nonce
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def authorize(self, query: dict):
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return "400 Bad Request", {"error": "invalid_request"}, None
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": dict(self.identity),
            "redirect_uri": query.get("redirect_uri"),
            "nonce": query.get("nonce"),
            "challenge": query.get("code_challenge"),
        }
        params = {"code": code}
        if query.get("state") is not None:
            params["state"] = query["state"]
        return "302 Found", None, f"{query['redirect_uri']}?{urlencode(params)}"

    def token(self, form: dict, authorization: str):
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return "401 Unauthorized", {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return "400 Bad Request", {"error": "invalid_grant"}
        if grant["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if expected != grant["challenge"]:
                return "400 Bad Request", {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant["claims"]
        return "200 OK", {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant["claims"], grant["nonce"]),
        }

    # --- WSGI ---------------------------------------------------------------
    def app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        self.requests.append(path)
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        location = None
        if path == "/.well-known/openid-configuration":
            status, body = "200 OK", self.configuration()
        elif path == "/jwks":
            status, body = "200 OK", self.jwks()
        elif path == "/authorize":
            status, body, location = self.authorize(query)
        elif path == "/token" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            status, body = self.token(form, environ.get("HTTP_AUTHORIZATION", ""))
        elif path == "/userinfo":
            bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            claims = self.tokens.get(bearer)
            status, body = ("200 OK", claims) if claims else ("401 Unauthorized", {})
        else:
            status, body = "404 Not Found", {"error": "not_found"}
        if location:
            start_response(status, [("Location", location), ("Content-Length", "0")])
            return [b""]
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(data)))])
        return [data]
