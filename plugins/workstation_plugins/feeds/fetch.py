"""Polite HTTP for feeds: one GET, conditional, bounded per host, never raising.

Everything a feed reader needs from HTTP and nothing else:

* one client configuration (:func:`make_client`): the OS trust store through
  truststore (corporate CAs work), proxies from the environment, 10 s to
  connect and 30 s between bytes, a ``Workstation/<version>`` User-Agent;
* a client shared by the feeds syncing together on one event loop
  (:func:`shared_client`), so that many feeds on one host reuse connections;
* at most :data:`PER_HOST_LIMIT` requests at a time to any one host
  (:func:`host_slot`), however many feeds live there;
* redirects followed by hand, so a *permanent* move (301/308) is told from a
  temporary one and reported in :attr:`FetchResult.permanent_redirect`;
* conditional GET (``If-None-Match`` / ``If-Modified-Since``): a 304 costs one
  small request and no parsing;
* every failure turned into a plain sentence in :attr:`FetchResult.error`
  (DNS, refused connection, TLS certificate, timeouts, HTTP status).

Example::

    async with shared_client() as client:
        result = await fetch(client, "https://example.org/feed.xml", etag=old_etag)
    if result.not_modified:
        ...  # nothing new
    elif result.error:
        print(result.error)
    else:
        parse(result.body)
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import importlib.metadata
import importlib.util
import socket
import ssl
import weakref
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpx
import truststore

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "MAX_BODY_BYTES",
    "PER_HOST_LIMIT",
    "USER_AGENT",
    "FetchResult",
    "fetch",
    "host_slot",
    "make_client",
    "shared_client",
]


def _app_version() -> str:
    # The distribution's metadata, not ``workstation.__version__``: plugins
    # import nothing of the host but ``workstation.api``.
    try:
        return importlib.metadata.version("workstation")
    except importlib.metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"Workstation/{_app_version()} (+feed reader)"
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
TOTAL_TIMEOUT = 120.0
"""Wall-clock limit for one response: a server trickling a byte every 29 s
would otherwise hold a feed (and a per-host slot) forever."""
MAX_BODY_BYTES = 20 * 1024 * 1024
"""Larger than any real feed; a bigger answer is a mistake (a video, a dump)."""
MAX_REDIRECTS = 10
PER_HOST_LIMIT = 2
"""Requests in flight to one host at a time (RFC 9110 asks clients to be
moderate; two is what browsers' feed readers and Thunderbird settle on)."""
MAX_RETRY_AFTER = timedelta(days=7)

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
    "application/json;q=0.7, text/html;q=0.5, */*;q=0.1"
)
_PERMANENT = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BUSY = frozenset({429, 503})


def accept_encoding() -> str:
    """The encodings httpx can decode here: brotli only if a decoder is installed."""
    # httpx decodes "br" with either package; advertising it without one
    # would make servers send bodies we cannot read.
    has_brotli = any(importlib.util.find_spec(m) is not None for m in ("brotli", "brotlicffi"))
    return "gzip, deflate, br" if has_brotli else "gzip, deflate"


def make_client(*, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                read_timeout: float = DEFAULT_READ_TIMEOUT) -> httpx.AsyncClient:
    """A new client configured for feeds. The caller closes it (``aclose``).

    Prefer :func:`shared_client`, which shares one client per event loop.
    """
    # truststore: the OS certificate store, so a corporate CA installed by IT
    # is trusted exactly as the browser trusts it. trust_env: HTTPS_PROXY,
    # NO_PROXY… as every enterprise desktop sets them.
    tls = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return httpx.AsyncClient(
        verify=tls,
        trust_env=True,
        follow_redirects=False,  # followed by hand: permanent moves are remembered
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT,
                 "Accept-Encoding": accept_encoding()},
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
    )


@dataclass(slots=True)
class _Shared:
    client: httpx.AsyncClient
    users: int = 0


# One entry per running event loop: an httpx client is bound to the loop
# that opened its connections, and tests (and the CLI) run several loops.
_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Shared] = (
    weakref.WeakKeyDictionary())


