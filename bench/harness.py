"""Run a benchmark against a throwaway PostgreSQL test database and print JSON figures.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/erp python -m bench.<name>
The database is created (test_<name>), migrated, used and dropped; nothing else is touched.
"""

import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)


@contextmanager
def test_database():
    setup_test_environment()
    config = setup_databases(verbosity=0, interactive=False)
    try:
        yield
    finally:
        teardown_databases(config, verbosity=0)
        teardown_test_environment()


def timed(function: Callable[[], object], *, repeat: int) -> float:
    """Seconds per call, best of three runs of `repeat` calls (less noise from the machine)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeat):
            function()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


def report(name: str, figures: dict) -> None:
    json.dump({"benchmark": name, **figures}, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
