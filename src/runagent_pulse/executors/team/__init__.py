"""The ``team`` executor: deploy a team of agents for one run, prompt its leader, record the
conversation, and always tear it down (see ``docs/teams.md``).

This package's ``__init__`` imports nothing on purpose: :mod:`.agent_host` runs inside every
agent process, which should not pay for the server's imports.
"""
