"""Concurrent requests of one stale answer compute it once (clearanalytics/stats/flights.py)."""

from __future__ import annotations

import threading
import time

from clearanalytics.stats.flights import Flights


def _copy(rows):
    return [dict(row) for row in rows]


def _wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the waiters never joined"
        time.sleep(0.005)


def _run_together(flights: Flights, key, version: int, compute, waiters: int) -> list:
    """One leader computes while `waiters` more ask for the same key and version; returns every answer."""
    results: list = [None] * (waiters + 1)
    release = threading.Event()

    def leader_compute():
        release.wait(10)
        return compute()

    def ask(i: int, func) -> None:
        try:
            results[i] = flights.run(key, version, func, _copy)
        except RuntimeError as exc:
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(0, leader_compute))]
    threads[0].start()
    _wait_for(lambda: flights._flying.get(key) is not None)
    threads += [threading.Thread(target=ask, args=(i, compute)) for i in range(1, waiters + 1)]
    for thread in threads[1:]:
        thread.start()
    _wait_for(lambda: flights.waiting(key) == waiters)
    release.set()
    for thread in threads:
        thread.join(10)
    return results


def test_waiters_take_a_copy_of_the_one_computation():
    flights, calls = Flights(), []

    def compute():
        calls.append(1)
        return [{"page": "/", "visitors": 3}]

    results = _run_together(flights, "pages", 7, compute, waiters=5)
    assert len(calls) == 1
    assert results == [[{"page": "/", "visitors": 3}]] * 6
    assert len({id(rows) for rows in results}) == 6  # copies: a caller changing its rows changes no other's
    assert flights.shared == 5


def test_a_request_after_a_newer_write_computes_its_own():
    flights, calls = Flights(), []
    release = threading.Event()

    def slow():
        calls.append("old")
        release.wait(10)
        return [{"v": 1}]

    old = threading.Thread(target=flights.run, args=("k", 1, slow, _copy))
    old.start()
    _wait_for(lambda: flights._flying.get("k") is not None)
    newer = flights.run("k", 2, lambda: calls.append("new") or [{"v": 2}], _copy)
    release.set()
    old.join(10)
    assert newer == [{"v": 2}]
    assert calls == ["old", "new"]
    assert flights.shared == 0


def test_a_failed_computation_is_not_shared():
    flights, calls = Flights(), []

    def failing():
        calls.append(1)
        raise RuntimeError("rollup table gone")

    results = _run_together(flights, "pages", 3, failing, waiters=2)
    assert len(calls) == 3  # each waiter tried by itself
    assert all(isinstance(r, RuntimeError) for r in results)
    assert flights.shared == 0
    assert flights._flying == {}


def test_a_rollup_failure_answers_none_to_the_leader_and_the_flight_is_gone():
    flights = Flights()
    assert flights.run("k", 1, lambda: None, lambda rows: None if rows is None else _copy(rows)) is None
    assert flights._flying == {}


def test_while_one_computes_the_others_take_the_recent_answer_at_once():
    flights, calls = Flights(), []
    release = threading.Event()

    def slow():
        calls.append(1)
        release.wait(10)
        return [{"visitors": 11}]

    leader = threading.Thread(target=flights.run, args=("k", 2, slow, _copy))
    leader.start()
    _wait_for(lambda: flights._flying.get("k") is not None)
    previous = [{"visitors": 10}]
    answers = [flights.run("k", 2, slow, _copy, lambda: previous) for _ in range(3)]  # the leader still blocks
    release.set()
    leader.join(10)
    assert answers == [[{"visitors": 10}]] * 3
    assert all(a is not previous for a in answers)
    assert calls == [1]
    assert flights.recent == 3
    assert flights.run("k", 3, lambda: [{"visitors": 12}], _copy, lambda: previous) == [{"visitors": 12}]  # alone
