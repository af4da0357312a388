"""Where jobs run: local worker processes, or a Dask distributed cluster, behind one interface.

Both run :func:`lipsync.batch.worker.execute` on each job and yield ``(job id, result)`` as
jobs finish; the results are the same bytes whichever executor ran them. A worker that dies
(killed, out of memory, crashed) fails only the jobs it was running: the local executor
starts new workers and retries those jobs once; Dask reschedules them itself.
"""

from __future__ import annotations

import os
import queue as queues
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from ..errors import SchedulerError

Spec = dict[str, Any]
OnEvent = Callable[[dict[str, Any]], None]
_POLL = 0.2


class LocalExecutor:
    """``jobs`` worker processes on this machine (spawned fresh, so nothing is inherited)."""

    retries = 1

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self._pool: Any = None

    def describe(self) -> str:
        return f"{self.jobs} local worker process{'es' if self.jobs != 1 else ''}"

    @property
    def workers(self) -> int:
        return self.jobs

    def run(self, specs: Sequence[Spec], on_event: OnEvent) -> Iterator[tuple[str, dict[str, Any]]]:
        import multiprocessing
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        from .worker import init_local, run_local

        if not specs:
            return
        context = multiprocessing.get_context("spawn")
        events = context.Queue()
        attempts = {spec["id"]: 0 for spec in specs}
        running: set[str] = set()

        def note(event: dict[str, Any]) -> None:
            if event.get("event") == "job-start":
                running.add(event.get("job"))
            on_event(event)

        waiting = list(specs)
        try:
            while waiting:
                self._pool = ProcessPoolExecutor(max_workers=min(self.jobs, len(waiting)), mp_context=context,
                                                 initializer=init_local, initargs=(events,))
                futures = {self._pool.submit(run_local, spec): spec for spec in waiting}
                waiting = []
                pending = set(futures)
                broken = False
                while pending:
                    done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                    _drain(events, note)
                    for future in sorted(done, key=lambda f: futures[f]["id"]):
                        spec = futures[future]
                        try:
                            result = future.result()
                        except BrokenProcessPool:
                            broken = True
                            if spec["id"] in running:  # it was running when its worker died
                                attempts[spec["id"]] += 1
                            running.discard(spec["id"])
                            if attempts[spec["id"]] > self.retries:
                                yield spec["id"], _died(spec)
                            else:
                                waiting.append(spec)
                            continue
                        except Exception as error:  # noqa: BLE001 - e.g. unpicklable result
                            result = {"status": "failed", "error": f"worker error: {type(error).__name__}: {error}"}
                        running.discard(spec["id"])
                        yield spec["id"], result
                _drain(events, note)
                self._pool.shutdown(wait=not broken, cancel_futures=True)
                self._pool = None
                waiting.sort(key=lambda spec: spec["id"])
        finally:
            self.close()
            events.close()

    def close(self) -> None:
        """Stop the workers now (after Ctrl-C): their jobs count as not run."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)


def _died(spec: Spec) -> dict[str, Any]:
    return {"status": "failed", "error": "the worker process died while running this job (killed, out of memory "
                                         "or crashed), twice",
            "hint": "check the audio file; run it alone with lipsync analyze to see what happens"}


def _drain(events: Any, on_event: OnEvent) -> None:
    while True:
        try:
            event = events.get_nowait()
        except (queues.Empty, OSError, ValueError, EOFError):
            return
        on_event(event)


class DaskExecutor:
    """Jobs on a Dask distributed cluster: ``address`` (``tcp://host:8786``) or a scheduler
    file. The workers need lipsync installed and the audio and scripts at the same paths."""

    def __init__(self, address: str, timeout: float = 10.0) -> None:
        self.address = address
        try:
            from distributed import Client
        except ImportError:
            raise SchedulerError("--scheduler needs dask.distributed, which is not installed",
                                 "pip install 'lipsync[cluster]'") from None
        options: dict[str, Any] = {"timeout": f"{timeout}s", "set_as_default": False}
        if os.path.isfile(address):
            options["scheduler_file"] = address
            target = None
        elif "://" in address or ":" in address:
            target = address if "://" in address else f"tcp://{address}"
        else:
            raise SchedulerError(f"--scheduler {address!r} is neither an address nor a scheduler file",
                                 "pass tcp://HOST:PORT or the path of the scheduler's JSON file")
        try:
            self.client = Client(target, **options) if target else Client(**options)
        except (OSError, TimeoutError, ValueError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {reason}",
                                 "start it (dask scheduler; dask worker ADDRESS) or check the address") from None
        self._futures: list[Any] = []

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {}))) if self.client else 1

    def describe(self) -> str:
        return f"Dask cluster at {self.client.scheduler.address} ({self.workers} workers)"

    def run(self, specs: Sequence[Spec], on_event: OnEvent) -> Iterator[tuple[str, dict[str, Any]]]:
        from .worker import TOPIC, run_dask

        if not specs:
            return
        events: queues.Queue[dict[str, Any]] = queues.Queue()
        self.client.subscribe_topic(TOPIC, lambda item: events.put(item[1] if isinstance(item, tuple) else item))
        futures = {}
        for spec in specs:
            future = self.client.submit(run_dask, spec, key=f"lipsync-{spec['key'][:16]}-{len(futures)}", pure=False)
            futures[future] = spec
        self._futures = list(futures)
        pending = set(futures)
        try:
            while pending:
                time.sleep(_POLL)
                _drain(events, on_event)
                for future in sorted((f for f in pending if f.done()), key=lambda f: futures[f]["id"]):
                    pending.discard(future)
                    spec = futures[future]
                    try:
                        result = future.result()
                    except Exception as error:  # noqa: BLE001 - KilledWorker, lost worker, ...
                        name = type(error).__name__
                        result = {"status": "failed", "error": f"the Dask worker failed on this job ({name}: {error})",
                                  "hint": "check the worker's log; the audio and script must be readable "
                                          "at the same paths on every worker"}
                    yield spec["id"], result
            _drain(events, on_event)
        finally:
            try:
                self.client.unsubscribe_topic(TOPIC)
            except Exception:  # noqa: BLE001
                pass

    def close(self) -> None:
        if self._futures:
            try:
                self.client.cancel(self._futures)
            except Exception:  # noqa: BLE001
                pass
            self._futures = []
        self.client.close()