@asynccontextmanager
async def shared_client() -> AsyncIterator[httpx.AsyncClient]:
    """The client shared by the feeds fetching on this event loop.

    It is created by the first user and closed when the last one leaves, so
    feeds synced together (``asyncio.gather``) share connections, and nothing
    stays open between sync rounds.

    Example::

        async with shared_client() as client:
            result = await fetch(client, url)
    """
    loop = asyncio.get_running_loop()
    shared = _CLIENTS.get(loop)
    if shared is None:
        shared = _CLIENTS[loop] = _Shared(make_client())
    shared.users += 1
    try:
        yield shared.client
    finally:
        shared.users -= 1
        if shared.users == 0:
            # Unregistered before awaiting, so a newcomer makes a fresh client
            # instead of borrowing one that is closing.
            if _CLIENTS.get(loop) is shared:
                del _CLIENTS[loop]
            await shared.client.aclose()


_HOST_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Semaphore]] = (
    weakref.WeakKeyDictionary())


@asynccontextmanager
async def host_slot(host: str) -> AsyncIterator[None]:
    """Hold one of the :data:`PER_HOST_LIMIT` request slots of ``host``."""
    # Keyed by loop too: an asyncio.Semaphore belongs to the loop that first
    # waits on it.
    slots = _HOST_SLOTS.setdefault(asyncio.get_running_loop(), {})
    sem = slots.get(host)
    if sem is None:
        sem = slots[host] = asyncio.Semaphore(PER_HOST_LIMIT)
    async with sem:
        yield


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch found. Network and HTTP problems are in ``error``, never raised.

    ``status`` is the last HTTP status (0 when no answer came). ``url`` is
    the address asked for, ``final_url`` the one that answered (after
    redirects), and ``permanent_redirect`` the new address to remember when
    every redirect up to it was permanent and the fetch succeeded.
    """

    status: int
    url: str
    final_url: str
    permanent_redirect: str | None = None
    body: bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    not_modified: bool = False
    retry_after: datetime | None = None
    error: str | None = None
    gone: bool = False

    @property
    def ok(self) -> bool:
        """A usable answer: a body (2xx) or "not modified" (304)."""
        return self.error is None and (self.not_modified or 200 <= self.status < 300)

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ("" when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag") or None

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified") or None


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` (seconds or an HTTP date) as an absolute UTC time, capped at 7 days.

    >>> parse_retry_after("120", datetime(2026, 1, 1, tzinfo=UTC)).isoformat()
    '2026-01-01T00:02:00+00:00'
    """
    if not value:
        return None
    value = value.strip()
    when: datetime | None
    if value.isdigit():
        when = now + timedelta(seconds=int(value[:9]))  # 9 digits: no overflow
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    # A server asking for a month of silence is probably misconfigured.
    return max(now, min(when, now + MAX_RETRY_AFTER))


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        return parts.netloc.rsplit("@", 1)[-1] or url
    except ValueError:
        return url


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.rsplit("@", 1)[-1].lower()


def _phrase(status: int, reason: str) -> str:
    if reason:
        return reason
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _status_message(status: int, reason: str, url: str, had_auth: bool,
                    retry_after: datetime | None) -> str:
    code = f"HTTP {status} {_phrase(status, reason)}".strip()
    host = _host(url)
    if status == 410:
        return f"The feed at {url} is gone ({code}); it has been stopped."
    if status == 401:
        if had_auth:
            return f"{host} refused the user name or password ({code})."
        return f"The feed at {url} needs a user name and password ({code})."
    if status == 403:
        return f"{host} refused access to the feed ({code})."
    if status == 404:
        return f"There is no feed at {url} any more ({code})."
    if status in _BUSY:
        wait = (f" and asked to wait until {retry_after:%Y-%m-%d %H:%M} UTC"
                if retry_after else "")
        return f"{host} is busy ({code}){wait}."
    if status >= 500:
        return f"{host} has a problem of its own ({code}); try again later."
    return f"{host} answered {code} for {url}."


def describe_error(exc: BaseException, url: str, *, connect_timeout: float,
                   read_timeout: float) -> str:
    """A plain sentence naming the cause of a failed request."""
    host = _host(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"Connecting to {host} timed out after {connect_timeout:g} s."
    if isinstance(exc, httpx.ReadTimeout):
        return f"{host} did not send the feed in time (nothing for {read_timeout:g} s)."
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return f"{host} took too long to answer."
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"{url} is not a web address Workstation can fetch (it needs http or https)."
    if isinstance(exc, httpx.DecodingError):
        return f"{host} sent a compressed answer that cannot be decoded ({exc})."
    # The interesting cause (DNS, TLS, refusal) sits deeper in the chain:
    # httpx wraps httpcore, which wraps the socket or ssl error.
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = cause.verify_message or cause.reason or str(cause)
            return (f"The TLS certificate of {host} is not trusted ({why}). If your company "
                    "uses its own certificate authority, it must be installed in the "
                    "system's trust store.")
        if isinstance(cause, ssl.SSLError):
            return f"The secure (TLS) connection to {host} failed ({cause.reason or cause})."
        if isinstance(cause, socket.gaierror):
            return (f"The host name {urlsplit(url).hostname or host} could not be found "
                    "(DNS lookup failed). Check the address and the network connection.")
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} refused the connection (is the address right and the server up?)."
        if isinstance(cause, ConnectionResetError):
            return f"{host} closed the connection unexpectedly."
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{host} broke off the exchange ({exc or 'the connection closed early'})."
    if isinstance(exc, httpx.ConnectError):
        return f"Could not connect to {host} ({exc or 'connection failed'})."
    return f"Could not fetch {url} ({exc or type(exc).__name__})."


