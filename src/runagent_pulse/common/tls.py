"""The TLS context every outbound client of a Pulse process shares."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """A verifying TLS context, made once: loading the CA bundle takes tens of milliseconds,
    and each httpx transport built without one loads its own (a node builds a dozen)."""
    return httpx.create_ssl_context()
