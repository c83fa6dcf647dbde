"""The results receiver service (``pulse webhook-handler``)."""

from runagent_pulse.webhook_handler.app import create_app, serve
from runagent_pulse.webhook_handler.read_token import read_token
from runagent_pulse.webhook_handler.storage import ResultStore, UnsafeNameError, storage_name

__all__ = ["ResultStore", "UnsafeNameError", "create_app", "read_token", "serve", "storage_name"]
