"""Imports ``subprocess``: ``entrypoint_tag="subprocess"`` must be refused, not run."""

import subprocess  # noqa: F401 - the point of this module


def hello() -> str:
    return "hello"
