"""The SSRF guard for outbound URLs chosen by users (callbacks, the HTTP executor).

Two stages:

* :func:`check_url` — syntax only, no DNS; run when a task is created (a refusal is a 422).
* :func:`resolve_and_vet` — at send time: resolve the host and refuse when *any* address is
  forbidden. :class:`VettedTransport` does this for every request and then connects to the
  vetted address itself, so a second DNS answer (rebinding) cannot redirect the connection.

Address rules: link-local, cloud metadata, ``0.0.0.0/8``, multicast, reserved and unspecified
addresses are always refused (also in IPv4-mapped, 6to4 and NAT64 IPv6 forms). Loopback,
private (RFC 1918, ``fc00::/7``), CGNAT (``100.64.0.0/10``) and other non-global addresses are
allowed only with ``allow_private=True``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

from runagent_pulse.common.tls import tls_context
from runagent_pulse.domain.errors import UnsafeURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""``(host, port) -> addresses``: how :func:`resolve_and_vet` resolves a name (injectable)."""

MAX_URL_LENGTH = 2048
PRIVATE_HINT = "allow private addresses in the configuration (PULSE_CALLBACK_ALLOW_PRIVATE=true)"

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True, slots=True)
class VettedTarget:
    """A URL whose host resolved only to permitted addresses; connect to ``ip``."""

    url: str
    host: str
    port: int
    scheme: str
    ip: str
    addresses: tuple[str, ...] = ()
    """Every permitted address, ``ip`` first (tried in order when a connection is refused)."""


