"""The user guide's package form: ``pkg_agent/process.py`` holds ``process()``."""
