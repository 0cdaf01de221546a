"""Moves this Python process's wall clock (and its children's) to ``ACCORD_TEST_CLOCK`` at start-up.

Put this directory first on ``PYTHONPATH`` to run the suite as if it were another moment, e.g. the
evening in New York when the UTC date is already tomorrow:

    PYTHONPATH=tests/clock_shift ACCORD_TEST_CLOCK=2026-12-01T04:30:00Z python -m pytest

Python imports ``sitecustomize`` in every interpreter it starts, so the Celery workers that tests start
move too. The first process records how far it moved (``ACCORD_TEST_CLOCK_OFFSET``, in seconds) and its
children apply the same offset to their own start, so every process shows the same ticking time.
The database server's and the browser's clocks are not moved. Without ``ACCORD_TEST_CLOCK`` this does
nothing. (libfaketime would move C code too, but it hangs Python here.)
"""

import os

if os.environ.get("ACCORD_TEST_CLOCK"):
    import datetime as _datetime

    import time_machine as _time_machine

    _now = _datetime.datetime.now(_datetime.UTC)
    if "ACCORD_TEST_CLOCK_OFFSET" not in os.environ:
        _target = _datetime.datetime.fromisoformat(os.environ["ACCORD_TEST_CLOCK"])
        if _target.tzinfo is None:
            raise ValueError("ACCORD_TEST_CLOCK needs an offset or Z, e.g. 2026-12-05T23:50:00Z")
        os.environ["ACCORD_TEST_CLOCK_OFFSET"] = str((_target - _now).total_seconds())
    _offset = _datetime.timedelta(seconds=float(os.environ["ACCORD_TEST_CLOCK_OFFSET"]))
    _time_machine.travel(_now + _offset, tick=True).start()
