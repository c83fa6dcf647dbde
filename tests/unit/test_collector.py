"""A node starts with the garbage collector paused and runs with it on."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from runagent_pulse.cli.server_cmds import collector_paused
from runagent_pulse.server import YOUNG_OBJECTS_PER_COLLECTION, _tune_garbage_collection


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc.enable()


@pytest.mark.usefixtures("restored_collector")
def test_start_up_is_paused_and_the_built_node_collects_again() -> None:
    with collector_paused():
        assert not gc.isenabled()
        _tune_garbage_collection()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == YOUNG_OBJECTS_PER_COLLECTION
    assert gc.isenabled()


@pytest.mark.usefixtures("restored_collector")
def test_a_start_that_fails_leaves_collection_on() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("port in use")
    assert gc.isenabled()
