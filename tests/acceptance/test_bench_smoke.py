"""``python -m bench burst_echo --quick`` runs end to end and prints its figure (the bench
asserts nothing about speed, and neither does this test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent.parent


def test_quick_burst_echo_prints_runs_per_second(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "burst_echo", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "runs/s" in completed.stdout
    assert '"scenario": "burst_echo"' in out.read_text()
