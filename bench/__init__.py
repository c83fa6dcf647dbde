"""Pulse benchmarks: ``python -m bench [scenario ...] [--quick] [--json FILE]`` (see README.md)."""
