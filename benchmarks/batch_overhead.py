"""Batch bookkeeping overhead: how much a manifest of many jobs costs beyond the jobs' own work.

    python benchmarks/batch_overhead.py [--jobs 1000 10000] [--workdir DIR] [--local N]

For each count, writes that many tiny voice stems (0.2 s of silence, each its own file, so that
each is hashed) and a CSV manifest, then measures in this process, in CPU seconds:

- ``read``: reading and checking the manifest (every row, every path);
- ``batch``: :func:`lipsync.batch.run_batch` with an executor that returns a finished job's
  result at once (the result of one real job, computed first), so that what is measured is the
  batch's own work: planning (hashing every input, reading the journal), writing every output
  and journal entry, the reports;
- ``rerun``: the same batch again, where every job is up to date (hashing and checking only).

With ``--local N`` it also runs the largest manifest for real on N local worker processes and
reports the parent process's CPU seconds (the workers do the jobs), to show the same overhead
with real workers. The overhead must grow linearly with the number of jobs: the per-job figures
of the different counts should agree.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class InstantExecutor:
    """Returns ``result`` for every job at once: the batch's bookkeeping without the analysis."""

    workers = 1

    def __init__(self, result: dict) -> None:
        self.result = result

    def describe(self) -> str:
        return "instant"

    def run(self, specs, on_event):
        for spec in specs:
            character = spec["character"]
            episode = spec["episode"]
            outputs = [[f"{episode}/{character}{path[path.index('.'):]}", data]
                       for path, data in self.result["outputs"]]
            yield spec["id"], {**self.result, "outputs": outputs}

    def close(self) -> None:
        pass


def make_manifest(folder: Path, count: int) -> Path:
    audio = folder / "audio"
    audio.mkdir(parents=True, exist_ok=True)
    silence = np.zeros(3200, np.float32)
    rows = ["audio,episode,character"]
    for number in range(count):
        path = audio / f"stem{number:05d}.wav"
        if not path.exists():
            sf.write(path, silence + np.float32(number % 7) * 0, 16000, subtype="PCM_16")
            with open(path, "ab") as stream:  # distinct contents, so every file hashes differently
                stream.write(number.to_bytes(4, "little"))
        rows.append(f"{path},E{number // 100:03d},C{number % 100:02d}")
    manifest = folder / f"manifest-{count}.csv"
    manifest.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--local", type=int, default=0, help="also run the largest manifest on N local workers")
    args = parser.parse_args()
    from lipsync.batch import Defaults, read_manifest, run_batch
    from lipsync.batch.worker import execute

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lipsync-batch-overhead-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"workdir {workdir}")
    print(f"{'jobs':>7} {'read s':>8} {'batch s':>8} {'rerun s':>8} {'ms/job':>7}  (CPU seconds of this process)")
    for count in args.jobs:
        manifest = make_manifest(workdir, count)
        started = cpu()
        jobs = read_manifest(manifest, Defaults())
        read = cpu() - started
        from dataclasses import asdict

        result = execute({**asdict(jobs[0]), "key": "x"})
        assert result["status"] == "done", result
        out = workdir / f"out-{count}"
        started = cpu()
        report = run_batch(jobs, out, InstantExecutor(result))
        batch = cpu() - started
        assert report.counts["done"] == count, report.counts
        started = cpu()
        report = run_batch(jobs, out, InstantExecutor(result))
        rerun = cpu() - started
        assert report.counts["up-to-date"] == count, report.counts
        print(f"{count:>7} {read:>8.2f} {batch:>8.2f} {rerun:>8.2f} {1000 * (read + batch) / count:>7.2f}")
        sys.stdout.flush()
    if args.local:
        from lipsync.batch.executors import LocalExecutor

        count = max(args.jobs)
        manifest = make_manifest(workdir, count)
        out = workdir / f"out-local-{count}"
        started, wall = cpu(), time.perf_counter()
        report = run_batch(read_manifest(manifest, Defaults()), out, LocalExecutor(args.local))
        print(f"local, {args.local} workers, {count} jobs: parent {cpu() - started:.1f} CPU s, "
              f"wall {time.perf_counter() - wall:.1f} s, {report.counts}")


if __name__ == "__main__":
    main()
