"""The dashboard's own script and style sheet, served from the package with a content hash in
their URL (so browsers may keep them for a year)."""

from __future__ import annotations

import functools
import hashlib
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Response

TYPES = {"pulse.js": "text/javascript", "pulse.css": "text/css"}

routes = APIRouter(include_in_schema=False)


@functools.cache
def _file(name: str) -> tuple[bytes, str]:
    content = (files("runagent_pulse.ui") / "static" / name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:12]


def url(name: str) -> str:
    """The URL of static file ``name`` (one of ``TYPES``)."""
    return f"/ui/static/{name}?v={_file(name)[1]}"


@routes.get("/ui/static/{name}")
async def static_file(name: str) -> Response:
    if name not in TYPES:
        raise HTTPException(404, "no such file")
    content, _ = _file(name)
    return Response(
        content,
        media_type=TYPES[name],
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
