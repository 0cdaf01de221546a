"""A partner's webhook receiver for tests: a real HTTP server on 127.0.0.1 in a thread.

It records every request (headers, raw body, arrival time) and answers from a script: a list of
status codes used in turn (the last one repeats), or ``hold()`` to keep requests waiting without an
answer until ``release()``; ``think_seconds`` makes it a slow partner. ``wait_for(n)`` waits on a
condition, never a fixed sleep.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival

    @property
    def message(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    def __init__(self, answers: list[int] | None = None, *, think_seconds: float = 0):
        self.answers = list(answers or [200])
        self.think_seconds = think_seconds  # how long it takes to answer (widens races in tests)
        self.requests: list[Received] = []
        self._condition = threading.Condition()
        self._released = threading.Event()
        self._released.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._condition:
                    receiver.requests.append(Received(self.path, headers, body, time.time()))
                    status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                    receiver._condition.notify_all()
                receiver._released.wait(60)
                time.sleep(receiver.think_seconds)
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answered {status}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/accord"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def hold(self) -> None:
        """Requests from now on wait for ``release()`` before they are answered."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        """Wait until ``count`` requests have arrived (or the timeout passes); return them all."""
        with self._condition:
            self._condition.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
            return list(self.requests)
