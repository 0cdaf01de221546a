"""Garbage collection between requests, not inside them: what a web worker does with Python's collector.

CPython's cyclic collector runs when allocations pass a threshold, inside whichever request is running
then. A full (generation 2) collection frees the cyclic garbage of every request since the last one (a
DRF serializer and its deep-copied fields are cycles, and so is a model instance with its state) and,
in the scale benchmark's process, paused about one API request in eight by 100-200 ms of CPU: the single
slow request that decided most failing p95s (measured with ``gc.callbacks``, issue 18).

So a worker:
- freezes what the loaded app holds (Django, the models, the URL conf: some 200,000 objects), which no
  collection needs to walk again, once it has started and again after its first requests (a view's
  module, its templates and its serializers load on first use);
- collects after each response has gone out (gunicorn's ``post_request`` hook runs once the response is
  written), when the garbage is one request's: 1-2 ms after a staff page, 10-15 ms after an API page of
  50 tickets, paid by the worker between requests instead of by the next client.

The collector stays on with its usual thresholds, so a request that makes a great deal of garbage is
still collected while it runs. ``max_requests`` (config/gunicorn.py) replaces a worker now and then,
which bounds what a freeze keeps of objects that are dropped later.
"""

import gc

# After these many requests a worker freezes again what its first requests loaded.
REFREEZE_AFTER = frozenset({1, 10, 100})


def freeze_loaded_app() -> None:
    """Move every object alive now out of the collector's reach (garbage first, so none is kept)."""
    gc.collect()
    gc.freeze()


def collect_after_request(served: int) -> None:
    """Free the cyclic garbage the request just served left behind; ``served`` counts requests so far."""
    gc.collect()
    if served in REFREEZE_AFTER:
        gc.freeze()
