"""The evaluated schedule: when it fires, and how it is persisted (``to_spec`` / ``from_spec``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from runagent_pulse.timespec.cron import cron_next, normalize_cron
from runagent_pulse.timespec.errors import TimespecError
from runagent_pulse.timespec.zones import load_zone, require_aware

ScheduleKind = Literal["once", "cron", "interval"]
SPEC_VERSION = 1


@dataclass(frozen=True)
class Schedule:
    """When a task fires. All datetimes are UTC-aware.

    ``once``: fires at ``first_fire``. ``cron``: fires per ``cron`` in ``timezone``.
    ``interval``: fires at ``first_fire + k * interval`` (elapsed time), k = 0, 1, ...
    Fires after ``end_at`` never happen; ``max_fires`` is counted by the caller (the engine),
    except in :meth:`next_runs`.
    """

    kind: ScheduleKind
    description: str
    timezone: str
    first_fire: datetime | None
    end_at: datetime | None = None
    max_fires: int | None = None
    cron: str | None = None
    interval: timedelta | None = None

    def __post_init__(self) -> None:
        if self.kind == "cron" and self.cron is None:
            raise ValueError("a cron schedule needs `cron`")
        if self.kind == "interval" and (self.interval is None or self.first_fire is None):
            raise ValueError("an interval schedule needs `interval` and `first_fire`")
        if self.kind == "once" and self.first_fire is None:
            raise ValueError("a once schedule needs `first_fire`")
        for name in ("first_fire", "end_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_aware(value, name))

    def next_after(self, previous: datetime) -> datetime | None:
        """The first fire strictly after ``previous`` (normally the previous scheduled fire).

        Fires begin at ``first_fire``; None when there is none (a once-schedule after its instant,
        past ``end_at``, or a cron expression that never matches again). Does not count fires.
        """
        previous = require_aware(previous, "previous")
        if self.first_fire is not None and previous < self.first_fire:
            candidate: datetime | None = self.first_fire
        elif self.kind == "once":
            candidate = None
        elif self.kind == "interval":
            candidate = self._interval_next(previous)
        else:
            assert self.cron is not None
            candidate = cron_next(self.cron, load_zone(self.timezone), previous)
        if candidate is None or (self.end_at is not None and candidate > self.end_at):
            return None
        assert candidate > previous, (candidate, previous)
        return candidate

    def _interval_next(self, previous: datetime) -> datetime | None:
        assert self.interval is not None and self.first_fire is not None
        steps = (previous - self.first_fire) // self.interval + 1
        try:
            return self.first_fire + steps * self.interval
        except OverflowError:
            return None

    def next_runs(self, count: int) -> list[datetime]:
        """Up to ``count`` fires from ``first_fire`` on, honouring ``end_at`` and ``max_fires``."""
        if self.max_fires is not None:
            count = min(count, self.max_fires)
        fires: list[datetime] = []
        fire = self.first_fire
        if fire is not None and self.end_at is not None and fire > self.end_at:
            fire = None
        while fire is not None and len(fires) < count:
            fires.append(fire)
            fire = self.next_after(fire)
        return fires

    def fires_between(self, after: datetime, until: datetime, limit: int) -> list[datetime]:
        """Fires ``f`` with ``after < f <= until``, oldest first, at most ``limit``.

        Honours ``first_fire`` and ``end_at``, not ``max_fires`` (the caller counts fires).
        """
        until = require_aware(until, "until")
        fires: list[datetime] = []
        fire = self.next_after(after)
        while fire is not None and fire <= until and len(fires) < limit:
            fires.append(fire)
            fire = self.next_after(fire)
        return fires

    def to_spec(self) -> dict[str, Any]:
        """A JSON-safe dict that :func:`schedule_from_spec` turns back into this schedule."""
        built = self.__dict__.get("_spec")
        if built is None:  # built once: the tasks of a batch that share a ``when`` share it
            built = self._build_spec()
            object.__setattr__(self, "_spec", built)
        return dict(built)

    def _build_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "version": SPEC_VERSION,
            "kind": self.kind,
            "timezone": self.timezone,
            "description": self.description,
            "first_fire": _iso(self.first_fire),
            "end_at": _iso(self.end_at),
            "max_fires": self.max_fires,
        }
        if self.cron is not None:
            spec["cron"] = self.cron
        if self.interval is not None:
            seconds = self.interval.total_seconds()
            spec["interval_seconds"] = int(seconds) if seconds.is_integer() else seconds
        return spec


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _spec_error(message: str) -> TimespecError:
    return TimespecError(f"invalid stored schedule spec: {message}")


def _spec_instant(spec: Mapping[str, Any], key: str) -> datetime | None:
    value = spec.get(key)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise _spec_error(f"{key} {value!r} is not an ISO 8601 instant") from exc
    if parsed.tzinfo is None:
        raise _spec_error(f"{key} {value!r} has no UTC offset")
    return parsed.astimezone(UTC)


def schedule_from_spec(spec: Mapping[str, Any]) -> Schedule:
    """Rebuild a :class:`Schedule` from :meth:`Schedule.to_spec` output."""
    if not isinstance(spec, Mapping):
        raise _spec_error(f"expected a mapping, got {type(spec).__name__}")
    version = spec.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _spec_error(f"version {version!r} is not a positive integer")
    if version > SPEC_VERSION:
        raise TimespecError(
            f"schedule spec version {version} is newer than this Pulse understands "
            f"(up to {SPEC_VERSION}); upgrade Pulse to read it"
        )
    kind = spec.get("kind")
    if kind not in ("once", "cron", "interval"):
        raise _spec_error(f"unknown kind {kind!r}; expected once, cron or interval")
    timezone = spec.get("timezone")
    load_zone(cast(str, timezone))
    max_fires = spec.get("max_fires")
    if max_fires is not None and (not isinstance(max_fires, int) or max_fires < 1):
        raise _spec_error(f"max_fires {max_fires!r} is not a positive integer")
    cron = spec.get("cron")
    if kind == "cron":
        if not isinstance(cron, str):
            raise _spec_error("a cron schedule needs a 'cron' string")
        cron = normalize_cron(cron)
    interval = None
    if kind == "interval":
        seconds = spec.get("interval_seconds")
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 1:
            raise _spec_error(f"interval_seconds {seconds!r} is not a number >= 1")
        interval = timedelta(seconds=seconds)
    first_fire = _spec_instant(spec, "first_fire")
    if kind != "cron" and first_fire is None:
        raise _spec_error(f"a {kind} schedule needs 'first_fire'")
    return Schedule(
        kind=cast(ScheduleKind, kind),
        description=str(spec.get("description", "")),
        timezone=cast(str, timezone),
        first_fire=first_fire,
        end_at=_spec_instant(spec, "end_at"),
        max_fires=max_fires,
        cron=cron if kind == "cron" else None,
        interval=interval,
    )
