"""The read token of a webhook handler: what its GET routes require.

It is derived from the handler's webhook secret (HMAC-SHA256 of a fixed label), so whoever holds
the secret computes it (``pulse webhook read-token``) and nothing needs storing; the token
cannot be turned back into the secret, so a reader of results cannot sign callbacks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from runagent_pulse.delivery.signing import decode_secret

READ_TOKEN_PREFIX = "whrt_"
_LABEL = b"runagent-pulse webhook-handler read token v1"


def read_token(secret: str) -> str:
    """The read token of ``secret`` (a ``whsec_`` webhook secret): ``whrt_`` and 43 characters.

    Raises:
        ValueError: ``secret`` is not a webhook secret.
    """
    digest = hmac.new(decode_secret(secret), _LABEL, hashlib.sha256).digest()
    return READ_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")
