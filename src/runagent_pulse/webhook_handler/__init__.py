"""The results receiver service (``pulse webhook-handler``)."""

from runagent_pulse.webhook_handler.app import create_app, serve
from runagent_pulse.webhook_handler.storage import ResultStore, UnsafeNameError, safe_name

__all__ = ["ResultStore", "UnsafeNameError", "create_app", "safe_name", "serve"]
