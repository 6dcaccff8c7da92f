# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local fake SMS gateway on 127.0.0.1 that records what it receives and
fails on demand, for tests and the demo (``python tests/fake_sms_gateway.py``)."""

import argparse
import itertools
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeSmsGateway:
    """An HTTP SMS gateway in a background thread.

    It accepts ``POST /sms`` with a JSON body, checks the bearer token when one
    is set, answers ``{"id": ..., "duplicate": ...}`` and, like real gateways,
    sends a message only once per ``Idempotency-Key`` header. Failures are
    queued with :meth:`fail_next`: an HTTP status, ``"drop"`` (close the
    connection without answering) or ``"slow"`` (answer after ``delay``).

    >>> import requests
    >>> with FakeSmsGateway(token="t0k") as gateway:
    ...     answer = requests.post(gateway.url, json={"phone": "+7", "text": "hi"},
    ...                            headers={"Authorization": "Bearer t0k",
    ...                                     "Idempotency-Key": "k1"}, timeout=5)
    ...     gateway.fail_next(503)
    ...     failed = requests.post(gateway.url, json={}, timeout=5)
    >>> answer.json(), failed.status_code, len(gateway.requests)
    ({'id': 'fake-1', 'duplicate': False}, 503, 2)
    >>> [message["text"] for message in gateway.sent]
    ['hi']
    """

    def __init__(self, port=0, token=None, delay=2.0):
        self.token = token
        self.delay = delay
        self.requests = []
        self.sent = []
        self._failures = []
        self._ids_by_key = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/sms"

    def fail_next(self, *failures):
        """Queue failures for the next requests, in order: an HTTP status code,
        ``"drop"`` or ``"slow"``."""
        with self._lock:
            self._failures.extend(failures)

    def start(self):
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-sms-gateway", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _next_failure(self):
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _accept(self, headers, body):
        """Record a message once per idempotency key and return the answer."""
        key = headers.get("Idempotency-Key") or body.get("idempotency_key")
        with self._lock:
            if key and key in self._ids_by_key:
                return {"id": self._ids_by_key[key], "duplicate": True}
            message_id = f"fake-{next(self._counter)}"
            if key:
                self._ids_by_key[key] = message_id
            self.sent.append(dict(body, id=message_id))
        return {"id": message_id, "duplicate": False}

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                headers = dict(self.headers.items())
                with gateway._lock:
                    gateway.requests.append({"headers": headers, "json": body})

                failure = gateway._next_failure()
                if failure == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if failure == "slow":
                    threading.Event().wait(gateway.delay)
                elif failure:
                    return self._answer(failure, {"error": "failure on demand"})

                expected = f"Bearer {gateway.token}" if gateway.token else None
                if expected and self.headers.get("Authorization") != expected:
                    return self._answer(401, {"error": "bad token"})
                if not isinstance(body, dict) or not body.get("phone"):
                    return self._answer(400, {"error": "phone is required"})
                return self._answer(200, gateway._accept(self.headers, body))

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                return

        return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=17550)
    parser.add_argument("--token", default=None)
    arguments = parser.parse_args()
    gateway = FakeSmsGateway(port=arguments.port, token=arguments.token)
    sys.stdout.write(f"Fake SMS gateway listening on {gateway.url}\n")
    sys.stdout.flush()
    try:
        gateway._server.serve_forever()
    except KeyboardInterrupt:
        gateway.stop()


if __name__ == "__main__":
    main()
