"""The heap settings a Dask job runs with (see lipsync.batch.executors.default_heap)."""

from __future__ import annotations

import pytest

from lipsync.batch import executors


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mallopt(self, option: int, value: int) -> int:
        self.calls.append(("mallopt", option, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


def test_a_dask_workers_frozen_heap_is_default_during_jobs_and_restored_after(monkeypatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(executors, "_glibc", lambda: libc)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    with executors.default_heap():
        with executors.default_heap():  # two jobs at once in one worker: set once, restored once
            assert libc.calls == [("mallopt", -3, 32 << 20), ("mallopt", -1, 64 << 20)]
        assert len(libc.calls) == 2
    assert libc.calls[2:] == [("mallopt", -3, 128 << 10), ("mallopt", -1, 65536), ("malloc_trim", 0)]
    assert executors._heap_jobs == 0


def test_default_heap_leaves_an_unfrozen_heap_alone(monkeypatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(executors, "_glibc", lambda: libc)
    for name in executors._FREEZING:
        monkeypatch.delenv(name, raising=False)
    with executors.default_heap():
        pass
    assert libc.calls == []


def test_the_heap_is_restored_when_a_job_raises(monkeypatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(executors, "_glibc", lambda: libc)
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with pytest.raises(RuntimeError), executors.default_heap():
        raise RuntimeError("boom")
    assert libc.calls[-1] == ("malloc_trim", 0) and executors._heap_jobs == 0


def test_run_dask_job_gives_what_the_worker_gives(monkeypatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # the real glibc, if there is one
    spec = {"id": "E01/dialogue", "problem": "no audio file matches E01"}
    result = executors.run_dask_job(spec)
    assert result["status"] == "failed" and result["error"] == "no audio file matches E01"
    assert executors._heap_jobs == 0
