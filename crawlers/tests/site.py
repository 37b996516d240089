"""A small website served on 127.0.0.1 for integration tests.

Pages are a dict path → (status, headers, body); list pages answer conditional GETs with
304; special paths misbehave (huge, never finishing, redirect loop). Every request is
recorded with its headers so tests can check what the crawler asked for.
"""

from __future__ import annotations

import hashlib
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

HANG_SECONDS = 20


class Site:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[dict[str, Any]] = []
        self.stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                site.requests.append({"path": self.path, "headers": dict(self.headers)})
                site.handle(self)

        class QuietServer(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # clients hanging up on huge/slow pages is the point of those pages

        self.server = QuietServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def add(self, path: str, body: bytes | str, *, status: int = 200,
            content_type: str = "text/html; charset=utf-8", **headers: str) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (status, {"Content-Type": content_type, **headers}, data)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        if path.startswith("/huge"):
            return self._huge(h)
        if path.startswith("/hang"):
            return self._hang(h)
        if path.startswith("/loop"):  # endless redirects, each to a new URL
            hop = int(path.rpartition("=")[2]) if "=" in path else 0
            h.send_response(302)
            h.send_header("Location", f"/loop.html?hop={hop + 1}")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if path not in self.pages:
            body = b"not found"
            h.send_response(404)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        status, headers, body = self.pages[path]
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if status == 200 and path.endswith(("index.html", ".xml")):  # list pages and feeds
            modified = formatdate(1700000000, usegmt=True)
            headers = dict(headers, ETag=etag, **{"Last-Modified": modified})
            if h.headers.get("If-None-Match") == etag:
                h.send_response(304)
                h.send_header("ETag", etag)
                h.end_headers()
                return
        h.send_response(status)
        for key, value in headers.items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def _huge(self, h: BaseHTTPRequestHandler) -> None:
        size = 50 * 1024 * 1024
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        chunk = ("<p>" + "大" * 1000 + "</p>").encode("utf-8")
        sent = 0
        try:
            while sent < size and not self.stop.is_set():
                h.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the crawler hung up at its size cap, as it should

    def _hang(self, h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            h.wfile.write(b"<html><body><p>")
            h.wfile.flush()
        except OSError:
            return
        self.stop.wait(HANG_SECONDS)  # bounded: the test server never hangs forever itself
