"""Threads against PostgreSQL for the concurrency tests (architecture §5.8): each thread has
its own connection, and a barrier releases them together so they really race."""

import threading
from collections.abc import Callable

from django.db import connection, transaction


def race(count: int, work: Callable[[int], object], *,
         atomic: bool = False) -> tuple[list, list[BaseException]]:
    """Run `work(index)` in `count` threads released together, each in a transaction when
    `atomic`; (what the calls returned, what they raised), each in the order it happened."""
    results: list = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=20)
            if atomic:
                with transaction.atomic():
                    results.append(work(index))
            else:
                results.append(work(index))
        except BaseException as error:  # handed to the test: a thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors
