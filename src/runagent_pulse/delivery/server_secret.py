"""The server's webhook signing secret: configured, or generated once and kept in the database."""

from __future__ import annotations

from runagent_pulse.delivery.signing import decode_secret, generate_secret
from runagent_pulse.store import settings_kv
from runagent_pulse.store.database import Database


async def load_server_secret(db: Database, configured: str | None = None) -> str:
    """``configured`` (``PULSE_WEBHOOK_SECRET``) when given; otherwise the stored secret,
    generated and stored on first use (every node sharing the database signs with it).

    Raises:
        ValueError: the secret is not ``whsec_`` followed by base64.
    """
    if configured:
        secret = configured.strip()
    else:
        async with db.write() as conn:
            secret = await settings_kv.get_or_create(
                conn, settings_kv.WEBHOOK_SECRET_KEY, generate_secret
            )
    try:
        decode_secret(secret)
    except ValueError as exc:
        source = "PULSE_WEBHOOK_SECRET" if configured else "the stored webhook secret"
        raise ValueError(f"{source} is invalid: {exc}") from exc
    return secret
