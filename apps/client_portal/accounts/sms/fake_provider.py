"""A local SMS provider speaking the ``HttpBackend`` protocol, for tests and demos.

    with FakeSmsProvider(api_key="k") as provider:
        settings.SMS_HTTP_URL = provider.url
        ...
        provider.messages  # [{"to": ..., "text": ..., "sender": ...}]

Numbers in ``unknown_numbers`` are answered 400 "unknown number", as a real
provider does for a number no network serves. Listens on 127.0.0.1 only.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsProvider:
    def __init__(self, api_key="test-key", header="X-Api-Key", unknown_numbers=()):
        self.api_key = api_key
        self.header = header
        self.unknown_numbers = set(unknown_numbers)
        self.messages: list[dict] = []
        self.requests: list[dict] = []
        self._server = None
        self._thread = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1/messages"

    def start(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                provider.requests.append({"path": self.path, "headers": dict(self.headers),
                                          "body": raw.decode("utf-8", "replace")})
                if self.headers.get(provider.header) != provider.api_key:
                    return self._answer(401, {"error": "bad api key"})
                try:
                    data = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"error": "bad json"})
                if data.get("to") in provider.unknown_numbers:
                    return self._answer(400, {"error": "unknown number"})
                message_id = uuid.uuid4().hex
                provider.messages.append({"id": message_id, **data})
                return self._answer(200, {"id": message_id})

            def _answer(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
