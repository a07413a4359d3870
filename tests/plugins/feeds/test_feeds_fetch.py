"""HTTP against a real local server: headers, gzip, redirects, limits, errors."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest
from feeds_helpers import FeedServer, Reply, data

from workstation_plugins.feeds import fetch as fetch_mod
from workstation_plugins.feeds.fetch import (
    USER_AGENT,
    FetchResult,
    describe_error,
    fetch,
    make_client,
    shared_client,
)

pytestmark = pytest.mark.network


def get(url: str, **kw: object) -> FetchResult:
    async def run() -> FetchResult:
        async with shared_client() as client:
            return await fetch(client, url, **kw)  # type: ignore[arg-type]

    return asyncio.run(run())


def test_request_headers_and_gzip(server: FeedServer) -> None:
    body = data("rss20.xml")
    server.feed("/gz.xml", body, gzip_body=True, etag='"g1"')
    result = get(server.url("/gz.xml"))
    assert result.ok and result.status == 200
    assert result.body == body  # decoded
    (req,) = server.requests
    assert req.headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("Workstation/") and USER_AGENT.endswith("(+feed reader)")
    assert "gzip" in req.headers["accept-encoding"]
    assert "deflate" in req.headers["accept-encoding"]
    assert "application/rss+xml" in req.headers["accept"]
    assert result.etag == '"g1"'
    assert result.content_type == "application/rss+xml"


def test_conditional_get(server: FeedServer) -> None:
    server.feed("/c.xml", b"<rss/>", etag='"v1"', last_modified="Mon, 05 Jan 2026 09:00:00 GMT")
    result = get(server.url("/c.xml"), etag='"v1"',
                 last_modified="Mon, 05 Jan 2026 09:00:00 GMT")
    assert result.not_modified and result.ok and result.body is None
    req = server.requests[0]
    assert req.headers["if-none-match"] == '"v1"'
    assert req.headers["if-modified-since"] == "Mon, 05 Jan 2026 09:00:00 GMT"


def test_permanent_then_temporary_redirects(server: FeedServer) -> None:
    server.reply("/old", Reply(301, headers={"Location": "/moved"}))
    server.reply("/moved", Reply(308, headers={"Location": server.url("/campaign")}))
    server.reply("/campaign", Reply(302, headers={"Location": "/final?x=1"}))
    server.feed("/final", b"<rss/>")
    result = get(server.url("/old"))
    assert result.ok
    # Only the permanent part of the chain is worth remembering.
    assert result.permanent_redirect == server.url("/campaign")
    assert result.final_url == server.url("/final?x=1")
    assert [r.path for r in server.requests] == ["/old", "/moved", "/campaign", "/final?x=1"]


def test_temporary_redirect_is_not_remembered(server: FeedServer) -> None:
    server.reply("/tmp", Reply(307, headers={"Location": "/real"}))
    server.feed("/real", b"<rss/>")
    result = get(server.url("/tmp"))
    assert result.ok and result.permanent_redirect is None


def test_redirect_loop_and_foreign_schemes(server: FeedServer) -> None:
    server.reply("/loop", Reply(302, headers={"Location": "/loop"}))
    assert "redirects more than 10 times" in (get(server.url("/loop")).error or "")
    server.reply("/ftp", Reply(301, headers={"Location": "ftp://files.example/feed"}))
    result = get(server.url("/ftp"))
    assert "is not a web address Workstation can fetch" in (result.error or "")
    assert result.permanent_redirect is None


def test_password_is_not_sent_to_another_origin(server: FeedServer) -> None:
    with FeedServer() as other:
        other.feed("/feed", b"<rss/>")
        server.route("/private", lambda req: Reply(
            302, headers={"Location": other.url("/feed")}) if req.headers.get("authorization")
            else Reply(401))
        result = get(server.url("/private"), auth=("ada", "s3cret"))
        assert result.ok
        assert "authorization" in server.requests[0].headers
        assert "authorization" not in other.requests[0].headers


@pytest.mark.parametrize(("status", "expected"), [
    (404, "There is no feed at {url} any more (HTTP 404 Not Found)."),
    (403, "127.0.0.1:{port} refused access to the feed (HTTP 403 Forbidden)."),
    (401, "The feed at {url} needs a user name and password (HTTP 401 Unauthorized)."),
    (500, "127.0.0.1:{port} has a problem of its own (HTTP 500 Internal Server Error); "
          "try again later."),
    (410, "The feed at {url} is gone (HTTP 410 Gone); it has been stopped."),
    (418, "127.0.0.1:{port} answered HTTP 418 I'm a Teapot for {url}."),
])
def test_http_errors_are_plain_sentences(server: FeedServer, status: int, expected: str) -> None:
    server.reply("/e", Reply(status))
    url = server.url("/e")
    result = get(url)
    assert not result.ok and result.status == status
    assert result.error == expected.format(url=url, port=server.port)
    assert result.gone is (status == 410)


def test_retry_after_seconds_and_date(server: FeedServer) -> None:
    server.reply("/busy", Reply(503, headers={"Retry-After": "7200"}))
    before = time.time()
    result = get(server.url("/busy"))
    assert result.retry_after is not None
    assert 7190 < result.retry_after.timestamp() - before < 7210
    assert "is busy (HTTP 503 Service Unavailable) and asked to wait until" in (result.error or "")
    server.reply("/slow-down", Reply(429, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}))
    result = get(server.url("/slow-down"))
    # Capped: a week at most.
    assert result.retry_after is not None
    assert result.retry_after.timestamp() - time.time() < 7 * 86400 + 10


def test_body_size_limit(server: FeedServer) -> None:
    server.feed("/big", b"x" * 5000)
    result = get(server.url("/big"), max_bytes=1000)
    assert not result.ok and "is larger than" in (result.error or "")


def test_per_host_limit(server: FeedServer) -> None:
    for i in range(6):
        server.feed(f"/f{i}", b"<rss/>", delay=0.15)

    async def run() -> list[FetchResult]:
        async with shared_client() as client:
            return list(await asyncio.gather(
                *(fetch(client, server.url(f"/f{i}")) for i in range(6))))

    assert all(r.ok for r in asyncio.run(run()))
    assert server.max_active == 2


def test_connection_refused() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more
    result = get(f"http://127.0.0.1:{port}/feed")
    assert result.status == 0
    assert result.error == f"127.0.0.1:{port} refused the connection (is the address right " \
                           "and the server up?)."


def test_read_timeout_message(server: FeedServer) -> None:
    server.feed("/slow", b"<rss/>", delay=3)
    started = time.monotonic()
    result = get(server.url("/slow"), read_timeout=0.3)
    assert time.monotonic() - started < 2
    assert result.error == f"127.0.0.1:{server.port} did not send the feed in time " \
                           "(nothing for 0.3 s)."


def test_describe_dns_and_tls_failures() -> None:
    def wrapped(cause: BaseException) -> httpx.ConnectError:
        try:
            try:
                raise cause
            except BaseException as inner:
                raise httpx.ConnectError("boom") from inner
        except httpx.ConnectError as exc:
            return exc

    dns = describe_error(wrapped(socket.gaierror(-2, "Name or service not known")),
                         "https://nowhere.invalid/feed", connect_timeout=10, read_timeout=30)
    assert dns == ("The host name nowhere.invalid could not be found (DNS lookup failed). "
                   "Check the address and the network connection.")
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_message = "self-signed certificate"
    tls = describe_error(wrapped(cert), "https://intranet.example/feed",
                         connect_timeout=10, read_timeout=30)
    assert tls.startswith("The TLS certificate of intranet.example is not trusted "
                          "(self-signed certificate).")
    assert "system's trust store" in tls
    assert describe_error(httpx.ConnectTimeout("t"), "https://h.example/", connect_timeout=10,
                          read_timeout=30) == "Connecting to h.example timed out after 10 s."


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[int]:
    """An HTTPS server with a self-signed certificate nobody trusts."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    class Server(HTTPServer):
        def handle_error(self, request: object, client_address: object) -> None:
            pass  # the client rejects our certificate: expected

    httpd = Server(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_untrusted_certificate(tls_server: int) -> None:
    result = get(f"https://127.0.0.1:{tls_server}/feed")
    assert result.status == 0
    assert (result.error or "").startswith(f"The TLS certificate of 127.0.0.1:{tls_server} "
                                           "is not trusted")


def test_shared_client_is_shared_and_closed() -> None:
    async def run() -> None:
        async with shared_client() as a, shared_client() as b:
            assert a is b and not a.is_closed
        assert a.is_closed  # the last user closed it
        async with shared_client() as c:
            assert c is not a

    asyncio.run(run())


def test_make_client_configuration() -> None:
    async def run() -> None:
        async with make_client(connect_timeout=3, read_timeout=7) as client:
            assert client.timeout.connect == 3 and client.timeout.read == 7
            assert client.follow_redirects is False
            assert client.trust_env is True
            assert client.headers["user-agent"] == USER_AGENT

    asyncio.run(run())
    assert fetch_mod.accept_encoding() in ("gzip, deflate", "gzip, deflate, br")