class _TooLarge(Exception):
    pass


async def _read_body(resp: httpx.Response, limit: int) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and "content-encoding" not in resp.headers:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.aiter_bytes():  # decoded (gzip/deflate/br) as it comes
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def fetch(client: httpx.AsyncClient, url: str, *, etag: str | None = None,
                last_modified: str | None = None, auth: tuple[str, str] | None = None,
                connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                read_timeout: float = DEFAULT_READ_TIMEOUT,
                total_timeout: float = TOTAL_TIMEOUT,
                max_bytes: int = MAX_BODY_BYTES,
                now: datetime | None = None) -> FetchResult:
    """GET a feed. Never raises for network or HTTP trouble (see ``error``).

    ``etag`` / ``last_modified`` are the validators of the last good answer;
    ``auth`` is (user, password) for HTTP basic authentication, sent only to
    the origin of ``url`` (a redirect elsewhere does not get the password).
    """
    now = now or datetime.now(UTC)
    timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
    headers: dict[str, str] = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    origin = _origin(url)
    current = url
    permanent: str | None = None
    still_permanent = True  # every hop so far was a permanent move

    def failed(status: int, message: str, *, headers: Mapping[str, str] | None = None,
               retry_after: datetime | None = None, gone: bool = False) -> FetchResult:
        return FetchResult(status=status, url=url, final_url=current, error=message,
                           headers=dict(headers or {}), retry_after=retry_after, gone=gone)

    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return failed(0, f"{current} is not a web address Workstation can fetch "
                             "(it needs http or https).")
        hop_auth = httpx.BasicAuth(*auth) if auth and _origin(current) == origin else None
        next_url: str | None = None
        status = 0
        try:
            async with (host_slot(parts.netloc.lower()), asyncio.timeout(total_timeout),
                        client.stream("GET", current, headers=headers, auth=hop_auth,
                                      timeout=timeout) as resp):
                status = resp.status_code
                location = resp.headers.get("location")
                if status in _REDIRECTS and location:
                    next_url = urljoin(str(resp.url), location.strip())
                elif status == 304:
                    return FetchResult(status=304, url=url, final_url=current,
                                       permanent_redirect=permanent,
                                       headers=dict(resp.headers), not_modified=True)
                elif 200 <= status < 300:
                    body = await _read_body(resp, max_bytes)
                    return FetchResult(status=status, url=url, final_url=current,
                                       permanent_redirect=permanent, body=body,
                                       headers=dict(resp.headers))
                else:
                    retry = (parse_retry_after(resp.headers.get("retry-after"), now)
                             if status in _BUSY else None)
                    message = _status_message(status, resp.reason_phrase, url,
                                              hop_auth is not None, retry)
                    return failed(status, message, headers=dict(resp.headers),
                                  retry_after=retry, gone=status == 410)
        except _TooLarge:
            return failed(200, f"The answer from {_host(current)} is larger than "
                               f"{max_bytes // (1024 * 1024)} MB; it is not a feed "
                               "Workstation will read.")
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            if isinstance(exc, TimeoutError) and not isinstance(exc, httpx.TimeoutException):
                return failed(0, f"{_host(current)} took more than {total_timeout:g} s "
                                 "to send the feed.")
            return failed(0, describe_error(exc, current, connect_timeout=connect_timeout,
                                            read_timeout=read_timeout))
        # A redirect: remember it if it is permanent and all before it were.
        assert next_url is not None
        still_permanent = still_permanent and status in _PERMANENT
        if still_permanent:
            permanent = next_url
        current = next_url
    return failed(0, f"{url} redirects more than {MAX_REDIRECTS} times; giving up.")
