"""Benchmark the OpenElections import against merely parsing the same file with ``csv``.

    python -m tests.bench.import_bench [--rows 1000000] [--seed 2020] [--repeat 3]     (``make bench``)

It generates (once, into ``.bench/``) a realistic Georgia precinct file (``tests/bench/generate.py``),
times ``csv.reader`` and ``csv.DictReader`` over it, then imports it in a child process that does
nothing else, into a fresh database: a temporary SQLite file by default, or, when ``DATABASE_URL``
names a PostgreSQL server, a new database on it (dropped afterwards). It prints rows per second, the
ratio of the import's time to the bare parse (``csv.DictReader``: the least an importer that reads
columns by name does) and the child's peak memory (max RSS, from ``wait4``). Each measurement is
run ``--repeat`` times and the fastest run counts, for both sides of the ratio (as ``timeit``
does: on a shared machine the slower runs measure the neighbours, not the code).

Targets: the import at most 4× the bare parse; peak memory under 300 MB.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.scratch import ROOT, FreshDatabase

BENCH_DIR = ROOT / ".bench"
TARGET_RATIO = 4.0
TARGET_RSS_MB = 300


def parse_seconds(path: Path, reader: type) -> float:
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as lines:
        for _ in reader(lines):
            pass
    return time.perf_counter() - start


def run(command: list[str], env: dict[str, str]) -> tuple[str, float]:
    """Run a child; return its output and its peak resident memory in MB (Linux: ru_maxrss is KiB)."""
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode})")
    return output, usage.ru_maxrss / 1024


def child(path: Path) -> None:
    """The measured import (run in its own process so its memory is its own)."""
    import datetime

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection

    from elections.importers.openelections import import_openelections_csv

    start = time.perf_counter()
    with path.open("rb") as source:
        summary = import_openelections_csv(
            source=source,
            file_name=path.name,
            election_name="2020 General (benchmark)",
            date=datetime.date(2020, 11, 3),
            kind="general",
        )
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "vendor": connection.vendor,
                "rows": summary.row_count,
                "results": summary.result_count,
                "contests": summary.contest_count,
                "candidates": summary.candidate_count,
                "skipped": summary.skipped_rows,
            }
        )
    )


def runs(seconds: list[float]) -> str:
    return ", ".join(f"{run:.2f}" for run in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the OpenElections import against a bare csv parse.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each measurement; the fastest counts (default 3)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return

    from tests.bench.generate import write

    path = write(BENCH_DIR / f"ga-precincts-{options.rows}-{options.seed}.csv", options.rows, options.seed)
    size_mb = path.stat().st_size / 1e6
    repeat = max(options.repeat, 1)
    reader_runs = [parse_seconds(path, csv.reader) for _ in range(repeat)]
    dict_runs = [parse_seconds(path, csv.DictReader) for _ in range(repeat)]
    imports = []
    for _ in range(repeat):
        with FreshDatabase(os.environ.get("DATABASE_URL")) as url:
            output, peak_mb = run(
                [sys.executable, "-m", "tests.bench.import_bench", "--child", str(path)],
                {**os.environ, "DATABASE_URL": url},
            )
        imports.append((json.loads(output.strip().splitlines()[-1]), peak_mb))
    reader_seconds, dict_seconds = min(reader_runs), min(dict_runs)
    figures = min((figures for figures, _ in imports), key=lambda figures: figures["seconds"])
    import_runs = [figures["seconds"] for figures, _ in imports]
    seconds = min(import_runs)
    peak_mb = max(peak for _, peak in imports)
    ratio = seconds / dict_seconds
    print(f"file               {path.relative_to(ROOT)} ({figures['rows']:,} rows, {size_mb:,.1f} MB)")
    print(f"database           {figures['vendor']}")
    print(
        f"imported           {figures['results']:,} results, {figures['contests']} contests, "
        f"{figures['candidates']} candidates, {figures['skipped']:,} rows skipped"
    )
    print(f"runs               the fastest of {repeat} of each (all runs in brackets)")
    print(f"csv.reader         {reader_seconds:7.2f} s   [{runs(reader_runs)}]")
    print(f"csv.DictReader     {dict_seconds:7.2f} s   [{runs(dict_runs)}]   (the bare parse)")
    print(f"import             {seconds:7.2f} s   [{runs(import_runs)}]   {figures['rows'] / seconds:,.0f} rows/s")
    print(
        f"ratio              {ratio:7.2f} × the bare parse ({seconds / reader_seconds:.2f} × csv.reader)"
        f"   target ≤ {TARGET_RATIO:g}×: {'met' if ratio <= TARGET_RATIO else 'MISSED'}"
    )
    print(
        f"peak memory        {peak_mb:7.1f} MB (max RSS of the importing process, highest run)"
        f"   target < {TARGET_RSS_MB} MB: {'met' if peak_mb < TARGET_RSS_MB else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
