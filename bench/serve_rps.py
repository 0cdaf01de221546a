"""Requests per second through gunicorn: a small threaded HTTP client (not run by `make bench`).

Start gunicorn on the demo data first (README "Serving" has the exact commands), then::

    .venv/bin/python bench/serve_rps.py http://127.0.0.1:8107 --key <API key> --session <sessionid> \
        --seconds 20 --concurrency 8

Each URL is requested by ``concurrency`` threads for ``seconds``; prints requests per second, p50, p95 and
the non-200 answers per URL. The client itself costs CPU on the same machine: run it with ``nice`` or on
another machine for cleaner figures.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

API_URLS = ["/api/v1/tickets/", "/api/v1/tickets/?status=closed", "/api/v1/clients/"]
STAFF_URLS = ["/tickets/", "/tickets/board/", "/clients/"]
STATIC_URL = "/static/css/accord.css"


def hammer(base: str, path: str, headers: dict, seconds: float, concurrency: int) -> tuple[int, list, dict]:
    parts = urlsplit(base)
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)  # kept alive
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                timings.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(timings), timings, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("--key", required=True, help="an API key of the tenant")
    parser.add_argument("--session", required=True, help="a staff session cookie (sessionid) in the tenant")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    proxy = {"X-Forwarded-Proto": "https", "Host": urlsplit(args.base).hostname}
    plan = [(url, {**proxy, "Authorization": f"Bearer {args.key}"}) for url in API_URLS]
    plan += [(url, {**proxy, "Cookie": f"sessionid={args.session}"}) for url in STAFF_URLS]
    plan += [(STATIC_URL, proxy)]
    for path, headers in plan:
        count, timings, statuses = hammer(args.base, path, headers, args.seconds, args.concurrency)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)] if timings else 0
        print(f"{path:36} {count / args.seconds:7.1f} req/s  p50 {statistics.median(timings):6.1f} ms"
              f"  p95 {p95:6.1f} ms  statuses {statuses}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
