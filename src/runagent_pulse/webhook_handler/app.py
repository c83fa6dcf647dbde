"""The results receiver: a small FastAPI app that stores each callback as JSON files.

``POST /results`` takes the callback payload (verifying its Standard Webhooks signature when a
secret is set), ``GET /results/{task_id}`` returns the latest result, ``GET
/results/{task_id}/runs`` every stored run, ``GET /results`` an index, ``GET /health`` liveness.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import anyio
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from runagent_pulse import __version__
from runagent_pulse.delivery.signing import SignatureError, decode_secret, verify
from runagent_pulse.webhook_handler.storage import ResultStore, UnsafeNameError, safe_name

logger = logging.getLogger("runagent_pulse.webhook_handler")

MAX_BODY_BYTES = 16 * 1024 * 1024
SIGNATURE_TOLERANCE = 300


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _printable(value: Any, limit: int = 80) -> str:
    text = str(value)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text[:limit] + ("…" if len(text) > limit else "")


class _TooLargeError(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _TooLargeError
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > MAX_BODY_BYTES:
            raise _TooLargeError
    return bytes(chunks)


def _validate(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ValueError("body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    for key in ("task_id", "execution_id"):
        if not isinstance(payload.get(key), str):
            raise ValueError(f"{key} is required and must be a string")
        safe_name(payload[key], key)
    return payload


def create_app(results_dir: Path, secret: str | None) -> FastAPI:
    """The webhook-handler app storing results under ``results_dir``.

    With ``secret`` (a ``whsec_`` secret, e.g. ``PULSE_WEBHOOK_SECRET``) every POST must carry a
    valid signature no older than five minutes. Raises ``ValueError`` for a malformed secret.
    """
    if secret:
        decode_secret(secret)
    store = ResultStore(Path(results_dir))
    app = FastAPI(title="Pulse webhook handler", version=__version__)
    app.state.store = store

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "signatures": bool(secret), "results_dir": str(store.root)}

    @app.post("/results", response_model=None)
    async def receive(request: Request) -> dict[str, Any] | JSONResponse:
        try:
            body = await _read_body(request)
        except _TooLargeError:
            return _error(413, f"body is larger than {MAX_BODY_BYTES} bytes")
        webhook_id = request.headers.get("webhook-id") or None
        if secret:
            try:
                verify(
                    secret,
                    request.headers,
                    body,
                    now=int(time.time()),
                    tolerance=SIGNATURE_TOLERANCE,
                )
            except SignatureError as exc:
                logger.warning("rejected delivery %s: %s", _printable(webhook_id), exc.reason)
                return _error(401, exc.message)
        try:
            payload = _validate(body)
        except ValueError as exc:
            return _error(422, str(exc))
        try:
            stored = await anyio.to_thread.run_sync(store.store, payload, body, webhook_id)
        except UnsafeNameError as exc:
            return _error(422, str(exc))
        task_id, execution_id = payload["task_id"], payload["execution_id"]
        if not stored:
            logger.info("duplicate delivery %s ignored", _printable(webhook_id))
            return {"status": "duplicate", "task_id": task_id, "execution_id": execution_id}
        logger.info(
            "task=%s execution=%s status=%s time=%sms",
            task_id,
            execution_id,
            _printable(payload.get("status")),
            _printable(payload.get("execution_time_ms")),
        )
        return {"status": "stored", "task_id": task_id, "execution_id": execution_id}

    @app.get("/results")
    async def index() -> dict[str, Any]:
        tasks = await anyio.to_thread.run_sync(store.index)
        return {"tasks": tasks, "count": len(tasks)}

    @app.get("/results/{task_id}", response_model=None)
    async def latest(task_id: str) -> Any:
        payload = await anyio.to_thread.run_sync(store.latest, task_id)
        if payload is None:
            return _error(404, f"no result stored for task {_printable(task_id)!r}")
        return JSONResponse(payload)

    @app.get("/results/{task_id}/runs", response_model=None)
    async def runs(task_id: str) -> Any:
        found = await anyio.to_thread.run_sync(store.runs, task_id)
        if found is None:
            return _error(404, f"no runs stored for task {_printable(task_id)!r}")
        return {"task_id": task_id, "runs": found, "count": len(found)}

    return app


def serve(
    host: str = "0.0.0.0",
    port: int = 3001,
    results_dir: Path = Path("./webhook-results"),
    secret: str | None = None,
) -> None:
    """Run the webhook handler with uvicorn until interrupted (``pulse webhook-handler``)."""
    import uvicorn

    if not logger.handlers and not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logger.setLevel(logging.INFO)
    app = create_app(results_dir, secret)
    logger.info(
        "webhook handler storing results in %s (signatures %s)",
        Path(results_dir).resolve(),
        "required" if secret else "not checked: set PULSE_WEBHOOK_SECRET to require them",
    )
    uvicorn.run(app, host=host, port=port, log_level="info")
