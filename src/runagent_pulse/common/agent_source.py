"""Reading an agent module's source, never importing it: does it define the entrypoint?

The server checks a ``local`` (or team module) target at create time without running agent code,
so it reads the file's syntax tree: an entrypoint must be *defined* at the module's top level (a
``def``, ``class`` or assignment, also inside top-level ``if`` / ``try`` / ``with`` blocks), or
imported from the agent's own package. A name the module merely imports from elsewhere
(``from os import system``) is never an entrypoint. A module that decides its names at run time
(a module-level ``__getattr__``, ``from x import *``, writes to ``globals()``) is given the
benefit of the doubt here; the worker checks the real object before calling it.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from runagent_pulse.domain.errors import InvalidTarget


@dataclass(slots=True)
class ModuleNames:
    defined: set[str] = field(default_factory=set)
    imported: dict[str, str] = field(default_factory=dict)
    """Imported name → where it comes from (``os``, ``.agent``)."""
    dynamic: bool = False


def _collect(body: list[ast.stmt], names: ModuleNames, own_package: str) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.defined.add(node.name)
            if node.name == "__getattr__":
                names.dynamic = True
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.defined.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
                if isinstance(target, ast.Subscript) and "globals" in ast.unparse(target):
                    names.dynamic = True
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names.imported[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            own = node.level > 0 or (node.module or "").split(".")[0] == own_package
            for alias in node.names:
                if alias.name == "*":
                    names.dynamic = True
                elif own:
                    names.defined.add(alias.asname or alias.name)
                else:
                    names.imported[alias.asname or alias.name] = source
        elif isinstance(node, ast.If | ast.Try | ast.With | ast.AsyncWith | ast.For):
            for block in ("body", "orelse", "finalbody"):
                _collect(getattr(node, block, []), names, own_package)
            for handler in getattr(node, "handlers", []):
                _collect(handler.body, names, own_package)


def module_names(path: Path, own_package: str) -> ModuleNames:
    """The top-level names ``path`` defines and imports.

    Raises:
        InvalidTarget: the file cannot be read or parsed.
    """
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidTarget(
            f"agent module {path} cannot be read as Python: {exc}",
            details={"file": str(path)},
        ) from None
    names = ModuleNames()
    _collect(tree.body, names, own_package)
    return names


def check_defined(path: Path, agent_id: str, entrypoint_tag: str) -> None:
    """Refuse an ``entrypoint_tag`` that ``path`` (the vetted file of ``agent_id``) does not
    define. A package's ``__init__.py`` may also hold it in ``<package>/<tag>.py``.

    Raises:
        InvalidTarget: only imported there, or not there at all (with the closest names).
    """
    if path.name == "__init__.py" and (path.parent / f"{entrypoint_tag}.py").is_file():
        check_defined(path.parent / f"{entrypoint_tag}.py", agent_id, entrypoint_tag)
        return
    names = module_names(path, own_package=agent_id.split(".")[0])
    if entrypoint_tag in names.defined:
        return
    details = {"agent_id": agent_id[:200], "entrypoint_tag": entrypoint_tag[:100]}
    source = names.imported.get(entrypoint_tag)
    if source is not None:
        raise InvalidTarget(
            f"{entrypoint_tag!r} is imported into {agent_id!r} from {source!r}, not defined in "
            "it; an entrypoint must be a function or object defined in the agent's own module "
            "(or package)",
            details=details,
        )
    if names.dynamic:
        return
    public = sorted(n for n in names.defined if not n.startswith("_"))
    close = difflib.get_close_matches(entrypoint_tag, public, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    shown = ", ".join(public[:10]) or "nothing public"
    raise InvalidTarget(
        f"module {agent_id!r} ({path}) defines no {entrypoint_tag!r}; {hint}it defines: {shown}",
        details={**details, "suggestion": close[0] if close else None},
    )
