"""Test doubles of the host, and a real HTTP server, for the feeds plugin tests.

* :class:`FeedServer` — a real ``http.server.ThreadingHTTPServer`` on
  127.0.0.1 (port 0) whose answers each test scripts per path; it records
  every request and the highest number of requests in flight at once.
* :class:`FakeContext` / :class:`CollectingSink` — the host's side of the
  Source protocol (dict-backed state, a temp data dir, in-memory secrets):
  our own stand-ins for the app, not mocks of any server.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from workstation.api import Flags, Item, SecretStore

DATA = Path(__file__).resolve().parent / "data"


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass(frozen=True)
class Request:
    path: str
    headers: Mapping[str, str]  # lower-case names


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering


Handler = Callable[[Request], Reply]


class FeedServer:
    """A scripted HTTP server. Use as a context manager; it stops and joins on exit.

    Example::

        with FeedServer() as srv:
            srv.feed("/rss.xml", data("rss20.xml"), "application/rss+xml", etag='"v1"')
            url = srv.url("/rss.xml")
    """

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                req = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                with server._lock:
                    server.requests.append(req)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    route = server.routes.get(self.path.split("?", 1)[0])
                    reply = route(req) if route else Reply(404, b"not found")
                    if reply.delay:
                        # Interruptible: stopping the server wakes sleeping handlers.
                        server.stopping.wait(reply.delay)
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if reply.status not in (204, 304):
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.status not in (204, 304):
                        self.wfile.write(reply.body)
                finally:
                    with server._lock:
                        server.active -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: pytest shows what fails

        class _Server(ThreadingHTTPServer):
            daemon_threads = False  # joined on close: no thread outlives its test
            block_on_close = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and hung up is expected here

        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def reply(self, path: str, reply: Reply) -> None:
        self.routes[path] = lambda _req: reply

    def feed(self, path: str, body: bytes, content_type: str = "application/rss+xml", *,
             etag: str | None = None, last_modified: str | None = None,
             gzip_body: bool = False, delay: float = 0.0,
             extra: Mapping[str, str] | None = None) -> None:
        """Serve ``body`` with validators, answering conditional GETs with 304."""

        def handle(req: Request) -> Reply:
            headers = {"Content-Type": content_type, **(extra or {})}
            if etag:
                headers["ETag"] = etag
            if last_modified:
                headers["Last-Modified"] = last_modified
            if (etag and req.headers.get("if-none-match") == etag) or (
                    last_modified and not etag
                    and req.headers.get("if-modified-since") == last_modified):
                return Reply(304, b"", headers, delay)
            payload = body
            if gzip_body and "gzip" in req.headers.get("accept-encoding", ""):
                payload = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            return Reply(200, payload, headers, delay)

        self.routes[path] = handle

    def basic_auth(self, path: str, body: bytes, user: str, password: str) -> None:
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        def handle(req: Request) -> Reply:
            if req.headers.get("authorization") != expected:
                return Reply(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="feeds"'})
            return Reply(200, body, {"Content-Type": "application/rss+xml"})

        self.routes[path] = handle


class MemorySecrets:
    """A SecretStore in a dict (the keyring-backed one is tested too)."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def delete(self, key: str) -> None:
        self.values.pop(key, None)


class FakeContext:
    """The SourceContext a host gives a source; state is JSON-round-tripped like the store's."""

    def __init__(self, name: str, config: Mapping[str, Any], data_dir: Path,
                 secrets: SecretStore | None = None) -> None:
        self._name = name
        self._config = dict(config)
        self._data_dir = data_dir
        self._secrets: SecretStore = secrets or MemorySecrets()
        self.state: dict[str, str] = {}
        self.writes = 0

    @property
    def name(self) -> str:
        return self._name

    @property
    def config(self) -> Mapping[str, Any]:
        return self._config

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"workstation.source.{self._name}")

    @property
    def data_dir(self) -> Path:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        return self._data_dir

    @property
    def secrets(self) -> SecretStore:
        return self._secrets

    def get_state(self, key: str, default: Any = None) -> Any:
        return json.loads(self.state[key]) if key in self.state else default

    def set_state(self, key: str, value: Any) -> None:
        self.writes += 1
        self.state[key] = json.dumps(value)


@dataclass
class CollectingSink:
    """A SyncSink that keeps what it is given, like the store would (upsert by id)."""

    batches: list[list[Item]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    starred: set[str] = field(default_factory=set)
    flags: dict[str, Flags] = field(default_factory=dict)
    progress_calls: list[tuple[int, int | None, str]] = field(default_factory=list)
    store: dict[str, Item] = field(default_factory=dict)

    async def emit(self, items: Sequence[Item]) -> None:
        self.batches.append(list(items))
        for item in items:
            self.store[item.remote_id] = item

    async def set_flags(self, changes: Mapping[str, Flags]) -> None:
        self.flags.update(changes)

    async def remove(self, remote_ids: Sequence[str]) -> None:
        self.removed.extend(remote_ids)
        for rid in remote_ids:
            self.store.pop(rid, None)

    async def expire(self, remote_ids: Sequence[str]) -> None:
        self.expired.extend(remote_ids)
        for rid in remote_ids:
            if rid not in self.starred:  # the host's promise: starred entries stay
                self.store.pop(rid, None)

    def progress(self, done: int, total: int | None = None, message: str = "") -> None:
        self.progress_calls.append((done, total, message))

    @property
    def emitted(self) -> list[Item]:
        return [i for b in self.batches for i in b]


MakeContext = Callable[..., FakeContext]
"""The ``make_ctx`` fixture: ``make_ctx(url, name="Feed", **config)``."""


@dataclass
class Clock:
    """A settable clock for FeedSource(clock=…)."""

    now: Any

    def __call__(self) -> Any:
        return self.now

