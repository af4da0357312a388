"""The critical path of an analysis over worker processes: what bounds ``--jobs N`` on N idle cores.

    python benchmarks/critical_path.py TRACE analyze AUDIO [lipsync options...]

runs ``lipsync analyze`` (any lipsync command) with a trace written to ``TRACE``: the main
process's CPU seconds (all its threads, and its main thread's own), its main thread's inside
each call of ``lipsync.recognize.chunks.run_chunks`` (which hands chunks to the workers), and
each chunk's CPU seconds in whichever process ran it, in the order the chunks started.
:func:`critical_path` turns a trace into the time the analysis needs on N idle cores: the main
thread's work outside those calls (start-up, planning, the refinements after the alignment,
animation, writing) runs alone; the chunks of each call are dealt to N workers in the order
they started, each taking the next chunk when it is free, so a call lasts as long as its
busiest worker; the rest is shared among the N cores: the main thread's work during the calls,
the workers' start-up and exit, and the main process's other threads (the audio decoded in the
background, which runs beside the main thread's start-up: counted as shared, it adds half its
time on two cores, between none when the main thread has as much to do meanwhile and all of
it when the main thread only waits for it). The 1-job CPU time over that is the speed-up
``--jobs N`` can reach on an otherwise idle machine: a bound computed from CPU seconds, which a
busy machine changes much less than wall time.

Workers are traced when they are forked from the main process (the default on Linux); spawned
workers are not, and their chunks are then missing from the trace (:attr:`Trace.traced`).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Installed in the traced process before lipsync's command line runs (see the module docstring).
_HOOKS = """
import atexit, json, os, resource, sys, time
import lipsync.recognize.chunks as chunks

trace = sys.argv.pop(1)
state = {"call": 0}
calls = []

def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime

process_original = chunks.process_chunk
def process_chunk(chunk):
    started, before = time.perf_counter(), cpu()
    try:
        return process_original(chunk)
    finally:
        with open(trace + ".chunks", "a") as out:
            out.write(json.dumps([state["call"], os.getpid(), started, cpu() - before]) + "\\n")
process_chunk.__module__, process_chunk.__qualname__ = chunks.__name__, "process_chunk"

run_original = chunks.run_chunks
def run_chunks(*args, **kwargs):
    state["call"] += 1
    before = time.thread_time()
    try:
        return run_original(*args, **kwargs)
    finally:
        calls.append([state["call"], time.thread_time() - before, len(args[0]) if args else len(kwargs["chunks"]),
                      before])

import lipsync.recognize  # noqa: F401 - every module that took run_chunks by name is loaded
for module in list(sys.modules.values()):
    if getattr(module, "__name__", "").startswith("lipsync"):
        for name, value in list(vars(module).items()):
            if value is run_original:
                setattr(module, name, run_chunks)
chunks.process_chunk = process_chunk

def written():
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(trace, "w") as out:
        json.dump({"pid": os.getpid(), "cpu": cpu(), "thread": time.thread_time(),
                   "children": children.ru_utime + children.ru_stime, "calls": calls}, out)
atexit.register(written)
sys.argv[0] = "lipsync"
import runpy
runpy.run_module("lipsync", run_name="__main__")
"""


@dataclass(frozen=True)
class Call:
    """One call of ``run_chunks``: the main thread's CPU seconds during it (less the chunks it
    ran itself) and its chunks' CPU seconds in the order they started."""

    main_cpu: float
    chunks: tuple[float, ...]


@dataclass(frozen=True)
class Trace:
    """A traced analysis: the main process's CPU seconds in all, its child processes' (the
    workers, all of their CPU), the calls handing out chunks, the CPU seconds of the chunks
    the main process ran itself (with one job), its main thread's CPU seconds (by default
    all of the main process's) and those it had spent when the first chunks were handed out."""

    main_cpu: float
    children: float
    calls: tuple[Call, ...]
    chunks_in_main: float = 0.0
    main_thread: float | None = None
    #: the main thread's CPU seconds when it first handed out chunks (None: not traced)
    before_workers: float | None = None

    @property
    def chunk_cpu(self) -> float:
        return sum(sum(call.chunks) for call in self.calls)

    @property
    def thread(self) -> float:
        return self.main_cpu if self.main_thread is None else self.main_thread

    @property
    def outside(self) -> float:
        """The main thread's CPU seconds outside the calls: what runs alone."""
        return self.thread - sum(call.main_cpu for call in self.calls) - self.chunks_in_main

    @property
    def shared(self) -> float:
        """CPU seconds spread over the cores: the main thread's own work during the calls, the
        main process's other threads, and the workers' outside their chunks (start-up, exit)."""
        in_workers = self.chunk_cpu - self.chunks_in_main
        return (sum(call.main_cpu for call in self.calls) + (self.main_cpu - self.thread)
                + max(0.0, self.children - in_workers))

    @property
    def total(self) -> float:
        return self.main_cpu + self.children


