"""Login throttling is atomic: an attempt is checked and counted under one lock, so that parallel attempts
(waitress serves requests on several threads) get no more than the free tries between them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from monitor.dashboard import create_app
from monitor.dashboard.auth import FREE_ATTEMPTS, Throttle
from tests.dashboard.conftest import Client
from tests.dashboard.demo_data import OTHER_PASSWORD, Demo
from tests.dashboard.served import serving

PARALLEL = 16


def test_parallel_attempts_get_no_more_than_the_free_tries(demo: Demo) -> None:
    # A long first wait: every refusal in this test comes from the count, not from timing.
    web = create_app(demo.app, secret="a test secret of the throttle tests", throttle=Throttle(base=600))
    with serving(web, threads=PARALLEL) as served:
        clients = [Client(served.url) for _ in range(PARALLEL)]
        tokens = [c.csrf() for c in clients]
        start = threading.Barrier(PARALLEL)

        def attempt(index: int) -> int:
            start.wait()
            form = {"csrf_token": tokens[index], "name": "lisi", "password": f"wrong {index}", "next": ""}
            return clients[index].post("/login", form).status

        with ThreadPoolExecutor(PARALLEL) as pool:
            statuses = list(pool.map(attempt, range(PARALLEL)))
        assert sorted(statuses) == [401] * FREE_ATTEMPTS + [429] * (PARALLEL - FREE_ATTEMPTS), statuses
        assert clients[0].login("lisi", OTHER_PASSWORD).status == 429  # the right password waits too


def test_attempt_checks_and_counts_under_one_lock() -> None:
    throttle = Throttle(clock=lambda: 100.0)
    key = ("lisi", "127.0.0.1")
    start = threading.Barrier(64)

    def attempt(_: int) -> float:
        start.wait()
        return throttle.attempt(key)

    with ThreadPoolExecutor(64) as pool:
        waits = list(pool.map(attempt, range(64)))
    assert waits.count(0.0) == FREE_ATTEMPTS
    assert throttle.failures(key) == FREE_ATTEMPTS  # refused attempts are not counted
    throttle.succeeded(key)
    assert throttle.attempt(key) == 0.0
