"""Pulse's time language: parse and evaluate ``when`` / ``repeat`` / cron / durations (pure).

A leaf package: it imports nothing else from Pulse, does no I/O, and takes ``now`` as an argument.

Grammar of ``when`` (case-insensitive, whitespace-normalized), tried in this order:

* ``now``
* elapsed time: ``in 5 minutes``, ``2 hours from now``, ``in 1h30m``, ``in an hour``
* recurring phrases: ``every 15 minutes`` (interval; first fire = now + 15 minutes),
  ``every day at 9am``, ``every weekday at 9:30``, ``every weekend at 10am``,
  ``every monday and friday at 17:00``, ``every month on the 1st at 9``, ``hourly`` (cron
  ``0 * * * *``), ``daily [at 6pm]``, ``weekly`` (Sunday 00:00), ``monthly`` (the 1st, 00:00)
* ISO 8601: with ``Z``/offset, or naive (wall time in the task's timezone); a date alone is
  midnight
* day phrases: ``today|tomorrow [at] <time>``, ``tonight [at <time>]`` (default 21:00; bare hours
  1-11 are p.m.), ``[next|this|on] monday [at <time>]`` (the next Monday strictly after today,
  or today if that time is still ahead; ``next`` never skips a week; no time = 00:00),
  ``at 5pm`` / ``17:30`` (today if still ahead, else tomorrow). ``at 9`` is 09:00.
* cron: 5 fields, Vixie semantics (names, ranges, steps, ``L``, ``#``) and ``@daily``-style aliases

DST policy (instants are stored in UTC): a fixed wall time inside a spring-forward gap fires at
the first instant after the gap; a wall time that occurs twice fires once, at its first
occurrence; cron with ``*`` in the minute or hour field, intervals and ``in N units`` follow
elapsed time (hourly fires every real hour, both 01:00s of a fold included). The next fire is
computed from the previous scheduled fire and is always strictly later.
"""

from runagent_pulse.timespec.durations import parse_duration
from runagent_pulse.timespec.errors import TimespecError
from runagent_pulse.timespec.parse import parse_schedule
from runagent_pulse.timespec.schedule import Schedule, schedule_from_spec
from runagent_pulse.timespec.zones import dst_note, load_zone

__all__ = [
    "Schedule",
    "TimespecError",
    "dst_note",
    "load_zone",
    "parse_duration",
    "parse_schedule",
    "schedule_from_spec",
]
