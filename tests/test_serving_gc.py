"""The web worker collects garbage between requests, not inside them (config/serving_gc.py)."""

import gc
import weakref
from types import SimpleNamespace

import pytest

from config import gunicorn


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def collector_paused():
    """No automatic collection during the test, so only the hook under test can free a cycle."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()
    gc.unfreeze()  # what a test froze goes back to the collector


def a_request_made_garbage():
    node = Node()
    return weakref.ref(node)


def test_a_request_s_cyclic_garbage_is_freed_once_its_response_is_out(collector_paused):
    left_behind = a_request_made_garbage()
    assert left_behind() is not None  # nobody has collected it yet

    gunicorn.post_request(SimpleNamespace(nr=7), req=None, environ={}, resp=None)

    assert left_behind() is None


def test_a_worker_freezes_what_its_first_requests_loaded_and_then_stops_freezing(collector_paused):
    gc.unfreeze()
    gunicorn.post_worker_init(SimpleNamespace(nr=0))
    at_start = gc.get_freeze_count()
    assert at_start > 0

    loaded_by_the_first_request = [Node() for _ in range(100)]
    gunicorn.post_request(SimpleNamespace(nr=1), req=None, environ={}, resp=None)
    assert walked_by_the_collector(loaded_by_the_first_request) == {False}

    made_by_a_later_request = [Node() for _ in range(100)]
    gunicorn.post_request(SimpleNamespace(nr=2), req=None, environ={}, resp=None)
    assert walked_by_the_collector(made_by_a_later_request) == {True}
    assert walked_by_the_collector(loaded_by_the_first_request) == {False}
    del loaded_by_the_first_request, made_by_a_later_request


def walked_by_the_collector(objects) -> set[bool]:
    """For each object, whether a collection still walks it: gc.get_objects() lists the three generations,
    not what gc.freeze() moved out of reach. (Not the freeze count: a frozen object that its reference
    count frees leaves the count, so the count could drop by one between two requests, as it once did.)"""
    walked = {id(tracked) for tracked in gc.get_objects()}
    return {id(obj) in walked for obj in objects}
