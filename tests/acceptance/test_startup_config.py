"""An invalid setting stops ``pulse serve`` with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PULSE_PORT", "eighty"),
        ("PULSE_TIMEZONE", "Mars/Olympus_Mons"),
        ("PULSE_RUN_TIMEOUT", "forever"),
        ("DEFAULT_EXECUTOR", "quantum"),
        ("PULSE_MAX_CONCURRENT_RUNS", "0"),
        ("SCHEDULE_TIMEOUT", "5 parsecs"),
    ],
)
def test_invalid_setting_stops_start_up(tmp_path: Path, variable: str, value: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "serve"],
        env={
            **os.environ,
            variable: value,
            "PULSE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/p.db",
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert variable in completed.stderr
    assert "Traceback" not in completed.stderr


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("PULSE_PORT=not-a-port\n")
    env = {k: v for k, v in os.environ.items() if k != "PULSE_PORT"}
    completed = subprocess.run(
        [sys.executable, "-c", "from runagent_pulse.cli import main; main()", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "PULSE_PORT" in completed.stderr
