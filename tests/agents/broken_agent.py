"""A module that fails to import (``AgentNotFound``)."""

raise ImportError("broken_agent needs a library that is not installed")
