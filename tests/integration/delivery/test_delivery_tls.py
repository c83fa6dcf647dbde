"""https through the pinning transport: SNI and certificate checks use the original host name."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from runagent_pulse.common.netguard import VettedTransport

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command"),
]


def make_cert(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}",
            "-addext", f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[int, Path, list[str]]]:
    cert, key = make_cert(tmp_path, "localhost")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    server_names: list[str] = []
    server_ctx.sni_callback = lambda sock, name, ctx: server_names.append(name or "")  # type: ignore[assignment,func-returns-value]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=server_ctx)
    try:
        yield server.sockets[0].getsockname()[1], cert, server_names
    finally:
        server.close()
        await server.wait_closed()


async def localhost_v4(host: str, port: int) -> list[str]:
    assert host == "localhost"
    return ["127.0.0.1"]


async def test_https_uses_host_name_for_sni_and_certificate(
    tls_server: tuple[int, Path, list[str]],
) -> None:
    port, cert, server_names = tls_server
    client_ctx = ssl.create_default_context(cafile=str(cert))
    transport = VettedTransport(True, resolver=localhost_v4, verify=client_ctx)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.post(f"https://localhost:{port}/results", content=b"{}")
    assert response.status_code == 204
    assert server_names == ["localhost"]


async def test_https_certificate_for_another_name_is_rejected(
    tls_server: tuple[int, Path, list[str]], tmp_path: Path
) -> None:
    port, _cert, _names = tls_server
    other_cert, _key = make_cert(tmp_path, "other.example")
    client_ctx = ssl.create_default_context(cafile=str(other_cert))
    transport = VettedTransport(True, resolver=localhost_v4, verify=client_ctx)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await client.post(f"https://localhost:{port}/results", content=b"{}")
