"""Where jobs run: local worker processes, or a Dask distributed cluster, behind one interface.

Both run :func:`lipsync.batch.worker.execute` on each job and yield ``(job id, result)`` as
jobs finish; the results are the same bytes whichever executor ran them. A worker that dies
(killed, out of memory, crashed) fails only the jobs it was running: the local executor
starts new workers and retries those jobs once; Dask reschedules them itself.
"""

from __future__ import annotations

import contextlib
import os
import queue as queues
import threading
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
                                                 initializer=init_local, initargs=(events, os.getpid()))
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


def _scheduler_file_address(path: str) -> str:
    """The address in a Dask scheduler file (JSON with an ``address``), read as data: one-line
    SchedulerError when it is not one."""
    from ..fileio import parse_json, read_input

    hint = "pass the JSON file 'dask scheduler --scheduler-file FILE' wrote, or tcp://HOST:PORT"
    document = parse_json(read_input(path, "scheduler file", SchedulerError, hint=hint), path, SchedulerError, hint)
    address = document.get("address") if isinstance(document, dict) else None
    if not isinstance(address, str) or "://" not in address or len(address) > 1000:
        raise SchedulerError(f"{path}: not a Dask scheduler file (no \"address\": \"tcp://...\")", hint)
    return address


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
        if os.path.exists(address):
            target = _scheduler_file_address(address)
        elif "://" in address or ":" in address:
            target = address if "://" in address else f"tcp://{address}"
        else:
            raise SchedulerError(f"--scheduler {address!r} is neither an address nor a scheduler file",
                                 "pass tcp://HOST:PORT or the path of the scheduler's JSON file")
        client = Client.__new__(Client)
        try:
            client.__init__(target, timeout=f"{timeout}s", set_as_default=False)
        except Exception as error:  # noqa: BLE001 - whatever answers there (even a length of exabytes,
            # a MemoryError), it is not a scheduler
            client._Client__loop = None  # a client that never started has nothing to close at exit
            reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            if isinstance(error, MemoryError):
                reason = "what answers there does not speak Dask's protocol"
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {reason}",
                                 "start it (dask scheduler; dask worker ADDRESS) or check the address; "
                                 "it must be a Dask scheduler's port, not a web server's") from None
        self.client = client
        self._futures: list[Any] = []

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1).get("workers", {}))) if self.client else 1

    def describe(self) -> str:
        return f"Dask cluster at {self.client.scheduler.address} ({self.workers} workers)"

    def run(self, specs: Sequence[Spec], on_event: OnEvent) -> Iterator[tuple[str, dict[str, Any]]]:
        from .worker import TOPIC

        if not specs:
            return
        events: queues.Queue[dict[str, Any]] = queues.Queue()
        self.client.subscribe_topic(TOPIC, lambda item: events.put(item[1] if isinstance(item, tuple) else item))
        futures = {}
        for spec in specs:
            future = self.client.submit(run_dask_job, spec, key=f"lipsync-{spec['key'][:16]}-{len(futures)}", pure=False)
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


# ----------------------------------------------------------------------------------------------
# The heap of a Dask worker during a job
#
# Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536 (distributed.nanny.pre-spawn-environ)
# so that freed memory goes back to the system at once. Setting any of these variables also
# freezes glibc's mmap threshold at 128 KiB (it normally rises to the size of the largest freed
# block, up to 32 MiB): every numpy temporary and decoder buffer above 128 KiB is then a fresh
# mmap whose pages fault in zeroed, and is unmapped again when freed. Measured on 2 x 12-minute
# episodes: ~120,000 page faults per job instead of ~15,000 in a local worker, and 7 % more
# time per job (more with longer episodes). During a job the worker's heap behaves as glibc's
# default does in a local worker; after it the worker's settings are back and the freed memory
# is returned to the system, as Dask intends.

_FREEZING = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TOP_PAD_")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_JOB_MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's ceiling for its dynamic threshold on 64-bit
_JOB_TRIM_THRESHOLD = 2 * _JOB_MMAP_THRESHOLD  # what glibc pairs with it
_heap_lock = threading.Lock()
_heap_jobs = 0


def _glibc() -> Any:
    import ctypes
    import ctypes.util
    import platform

    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def _env_bytes(name: str, default: int) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        return default


@contextlib.contextmanager
def default_heap() -> Iterator[None]:
    """Run the body with glibc's default large-allocation behaviour if this process's malloc
    variables froze it (a Dask worker); a no-op elsewhere. Safe with several jobs at once in one
    process: the worker's settings come back when the last one ends."""
    global _heap_jobs
    libc = _glibc() if any(name in os.environ for name in _FREEZING) else None
    if libc is None:
        yield
        return
    with _heap_lock:
        _heap_jobs += 1
        if _heap_jobs == 1:
            libc.mallopt(_M_MMAP_THRESHOLD, _JOB_MMAP_THRESHOLD)
            libc.mallopt(_M_TRIM_THRESHOLD, _JOB_TRIM_THRESHOLD)
    try:
        yield
    finally:
        with _heap_lock:
            _heap_jobs -= 1
            if _heap_jobs == 0:
                libc.mallopt(_M_MMAP_THRESHOLD, _env_bytes("MALLOC_MMAP_THRESHOLD_", 128 * 1024))
                libc.mallopt(_M_TRIM_THRESHOLD, _env_bytes("MALLOC_TRIM_THRESHOLD_", 128 * 1024))
                libc.malloc_trim(0)


def run_dask_job(spec: Spec) -> dict[str, Any]:
    """What a Dask worker runs for one job: :func:`lipsync.batch.worker.run_dask` on a default heap."""
    from .worker import run_dask

    with default_heap():
        return run_dask(spec)