def address_problem(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why ``address`` may not be contacted, or ``None`` when it may."""
    embedded: ipaddress.IPv4Address | None = None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            embedded = address.ipv4_mapped
        elif address.sixtofour is not None:
            embedded = address.sixtofour
        elif address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if embedded is not None:
        problem = address_problem(embedded, allow_private=allow_private)
        return f"{address} embeds {embedded}: {problem}" if problem else None
    text = str(address)
    if address in _METADATA_ADDRESSES:
        return f"{text} is a cloud metadata endpoint and is never allowed"
    if address.is_link_local:
        return f"{text} is a link-local address and is never allowed"
    if address.is_unspecified or (address.version == 4 and address in _THIS_NETWORK):
        return f"{text} is an unspecified/'this network' address and is never allowed"
    if address.is_multicast:
        return f"{text} is a multicast address and is never allowed"
    if address.is_reserved and not address.is_loopback:  # ::1 sits inside reserved ::/8
        return f"{text} is a reserved address and is never allowed"
    if allow_private or address.is_global:
        return None
    if address.is_loopback:
        kind = "a loopback"
    elif address.version == 4 and address in _CGNAT:
        kind = "a carrier-grade NAT (100.64.0.0/10)"
    elif address.is_private:
        kind = "a private"
    else:
        kind = "a non-public"
    return f"{text} is {kind} address; to call it, {PRIVATE_HINT}"


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # Legacy IPv4 spellings that resolvers accept: "2130706433", "0x7f.1", "0177.0.0.1".
    if host and all(c in "0123456789abcdefx." for c in host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _client_host(url: str) -> str:
    """The host exactly as the HTTP client will connect to it: IDNA/UTS-46 mapped to ASCII, so
    ideographic dots (``169。254。169。254``) and the like are vetted as the address they are.

    Raises:
        UnsafeURL: the client would refuse the host (full-width digits, invisible characters).
    """
    try:
        raw = httpx.URL(url).raw_host
    except (httpx.InvalidURL, UnicodeError) as exc:
        raise UnsafeURL(url, f"the host is not a valid host name ({exc})") from None
    return raw.decode("ascii").rstrip(".")


def _split(url: str) -> tuple[SplitResult, str, int]:
    if not isinstance(url, str) or not url:
        raise UnsafeURL(str(url), "the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(url[:100] + "…", f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UnsafeURL(url, "the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsafeURL(url, f"the URL is malformed ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = parts.scheme or "(none)"
        raise UnsafeURL(url, f"scheme {shown!r} is not allowed; use http or https")
    if "@" in parts.netloc:
        raise UnsafeURL(url, "credentials in the URL (user:password@) are not allowed; use headers")
    if not (parts.hostname or "").rstrip("."):
        raise UnsafeURL(url, "the URL has no host")
    host = _client_host(url)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURL(url, "the URL's port is not a number between 0 and 65535") from None
    if port == 0:
        raise UnsafeURL(url, "port 0 is not allowed")
    return parts, host, port or (443 if scheme == "https" else 80)


def _vet_host(url: str, host: str, *, allow_private: bool) -> IPAddress | None:
    if host.lower() in _METADATA_HOSTS:
        raise UnsafeURL(url, f"{host} is a cloud metadata endpoint and is never allowed")
    literal = _ip_literal(host)
    if literal is not None:
        problem = address_problem(literal, allow_private=allow_private)
        if problem:
            raise UnsafeURL(url, problem)
    return literal


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL by its syntax alone (no DNS).

    Raises:
        UnsafeURL: not http(s), no host, credentials in it, too long, or an IP-literal host
            that the address rules forbid.
    """
    _parts, host, _port = _split(url)
    _vet_host(url, host, allow_private=allow_private)


async def _system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in seen:
            seen.append(address)
    return seen


async def resolve_and_vet(
    url: str, *, allow_private: bool, resolver: Resolver | None = None
) -> VettedTarget:
    """Resolve the URL's host and check every address it resolves to.

    Raises:
        UnsafeURL: the URL fails :func:`check_url`, or any resolved address is forbidden.
        OSError: the host does not resolve (``socket.gaierror``).
    """
    parts, host, port = _split(url)
    literal = _vet_host(url, host, allow_private=allow_private)
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = await (resolver or _system_resolver)(host, port)
        if not addresses:
            raise socket.gaierror(f"{host} resolved to no address")
        for raw in addresses:
            problem = address_problem(ipaddress.ip_address(raw), allow_private=allow_private)
            if problem:
                raise UnsafeURL(url, f"{host} resolves to {problem}")
    return VettedTarget(
        url=url,
        host=host,
        port=port,
        scheme=parts.scheme.lower(),
        ip=addresses[0],
        addresses=tuple(addresses),
    )


class VettedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that vets each request and connects to the vetted address.

    The request keeps its ``Host`` header, and for https the TLS SNI and certificate check use
    the original host name. Raises :class:`UnsafeURL` (not an httpx error) when refused, and
    ``httpx.ConnectError`` when the host does not resolve.

    Connections are pooled by the vetted IP, so https requests are sent with
    ``Connection: close``: a TLS connection verified for one host name is never reused for
    another name served from the same IP (shared CDN addresses).
    """

    def __init__(
        self,
        allow_private: bool,
        *,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **transport_options: Any,
    ) -> None:
        self.allow_private = allow_private
        self._resolver = resolver
        self._inner = transport
        self._transport_options = transport_options

    @property
    def inner(self) -> httpx.AsyncBaseTransport:
        """The network transport, made on first use (with the process's one TLS context)."""
        if self._inner is None:
            options = {"verify": tls_context(), **self._transport_options}
            self._inner = httpx.AsyncHTTPTransport(**options)
        return self._inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            target = await resolve_and_vet(
                str(request.url), allow_private=self.allow_private, resolver=self._resolver
            )
        except OSError as exc:
            raise httpx.ConnectError(
                f"could not resolve host {request.url.host!r} ({exc})", request=request
            ) from exc
        addresses = target.addresses or (target.ip,)
        for index, address in enumerate(addresses):
            extensions = dict(request.extensions)
            headers = request.headers
            if target.scheme == "https":
                extensions.setdefault("sni_hostname", target.host)
                headers = headers.copy()
                headers["connection"] = "close"
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=address),
                headers=headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await self.inner.handle_async_request(pinned)
            except httpx.ConnectError:
                if index == len(addresses) - 1:
                    raise
        raise httpx.ConnectError("no address to connect to", request=request)

    async def aclose(self) -> None:
        if self._inner is not None:
            await self._inner.aclose()
