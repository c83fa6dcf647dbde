"""Close-match suggestions for a ``when`` Pulse could not read: ``tomorow at 9`` → ``tomorrow
at 9``."""

from __future__ import annotations

import difflib
import re

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
VOCABULARY = frozenset(
    {
        *WEEKDAYS,
        *(day + "s" for day in WEEKDAYS),
        "now", "in", "from", "today", "tonight", "tomorrow", "next", "at", "every", "and",
        "on", "the", "of", "a", "an", "am", "pm", "noon", "midnight", "day", "days",
        "weekday", "weekdays", "weekend", "weekends", "hour", "hours", "hourly", "daily",
        "weekly", "monthly", "yearly", "minute", "minutes", "second", "seconds", "week",
        "weeks", "month", "months", "first", "last",
    }
)  # fmt: skip
_WORD = re.compile(r"[a-z]{3,}")


def suggest(text: str) -> str | None:
    """``text`` with each unknown word replaced by its closest word of the grammar, or None
    when no word looks like a typo."""
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        word = match.group(0)
        if word in VOCABULARY:
            return word
        close = difflib.get_close_matches(word, VOCABULARY, n=1, cutoff=0.75)
        if not close:
            return word
        changed = True
        return close[0]

    fixed = _WORD.sub(replace, text.lower())
    return fixed if changed else None
