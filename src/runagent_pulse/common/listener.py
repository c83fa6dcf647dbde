"""The listening socket of a server, bound before anything else starts."""

from __future__ import annotations

import errno
import socket

from runagent_pulse.domain.errors import PulseError


class PortInUse(PulseError):
    code = "port_in_use"

    def __init__(self, host: str, port: int, choose: str) -> None:
        super().__init__(
            f"{host}:{port} is already in use: another server (maybe another Pulse) listens on "
            f"port {port}. Stop it, or choose another port with {choose}.",
            details={"host": host, "port": port},
        )


def bind_listener(host: str, port: int, *, choose: str = "--port") -> socket.socket:
    """A TCP socket bound to ``host``:``port``, for the server to listen on once it has
    started; ``choose`` says, in the error, how to pick another port.

    Raises:
        PortInUse: the address is taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(host, port, choose) from None
        raise
    return sock
