"""The results receiver: a small FastAPI app that stores each callback as JSON files.

``POST /results`` takes the callback payload, verifying its Standard Webhooks signature when a
secret is set. ``GET /results/{task_id}`` returns the latest result, ``GET
/results/{task_id}/runs`` every stored run, ``GET /results`` an index: they need
``Authorization: Bearer <read token>`` (:func:`read_token` of the secret, printed by ``pulse
webhook read-token``) unless the handler was started with public reads. ``GET /health`` is
liveness.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import orjson
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from runagent_pulse import __version__
from runagent_pulse.common.bearer import bearer_token, same_token
from runagent_pulse.common.listener import bind_listener
from runagent_pulse.delivery.signing import SignatureError, decode_secret, verify
from runagent_pulse.observability.log_setup import configure_logging
from runagent_pulse.webhook_handler.read_token import read_token
from runagent_pulse.webhook_handler.storage import ResultStore, UnsafeNameError, storage_name

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
        storage_name(payload[key], key)
    return payload


class ReadRefused(Exception):
    """A GET without the right read token (401), or any GET when reads are off (403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _read_guard(secret: str | None, public_reads: bool) -> Callable[[Request], None]:
    """The dependency every GET route of results runs first."""
    expected = read_token(secret).encode() if secret else None

    def check(request: Request) -> None:
        if public_reads:
            return
        if expected is None:
            raise ReadRefused(
                403,
                "reading results is off: this handler has no PULSE_WEBHOOK_SECRET to derive a "
                "read token from; set it (and send the token `pulse webhook read-token` prints), "
                "or start the handler with --public-reads",
            )
        token = bearer_token(request.headers.get("authorization", "").encode("latin-1"))
        if token is None or not same_token(token, expected):
            raise ReadRefused(
                401,
                "reading results needs 'Authorization: Bearer <read token>'; "
                "`pulse webhook read-token` prints it (run with the same PULSE_WEBHOOK_SECRET)",
            )

    return check


def create_app(results_dir: Path, secret: str | None, *, public_reads: bool = False) -> FastAPI:
    """The webhook-handler app storing results under ``results_dir``.

    With ``secret`` (a ``whsec_`` secret, e.g. ``PULSE_WEBHOOK_SECRET``) every POST must carry a
    valid signature no older than five minutes, and the GET routes the secret's read token.
    Without it the GET routes are off, unless ``public_reads``. Raises ``ValueError`` for a
    malformed secret.
    """
    if secret:
        decode_secret(secret)
    store = ResultStore(Path(results_dir))
    app = FastAPI(title="Pulse webhook handler", version=__version__)
    app.state.store = store
    reads = APIRouter(dependencies=[Depends(_read_guard(secret, public_reads))])

    @app.exception_handler(ReadRefused)
    async def _refused(_: Request, exc: ReadRefused) -> JSONResponse:
        response = _error(exc.status, exc.message)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "signatures": bool(secret), "public_reads": public_reads}

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
            _printable(task_id),
            _printable(execution_id),
            _printable(payload.get("status")),
            _printable(payload.get("execution_time_ms")),
        )
        return {"status": "stored", "task_id": task_id, "execution_id": execution_id}

    @reads.get("/results")
    async def index() -> dict[str, Any]:
        tasks = await anyio.to_thread.run_sync(store.index)
        return {"tasks": tasks, "count": len(tasks)}

    @reads.get("/results/{task_id}", response_model=None)
    async def latest(task_id: str) -> Any:
        payload = await anyio.to_thread.run_sync(store.latest, task_id)
        if payload is None:
            return _error(404, f"no result stored for task {_printable(task_id)!r}")
        return JSONResponse(payload)

    @reads.get("/results/{task_id}/runs", response_model=None)
    async def runs(task_id: str) -> Any:
        found = await anyio.to_thread.run_sync(store.runs, task_id)
        if found is None:
            return _error(404, f"no runs stored for task {_printable(task_id)!r}")
        return {"task_id": task_id, "runs": found, "count": len(found)}

    app.include_router(reads)
    return app


LOOPBACK = "127.0.0.1"
ANY_INTERFACE = "0.0.0.0"


def serve(
    host: str | None = None,
    port: int = 3001,
    results_dir: Path = Path("./webhook-results"),
    secret: str | None = None,
    public_reads: bool = False,
) -> None:
    """Run the webhook handler with uvicorn until interrupted (``pulse webhook-handler``).

    ``host`` defaults to every interface with a secret, and to 127.0.0.1 without one (then
    anyone who reaches the port could post results).

    Raises:
        PortInUse: the port is taken (checked before anything starts).
    """
    import uvicorn

    configure_logging()
    host = host or (ANY_INTERFACE if secret else LOOPBACK)
    with bind_listener(host, port) as listener:
        app = create_app(results_dir, secret, public_reads=public_reads)
        logger.info(
            "webhook handler on http://%s:%d, storing results in %s",
            host,
            port,
            Path(results_dir).resolve(),
        )
        _log_exposure(host, port, secret, public_reads)
        config = uvicorn.Config(app, log_config=None, log_level=None)
        uvicorn.Server(config).run(sockets=[listener])


def _log_exposure(host: str, port: int, secret: str | None, public_reads: bool) -> None:
    """Say, loudly when it is open, who may post and read results."""
    if secret:
        logger.info("POST /results: only callbacks signed with PULSE_WEBHOOK_SECRET are stored")
    else:
        reach = "this machine" if host in (LOOPBACK, "::1", "localhost") else f"{host}:{port}"
        logger.warning(
            "POST /results is UNAUTHENTICATED: anyone who can reach %s can store fake results. "
            "Set PULSE_WEBHOOK_SECRET (the Pulse server's: `pulse webhook secret`) to accept "
            "only signed callbacks.",
            reach,
        )
    if public_reads:
        logger.warning("GET /results routes are PUBLIC (--public-reads): anyone can read results")
    elif secret:
        logger.info(
            "GET /results routes need 'Authorization: Bearer <read token>' "
            "(`pulse webhook read-token` prints it)"
        )
    else:
        logger.info("GET /results routes are off: no secret to derive a read token from")
