"""The outbound HTTP client every server-side caller uses (callbacks, ``http`` agents, team URL
agents): SSRF-vetted connections, no redirects, no proxies from the environment, Pulse's user
agent. Only the RunAgent client, which talks to one configured platform, builds its own."""

from __future__ import annotations

import httpx

from runagent_pulse import __version__
from runagent_pulse.common.netguard import Resolver, VettedTransport

USER_AGENT = f"runagent-pulse/{__version__}"


def guarded_client(
    *,
    allow_private: bool,
    timeout: httpx.Timeout,
    max_connections: int = 100,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An ``AsyncClient`` whose every connection goes to an address the guard vetted.

    ``transport`` replaces the real network under the vetting layer (tests).
    """
    limits = httpx.Limits(
        max_connections=max_connections,
        max_keepalive_connections=max_connections,
        keepalive_expiry=30,
    )
    return httpx.AsyncClient(
        transport=VettedTransport(
            allow_private, resolver=resolver, transport=transport, limits=limits, retries=0
        ),
        follow_redirects=False,
        timeout=timeout,
        trust_env=False,
        headers={"user-agent": USER_AGENT},
    )


def describe_connect_error(exc: BaseException) -> str:
    """A short reason for a failed connection, readable in a run's or delivery's history."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(str(e) for e in chain).lower()
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "refused" in text:
        return "connection refused"
    if "could not resolve" in text or "name or service not known" in text:
        return str(exc) or "could not resolve host"
    return f"connection failed: {exc}" if str(exc) else "connection failed"
