"""Wrong API keys are counted per client address: past the limit an address waits out its
window; other addresses, and the same one once the window ends, go on as before."""

from __future__ import annotations

import logging

import pytest

from runagent_pulse.common.key_guesses import KeyGuessLimit, client_address
from tests.support.ticks import Ticks


def limit(**kwargs: int) -> tuple[KeyGuessLimit, Ticks]:
    ticks = Ticks()
    return KeyGuessLimit(limit=3, window=60.0, clock=ticks, **kwargs), ticks


def test_an_address_waits_once_it_gave_the_limit_of_wrong_keys() -> None:
    guesses, ticks = limit()
    for _ in range(2):
        guesses.wrong("203.0.113.7")
    assert guesses.wait("203.0.113.7") == 0
    guesses.wrong("203.0.113.7")
    ticks.now += 20.5
    assert guesses.wait("203.0.113.7") == 40  # whole seconds, rounded up
    assert guesses.wait("198.51.100.1") == 0


def test_the_window_starts_at_the_first_wrong_key_and_ends_for_good() -> None:
    guesses, ticks = limit()
    guesses.wrong("a")
    ticks.now += 59.0
    guesses.wrong("a")
    guesses.wrong("a")
    assert guesses.wait("a") == 1
    ticks.now += 1.0
    assert guesses.wait("a") == 0
    assert len(guesses) == 0
    guesses.wrong("a")
    assert guesses.wait("a") == 0  # a new window, one wrong key in it


def test_it_remembers_a_bounded_number_of_addresses() -> None:
    guesses, ticks = limit(max_addresses=2)
    guesses.wrong("first")
    ticks.now += 30
    guesses.wrong("second")
    guesses.wrong("first")
    guesses.wrong("first")
    guesses.wrong("third")  # no window has ended: the oldest (first) is dropped
    assert len(guesses) == 2
    assert guesses.wait("first") == 0
    ticks.now += 60  # the windows of second and third ended: both are dropped
    guesses.wrong("fourth")
    assert len(guesses) == 1


def test_the_client_address_comes_from_the_scope() -> None:
    assert client_address({"client": ("203.0.113.7", 5123)}) == "203.0.113.7"
    assert client_address({"client": None}) == "unknown"
    assert client_address({}) == "unknown"


def test_an_address_reaching_the_limit_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    guesses, _ = limit()
    with caplog.at_level(logging.WARNING, logger="runagent_pulse.common.key_guesses"):
        for _ in range(5):
            guesses.wrong("203.0.113.7")
    [record] = caplog.records
    assert "203.0.113.7 sent 3 wrong API keys within 60 s" in record.getMessage()
    assert record.action == "api_key_guesses_refused"  # type: ignore[attr-defined]
