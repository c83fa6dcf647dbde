"""The environment agent processes start with: what a Python program needs to run, plus what
the operator opts in to, never Pulse's own secrets.

Local workers and team agent processes run code from ``LOCAL_AGENT_PATH`` with params a user
chose; inheriting the server's environment would hand them ``PULSE_API_KEY``, the webhook
secret, the RunAgent key and the database URL. They get :data:`BASE` (and the ``LC_*``,
``PYTHON*``, proxy and CA variables), ``PULSE_RUN_ID`` / ``PULSE_TASK_ID`` / ``PULSE_ATTEMPT``
per run, and the names (or ``fnmatch`` patterns) listed in ``PULSE_AGENT_ENV_PASSTHROUGH`` —
except :data:`NEVER`, which no setting passes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence

BASE = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "TERM",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)
BASE_PATTERNS = ("LC_*", "PYTHON*", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "*_proxy")

NEVER = frozenset(
    {
        "PULSE_API_KEY",
        "PULSE_WEBHOOK_SECRET",
        "PULSE_DATABASE_URL",
        "PULSE_TEST_POSTGRES_URL",
        "RUNAGENT_SERVERLESS_API_KEY",
    }
)
"""Never given to an agent process, even when a passthrough pattern matches."""


def agent_environment(source: Mapping[str, str], passthrough: Sequence[str] = ()) -> dict[str, str]:
    """The variables of ``source`` an agent process may see."""
    patterns = (*BASE_PATTERNS, *passthrough)
    return {
        name: value
        for name, value in source.items()
        if name not in NEVER
        and (name in BASE or any(fnmatch.fnmatchcase(name, p) for p in patterns))
    }
