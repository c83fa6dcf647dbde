"""Vetting an agent target (``agent_id`` module + ``entrypoint_tag``) before anything imports it.

The API checks a target at create time with these functions; the ``local`` worker and the team
process runtime check it again before importing (defence in depth). Nothing here imports agent
code.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Sequence
from pathlib import Path

from runagent_pulse.common.agent_source import check_defined
from runagent_pulse.domain.errors import InvalidTarget

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _is_name(part: str) -> bool:
    return _NAME.match(part) is not None and not keyword.iskeyword(part)


def locate_module(
    agent_id: str, agent_paths: Sequence[Path], *, follow_symlinks: bool = False
) -> Path | None:
    """The file ``agent_id`` would be imported from under ``agent_paths`` (first match), or None.

    Raises:
        InvalidTarget: the file (or a package folder on its way) is a symbolic link leading
            outside its ``LOCAL_AGENT_PATH`` folder, and ``follow_symlinks`` is off.
    """
    parts = agent_id.split(".")
    for root in agent_paths:
        base = root.joinpath(*parts)
        for candidate in (base.with_name(parts[-1] + ".py"), base / "__init__.py"):
            if candidate.is_file():
                if not follow_symlinks:
                    _check_inside(candidate, root, agent_id)
                return candidate
    return None


def _check_inside(candidate: Path, root: Path, agent_id: str) -> None:
    real = candidate.resolve()
    if not real.is_relative_to(root.resolve()):
        raise InvalidTarget(
            f"module {agent_id!r} is a symbolic link from {candidate} to {real}, outside "
            f"LOCAL_AGENT_PATH ({root}); copy it into that folder, or allow links that leave "
            "it with PULSE_LOCAL_AGENT_FOLLOW_SYMLINKS=true",
            details={"agent_id": agent_id[:200]},
        )


def is_allowlisted(agent_id: str, allowlist: Sequence[str]) -> bool:
    """``"pkg.mod"`` allows exactly that module; ``"pkg.*"`` allows ``pkg`` and all it contains."""
    for entry in allowlist:
        if entry.endswith(".*"):
            package = entry[:-2]
            if agent_id == package or agent_id.startswith(package + "."):
                return True
        elif agent_id == entry:
            return True
    return False


def check_entrypoint_tag(entrypoint_tag: str) -> None:
    """A tag is one public identifier: no dots (no ``os.system`` through an imported module)."""
    if not _is_name(entrypoint_tag) or entrypoint_tag.startswith("_"):
        raise InvalidTarget(
            f"entrypoint_tag {entrypoint_tag!r:.100} is not a public Python identifier: name a "
            "function or object defined in the module (no dots, no leading underscore)",
            details={"entrypoint_tag": entrypoint_tag[:100]},
        )


def check_target(
    agent_id: str,
    entrypoint_tag: str,
    agent_paths: Sequence[Path],
    allowlist: Sequence[str],
    *,
    follow_symlinks: bool = False,
) -> Path | None:
    """Refuse a target that may not run; return the vetted file (None for allow-listed modules).

    The module file is read, never imported: ``entrypoint_tag`` must be defined in it
    (:func:`check_defined`).

    Raises:
        InvalidTarget: with a message that says how to fix it.
    """
    check_entrypoint_tag(entrypoint_tag)
    found = check_module(agent_id, agent_paths, allowlist, follow_symlinks=follow_symlinks)
    if found is not None:
        check_defined(found, agent_id, entrypoint_tag)
    return found


def check_module(
    agent_id: str,
    agent_paths: Sequence[Path],
    allowlist: Sequence[str],
    *,
    follow_symlinks: bool = False,
) -> Path | None:
    """Refuse a module that may not be imported; return its vetted file (None if allow-listed).

    Raises:
        InvalidTarget: with a message that says how to fix it.
    """
    details = {"agent_id": agent_id[:200]}
    if not all(_is_name(part) for part in agent_id.split(".")):
        raise InvalidTarget(
            f"agent_id {agent_id!r:.200} is not a Python module name (dotted identifiers such "
            "as 'my_agent' or 'team.researcher'; no paths)",
            details=details,
        )
    top = agent_id.split(".")[0]
    if not agent_paths and not allowlist:
        raise InvalidTarget(
            f"local agents are disabled: set LOCAL_AGENT_PATH to the folder that holds {top}.py "
            "(or list the module in PULSE_LOCAL_AGENT_ALLOWLIST)",
            details=details,
        )
    found = locate_module(agent_id, agent_paths, follow_symlinks=follow_symlinks)
    if found is not None:
        return found
    if is_allowlisted(agent_id, allowlist):
        return None
    where = os.pathsep.join(str(p) for p in agent_paths) or "not set"
    hint = " (agent_id is a module name: drop the '.py')" if agent_id.endswith(".py") else ""
    raise InvalidTarget(
        f"module {agent_id!r} is not under LOCAL_AGENT_PATH ({where}) nor in "
        f"PULSE_LOCAL_AGENT_ALLOWLIST; put {top}.py (or the package {top}/) in that folder{hint}",
        details=details,
    )
