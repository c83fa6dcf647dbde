"""The SSRF guard: URL syntax, address rules, resolution and the pinning transport."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from runagent_pulse.common.netguard import (
    VettedTransport,
    address_problem,
    check_url,
    resolve_and_vet,
)
from runagent_pulse.domain.errors import UnsafeURL

ALWAYS_REFUSED = [
    "169.254.169.254",
    "169.254.1.1",
    "fe80::1",
    "fd00:ec2::254",
    "100.100.100.200",
    "0.0.0.0",
    "0.1.2.3",
    "::",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
    "::ffff:169.254.169.254",
    "::ffff:0.0.0.0",
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
]
PRIVATE = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "fc00::1",
    "fd12:3456::1",
    "100.64.0.1",
    "100.127.255.254",
    "::ffff:127.0.0.1",
    "::ffff:10.1.2.3",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "172.32.0.1", "100.128.0.1"]


@pytest.mark.parametrize("address", ALWAYS_REFUSED)
@pytest.mark.parametrize("allow_private", [True, False], ids=["allow-private", "deny-private"])
def test_always_refused(address: str, allow_private: bool) -> None:
    problem = address_problem(ipaddress.ip_address(address), allow_private=allow_private)
    assert problem is not None
    assert "never allowed" in problem


@pytest.mark.parametrize("address", PRIVATE)
def test_private_depends_on_setting(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address), allow_private=True) is None
    problem = address_problem(ipaddress.ip_address(address), allow_private=False)
    assert problem is not None
    assert "PULSE_CALLBACK_ALLOW_PRIVATE" in problem


@pytest.mark.parametrize("address", PUBLIC)
def test_public_allowed(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address), allow_private=False) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x", "scheme 'ftp'"),
        ("file:///etc/passwd", "scheme 'file'"),
        ("example.com/results", "scheme"),
        ("http:///results", "no host"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://example.com:99999/", "port"),
        ("http://example.com:0/", "port 0"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com/\r\nX: y", "control"),
        ("http://example.com/" + "a" * 2100, "longer than 2048"),
        ("", "empty"),
        ("http://169.254.169.254/latest/meta-data", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("http://METADATA.google.internal./", "metadata"),
        ("http://[::ffff:169.254.169.254]/", "embeds"),
        ("http://0.0.0.0:8000/", "unspecified"),
        ("http://2852039166/", "metadata"),  # 169.254.169.254 as one number
        ("http://0xa9.0xfe.0xa9.0xfe/", "metadata"),
    ],
)
def test_check_url_refuses(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason) as info:
        check_url(url, allow_private=True)
    assert info.value.code == "unsafe_url"
    assert info.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:3001/results",
        "http://webhook-handler:3001/results",
        "https://example.com/hook?x=1",
        "http://127.0.0.1:3001/results",
        "http://[::1]:3001/results",
        "HTTPS://Example.COM/",
    ],
)
def test_check_url_accepts_with_private_allowed(url: str) -> None:
    check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://10.0.0.5/", "http://[::1]/", "http://2130706433/"]
)
def test_check_url_refuses_private_literals_when_denied(url: str) -> None:
    with pytest.raises(UnsafeURL, match="PULSE_CALLBACK_ALLOW_PRIVATE"):
        check_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169。254。169。254/", "cloud metadata endpoint"),  # ideographic full stops
        ("http://169．254．169．254/latest/", "cloud metadata endpoint"),  # full-width stops
        ("http://127｡0｡0｡1:8080/", "loopback"),  # halfwidth ideographic stops
        ("http://１２７.０.０.１/", "not a valid host name"),  # full-width digits
        ("http://ＭＥＴＡＤＡＴＡ.google.internal/", "not a valid host name"),
        ("http://exa\u200bmple.com/", "not a valid host name"),  # an invisible character
    ],
    ids=[
        "ideographic-dots",
        "fullwidth-dots",
        "halfwidth-dots",
        "fullwidth-digits",
        "fullwidth-letters",
        "zero-width-space",
    ],
)
def test_hosts_are_vetted_as_the_client_will_connect_to_them(url: str, reason: str) -> None:
    """Unicode spellings are mapped (IDNA/UTS-46) exactly as httpx maps them before checking."""
    with pytest.raises(UnsafeURL, match=reason):
        check_url(url, allow_private=False)


def test_international_names_pass_in_their_ascii_form() -> None:
    check_url("https://пример.рф/agent", allow_private=False)


def test_check_url_does_not_resolve_names() -> None:
    # A name is only vetted at send time; no DNS happens here.
    check_url("http://surely-not-a-real-host.invalid/", allow_private=False)


def fake_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


async def test_resolve_and_vet_returns_target() -> None:
    target = await resolve_and_vet(
        "https://hooks.example:8443/x",
        allow_private=False,
        resolver=fake_resolver({"hooks.example": ["93.184.216.34", "2606:2800::1"]}),
    )
    assert (target.host, target.port, target.scheme, target.ip) == (
        "hooks.example",
        8443,
        "https",
        "93.184.216.34",
    )
    assert target.addresses == ("93.184.216.34", "2606:2800::1")
    assert target.url == "https://hooks.example:8443/x"


async def test_resolve_and_vet_refuses_if_any_address_is_forbidden() -> None:
    resolver = fake_resolver({"rebind.example": ["93.184.216.34", "169.254.169.254"]})
    with pytest.raises(UnsafeURL, match=r"rebind\.example resolves to 169\.254\.169\.254"):
        await resolve_and_vet("http://rebind.example/", allow_private=True, resolver=resolver)


async def test_resolve_and_vet_refuses_private_names_when_denied() -> None:
    resolver = fake_resolver({"intranet": ["10.1.2.3"]})
    with pytest.raises(UnsafeURL, match="private"):
        await resolve_and_vet("http://intranet/", allow_private=False, resolver=resolver)
    target = await resolve_and_vet("http://intranet/", allow_private=True, resolver=resolver)
    assert target.ip == "10.1.2.3"


async def test_resolve_and_vet_localhost_with_the_system_resolver() -> None:
    target = await resolve_and_vet("http://localhost:3001/results", allow_private=True)
    assert target.port == 3001
    assert all(ipaddress.ip_address(a).is_loopback for a in target.addresses)
    with pytest.raises(UnsafeURL):
        await resolve_and_vet("http://localhost:3001/results", allow_private=False)


async def test_transport_pins_the_vetted_ip_and_keeps_host_and_sni() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = VettedTransport(
        False,
        resolver=fake_resolver({"hooks.example": ["93.184.216.34"]}),
        transport=httpx.MockTransport(handler),
    )
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.post("https://hooks.example:8443/cb?a=1", content=b"{}")
    assert response.status_code == 204
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34:8443/cb?a=1"
    assert request.headers["host"] == "hooks.example:8443"
    assert request.extensions["sni_hostname"] == "hooks.example"
    assert request.headers["connection"] == "close"  # no TLS reuse across names on one IP
    assert request.content == b"{}"


async def test_transport_tries_next_address_when_connection_fails() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "::1":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200)

    transport = VettedTransport(
        True,
        resolver=fake_resolver({"localhost": ["::1", "127.0.0.1"]}),
        transport=httpx.MockTransport(handler),
    )
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get("http://localhost:3001/")
    assert response.status_code == 200
    assert seen == ["::1", "127.0.0.1"]


async def test_transport_refuses_without_calling_the_network() -> None:
    calls: list[httpx.Request] = []
    transport = VettedTransport(
        True,
        resolver=fake_resolver({"evil.example": ["169.254.169.254"]}),
        transport=httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200)),
    )
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(UnsafeURL):
            await client.get("http://evil.example/")
        with pytest.raises(UnsafeURL):
            await client.get("http://169.254.169.254/latest/meta-data/")
    assert calls == []


async def test_transport_maps_resolution_failure_to_connect_error() -> None:
    async def broken(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    transport = VettedTransport(True, resolver=broken, transport=httpx.MockTransport(None))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError, match=r"could not resolve host 'nowhere\.invalid'"):
            await client.get("http://nowhere.invalid/")
