"""Workers doing the same thing at the same moment, each on its own database connection, as two Celery
workers or two web processes would."""

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def race(work: Callable[[], T], *, workers: int = 2) -> list[T]:
    """Run ``work()`` in ``workers`` threads released together and return their results (in the order they
    finished). The first exception a worker raised is raised here, once every worker is done."""
    barrier = threading.Barrier(workers)
    results: list[T] = []
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()  # each thread opened its own

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
