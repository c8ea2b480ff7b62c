"""Bounded memory for `clearanalytics import`: an external merge sort of the checked lines.

An import must run its lines in time order (ties in file order), as they would have arrived.
Holding every line to sort them cost ~1.6 KB per line (3.2 GB for 2 M lines), so instead:

1. the lines are checked as they are read and buffered; every CHUNK_LINES lines the buffer is
   sorted and written as a "run" (blocks of pickled lines) into a scratch directory in the
   data dir, one run per owner (the worker that will import those lines);
2. each owner merges its runs (heapq.merge) and feeds the pipeline from that stream. A merge
   holds one block per run; more than MAX_FAN_IN runs are first merged into bigger runs, so
   the memory held stays bounded for any file size.

The merged order is exactly the order of sorting everything in memory, so the stored rows are
the same as before. A file that fits in one chunk never touches the disk.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

CHUNK_LINES = 20_000  # lines a reader holds before it sorts them into runs (~25 MB)
BLOCK_LINES = 100  # lines per pickled block; a merge holds one block of each run it reads
MAX_FAN_IN = 128  # runs merged at once (2 M lines on 2 workers make 100 per worker); beyond, merges of merges

Record = tuple[datetime, int, dict, str, str]  # (timestamp, line number, payload, ip, user agent)


class Held:
    """How many checked lines this process holds in buffers and blocks: now and at most.

    A count, not a memory measure: a test asserts the bound without timing or RSS.
    """

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def add(self, count: int) -> None:
        self.now += count
        if self.now > self.peak:
            self.peak = self.now

    def drop(self, count: int) -> None:
        self.now -= count


HELD = Held()


class Spiller:
    """Buffers checked lines per owner and writes sorted runs when CHUNK_LINES are held.

    `directory` is called the first time a run is written, so a small import needs no
    scratch directory at all.
    """

    def __init__(self, directory: Callable[[], Path], name: str, owners: int):
        self.directory = directory
        self.name = name
        self.buffers: list[list[Record]] = [[] for _ in range(owners)]
        self.runs: list[list[Path]] = [[] for _ in range(owners)]
        self.held = 0
        self._numbers = itertools.count()

    def add(self, owner: int, record: Record) -> None:
        self.buffers[owner].append(record)
        self.held += 1
        HELD.add(1)
        if self.held >= CHUNK_LINES:
            self.flush()

    def flush(self) -> None:
        """Every buffer to a sorted run on disk."""
        for owner, buffer in enumerate(self.buffers):
            if buffer:
                buffer.sort()  # line numbers are unique: the payloads are never compared
                path = self.directory() / f"{self.name}-{owner}-{next(self._numbers)}.run"
                write_run(path, buffer)
                self.runs[owner].append(path)
                self.buffers[owner] = []
        HELD.drop(self.held)
        self.held = 0

    def discard(self) -> None:
        """Let go of the buffered lines (the import is going another way)."""
        self.buffers = [[] for _ in self.buffers]
        HELD.drop(self.held)
        self.held = 0

    def records(self, owner: int) -> Iterator[Record]:
        """The owner's lines in time order: straight from memory if nothing was spilled."""
        if not self.runs[owner]:
            return _sorted_buffer(self, owner)
        self.flush()
        return merged(self.runs[owner], self.directory())


def _sorted_buffer(spiller: Spiller, owner: int) -> Iterator[Record]:
    buffer = spiller.buffers[owner]
    spiller.buffers[owner] = []
    buffer.sort()
    try:
        yield from buffer
    finally:
        HELD.drop(len(buffer))
        spiller.held -= len(buffer)


def write_run(path: Path, records: Iterable[Record]) -> None:
    """Blocks of BLOCK_LINES pickled lines (counted as held while in the block)."""
    with path.open("wb") as fh:
        block: list[Record] = []
        for record in records:
            block.append(record)
            if len(block) >= BLOCK_LINES:
                _dump(block, fh)
                block = []
        if block:
            _dump(block, fh)


def _dump(block: list[Record], fh: Any) -> None:
    HELD.add(len(block))
    pickle.dump(block, fh, protocol=pickle.HIGHEST_PROTOCOL)
    HELD.drop(len(block))


def read_run(path: Path) -> Iterator[Record]:
    """A run's lines, one block in memory at a time."""
    with path.open("rb") as fh:
        while True:
            try:
                block: list[Any] = pickle.load(fh)  # noqa: S301 - our own file, in our own scratch directory
            except EOFError:
                return
            HELD.add(len(block))
            try:
                yield from block
            finally:
                HELD.drop(len(block))


def merged(runs: list[Path], directory: Path) -> Iterator[Record]:
    """The runs' lines in one sorted stream, reading at most MAX_FAN_IN runs at once."""
    runs = list(runs)
    numbers = itertools.count()
    while len(runs) > MAX_FAN_IN:
        group, runs = runs[:MAX_FAN_IN], runs[MAX_FAN_IN:]
        path = directory / f"merged-{group[0].stem}-{next(numbers)}.run"
        write_run(path, heapq.merge(*(read_run(run) for run in group)))
        for run in group:
            run.unlink()
        runs.append(path)
    return heapq.merge(*(read_run(run) for run in runs))


def runs_of(directory: Path, owner: int) -> list[Path]:
    """The runs every reader wrote for `owner` (named `run<reader>-<owner>-<n>.run` by their Spiller)."""
    return sorted(path for path in directory.glob("run*.run") if path.stem.split("-")[1] == str(owner))
