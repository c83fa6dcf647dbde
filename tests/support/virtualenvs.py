"""Virtual environments of their own for programs whose dependencies must not meet Pulse's
(``runagent serve``, the schedulers the bench compares Pulse with), built once under the
checkout's ``.cache/`` folder and rebuilt when their requirements change."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["VirtualenvUnavailable", "virtualenv_python"]

READY_MARK = ".pulse-ready"


class VirtualenvUnavailable(RuntimeError):
    """The virtual environment could not be built (no registry access, …)."""


def virtualenv_python(folder: Path, requirements: Sequence[str]) -> Path:
    """The Python of the virtual environment ``folder`` holding ``requirements`` (pip
    specifiers), created or rebuilt first when it does not hold exactly those.

    Raises:
        VirtualenvUnavailable: creating the environment or installing into it failed.
    """
    python = folder / "bin" / "python"
    wanted = "\n".join(requirements)
    mark = folder / READY_MARK
    if mark.exists() and mark.read_text() == wanted:
        return python
    folder.parent.mkdir(parents=True, exist_ok=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(folder)],
        [str(python), "-m", "pip", "install", "--quiet", *requirements],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise VirtualenvUnavailable(
                f"{' '.join(step[:4])} … failed ({done.returncode}): {done.stderr[-2000:]}"
            )
    mark.write_text(wanted)
    return python
