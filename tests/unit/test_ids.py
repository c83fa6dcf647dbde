"""Ids are unique, sort by creation, and end in random digits."""

from __future__ import annotations

import re

from runagent_pulse.domain.ids import RANDOM_READ_BYTES, new_id


def test_ids_are_unique_ordered_and_end_in_fresh_random_digits() -> None:
    count = RANDOM_READ_BYTES  # past one block of random bytes (4 per id)
    ids = [new_id("run") for _ in range(count)]
    assert all(re.fullmatch(r"run_[0-9a-f]{24}", one) for one in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == count
    random_parts = [one[-8:] for one in ids]
    assert len(set(random_parts)) > count * 0.99  # 32 random bits each: collisions are rare