def read_trace(path: Path) -> Trace:
    """The trace a run of this module wrote to ``path``; ValueError when chunks were handed
    out but not traced (workers that were not forked from the main process)."""
    main = json.loads(path.read_text())
    chunks_file = path.with_name(path.name + ".chunks")
    records = [json.loads(line) for line in chunks_file.read_text().splitlines()] if chunks_file.exists() else []
    if len(records) < sum(call[2] for call in main["calls"]):
        raise ValueError("chunks were not traced: the workers were not forked from the main process")
    in_main = {number: 0.0 for number, *_ in main["calls"]}
    for number, pid, _, cpu in records:
        if pid == main["pid"]:
            in_main[number] += cpu
    calls = tuple(Call(main_cpu - in_main[number],
                       tuple(cpu for _, _, _, cpu in sorted((r for r in records if r[0] == number), key=lambda r: r[2])))
                  for number, main_cpu, *_ in main["calls"])
    first = main["calls"][0][3] if main["calls"] and len(main["calls"][0]) > 3 else None
    return Trace(main["cpu"], main["children"], calls, sum(in_main.values()), main.get("thread"), first)


def makespan(costs: Sequence[float], workers: int) -> float:
    """How long ``workers`` take for chunks of ``costs`` handed out in order, each worker taking
    the next chunk when it is free.

    >>> makespan([1.0, 1.0, 1.0], 2), makespan([3.0, 1.0, 1.0, 1.0], 2), makespan([1.0, 1.0, 1.0, 3.0], 2)
    (2.0, 3.0, 4.0)
    """
    free = [0.0] * max(1, workers)
    for cost in costs:
        soonest = free.index(min(free))
        free[soonest] += cost
    return max(free)


def critical_path(trace: Trace, workers: int) -> float:
    """Seconds the traced analysis needs on ``workers`` idle cores (see the module docstring).

    >>> trace = Trace(main_cpu=2.4, children=8.4, calls=(Call(0.2, (3.0, 3.0, 1.0, 1.0)),), main_thread=2.2)
    >>> round(critical_path(trace, 2), 2)  # 2.0 alone + 4.0 for the chunks + (0.2 + 0.2 + 0.4) / 2 shared
    6.4
    >>> one = Trace(main_cpu=10.2, children=0.0, calls=(Call(0.2, (3.0, 3.0, 1.0, 1.0)),), chunks_in_main=8.0)
    >>> round(critical_path(one, 1), 2)
    10.2
    """
    return (trace.outside + sum(makespan(call.chunks, workers) for call in trace.calls)
            + trace.shared / max(1, workers))


def summary(trace: Trace, workers: int, one_job: float) -> str:
    """The trace's figures in one line: the main thread's work alone, the chunks, and the
    critical path on ``workers`` idle cores with the speed-up over ``one_job`` CPU seconds it
    allows (and over this run's own CPU seconds, which the load of a busy machine moves less
    than it moves one run against another)."""
    chunks = [cost for call in trace.calls for cost in call.chunks]
    path = critical_path(trace, workers)
    before = "" if trace.before_workers is None else f" ({trace.before_workers:.2f} before the workers start)"
    return (f"main thread alone {trace.outside:.2f} CPU s{before}, shared {trace.shared:.2f}, {len(chunks)} chunks "
            f"{trace.chunk_cpu:.2f} CPU s (largest {max(chunks, default=0.0):.2f}); critical path on {workers} "
            f"idle cores {path:.2f} s: at most {one_job / path:.2f}x 1 job ({trace.total / path:.2f}x with this "
            "run's own CPU seconds for 1 job's)")


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    exec(compile(_HOOKS, "critical_path hooks", "exec"), {"__name__": "critical_path_hooks"})


if __name__ == "__main__":
    main()
