"""Shared helper of the concurrency tests: run requests at the same moment."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor


def all_at_once(calls) -> list:
    """Run the callables in as many threads, released together by a barrier; returns their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
