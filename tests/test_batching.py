"""Batched calls: items that arrive while a batch runs go together in the next, each caller gets
its own result, and a failure reaches only the callers of its batch."""

from __future__ import annotations

import asyncio
import threading

import pytest

from newsbot.batching import Batched


class Squares:
    """A blocking call_many that holds each batch until released, recording the batches."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        self.release.wait(5)
        if any(item < 0 for item in items):
            raise ValueError("negative")
        return [item * item for item in items]


async def _gather_while_first_runs(batched: Batched[int, int], squares: Squares, items: list[int]) -> list[object]:
    first = asyncio.ensure_future(batched(items[0]))
    while not squares.batches:  # the first item is running on its own
        await asyncio.sleep(0.001)
    rest = [asyncio.ensure_future(batched(item)) for item in items[1:]]
    await asyncio.sleep(0.01)
    squares.release.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


def test_a_lone_item_goes_at_once_and_later_arrivals_go_together() -> None:
    squares = Squares()
    batched = Batched(squares, max_batch=4)
    results = asyncio.run(_gather_while_first_runs(batched, squares, list(range(1, 11))))
    assert results == [item * item for item in range(1, 11)]
    assert squares.batches == [[1], [2, 3, 4, 5], [6, 7, 8, 9], [10]]


def test_a_failed_batch_fails_only_its_callers() -> None:
    squares = Squares()
    batched = Batched(squares, max_batch=3)
    results = asyncio.run(_gather_while_first_runs(batched, squares, [1, 2, -3, 4, 5]))
    assert results[0] == 1
    assert all(isinstance(result, ValueError) for result in results[1:4])  # the batch [2, -3, 4]
    assert results[4] == 25
    assert squares.batches == [[1], [2, -3, 4], [5]]


def test_a_caller_that_left_is_not_computed_for() -> None:
    squares = Squares()
    batched = Batched(squares, max_batch=8)

    async def run() -> list[object]:
        first = asyncio.ensure_future(batched(1))
        while not squares.batches:
            await asyncio.sleep(0.001)
        gone, stays = asyncio.ensure_future(batched(2)), asyncio.ensure_future(batched(3))
        await asyncio.sleep(0.01)
        gone.cancel()
        squares.release.set()
        return list(await asyncio.gather(first, stays))

    assert asyncio.run(run()) == [1, 9]
    assert squares.batches == [[1], [3]]


def test_each_event_loop_has_its_own_queue() -> None:
    squares = Squares()
    squares.release.set()
    batched = Batched(squares)
    assert asyncio.run(batched(2)) == 4
    assert asyncio.run(batched(3)) == 9  # a new loop: the first loop's runner is gone with it


def test_a_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Batched(Squares(), max_batch=0)
