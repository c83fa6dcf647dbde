"""A team agent module that fails to import (the deploy of its team fails)."""

raise ImportError("team_broken needs a library that is not installed")
