"""Imports functions from the standard library: ``getenv`` and ``system`` are not entrypoints
(the probe that found them reachable used exactly this module); ``environment`` shows what an
agent process can see."""

from os import environ, getenv, system  # noqa: F401 - the point of this module


def environment() -> dict[str, str]:
    return dict(environ)
