"""Benchmark the OpenElections import against its floors: the bare parse, and on PostgreSQL a raw ``COPY``.

    python -m tests.bench.import_bench [--rows 1000000] [--seed 2020] [--repeat 3]     (``make bench``)

It generates (once, into ``.bench/``) a realistic Georgia precinct file (``tests/bench/generate.py``),
times ``csv.reader`` and ``csv.DictReader`` over it, then imports it in a child process that does
nothing else, into a fresh database: a temporary SQLite file by default, or, when ``DATABASE_URL``
names a PostgreSQL server, a new database on it (dropped afterwards). Each import gets a fresh
database. The child's peak memory is its max RSS (from ``wait4``).

On PostgreSQL it also measures the database's own floor, in a second child process run after the
last import, in that import's database (so the same server, table, keys and rows):

1. ``COPY elections_result (every column but id) TO STDOUT`` into memory: exactly the rows the
   import wrote, in text format (untimed).
2. ``TRUNCATE elections_result`` in a transaction of its own, committed (untimed). That leaves the
   table, its indexes and constraints as the import found them: empty, never filled. The foreign
   keys stay: they are checked by row triggers on ``elections_result`` when a row is inserted, however
   the table was emptied. (A ``DELETE`` would leave dead rows and index entries behind for the
   ``COPY`` to step over, and the truncation is committed first because a ``COPY`` into a table
   truncated in the same transaction may skip work the import cannot.)
3. Timed: one transaction that sets the table's deferrable foreign keys ``IMMEDIATE`` (as the importer
   does: checked at the end of the statement, not queued until commit), runs one
   ``COPY elections_result (…) FROM STDIN`` of those rows, written in 1 MiB pieces, and commits. The
   keys are checked by the database, row triggers included; nothing is disabled.

Steps 2 and 3 run ``--repeat`` times and the fastest counts (the truncation between runs makes each
run start from the same empty table; no ``VACUUM`` or ``ANALYZE`` is needed after it).

It prints rows per second, the ratio of the import's time to the raw ``COPY`` (PostgreSQL) and to
the bare parse (``csv.DictReader``: the least an importer that reads columns by name does), and the
import's peak memory, each against its target; the last lines hold the ratios. Each measurement is
run ``--repeat`` times and the fastest run counts, for both sides of each ratio (as ``timeit``
does: on a shared machine the slower runs measure the neighbours, not the code).

Targets: on PostgreSQL the import at most 1.3× the raw ``COPY``; on SQLite at most 4× the bare
parse; peak memory at most 300 MB on both.
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
TARGET_PARSE_RATIO = 4.0  # SQLite: import ÷ csv.DictReader
TARGET_COPY_RATIO = 1.3  # PostgreSQL: import ÷ raw COPY of the same rows
TARGET_RSS_MB = 300
COPY_PIECE = 1 << 20  # bytes per write of the raw COPY


def parse_seconds(path: Path, reader: type) -> float:
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as lines:
        for _ in reader(lines):
            pass
    return time.perf_counter() - start


def run(command: list[str], env: dict[str, str]) -> tuple[dict, float]:
    """Run a child; its last line of output (JSON) and its peak resident memory in MB (ru_maxrss: KiB)."""
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode})")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def child(path: Path) -> None:
    """The measured import (run in its own process so its memory is its own)."""
    import datetime

    setup_django()
    from django.db import connection

    from elections.importers.returns import ElectionDetails, gather_sources, import_returns

    start = time.perf_counter()
    summary = import_returns(
        sources=gather_sources([path]),
        details=ElectionDetails(name="2020 General (benchmark)", date=datetime.date(2020, 11, 3), kind="general"),
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


def copy_child(repeat: int) -> None:
    """PostgreSQL's floor: a raw COPY of the rows the import wrote, keys checked (see the docstring)."""
    setup_django()
    from django.db import connection, transaction

    from elections.models import Result

    table = Result._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attname <> 'id'",
            [table],
        )
        (columns,) = cursor.fetchone()
        # The same foreign keys the importer sets IMMEDIATE (Django makes them DEFERRABLE INITIALLY DEFERRED).
        cursor.execute(
            "SELECT count(*), string_agg(quote_ident(conname), ', ') FILTER (WHERE condeferrable) "
            "FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys, deferrable = cursor.fetchone()
        cursor.execute("SHOW session_replication_role")
        if cursor.fetchone()[0] != "origin":
            raise SystemExit("session_replication_role is not 'origin': the foreign keys would not be checked.")
        table = connection.ops.quote_name(table)
        rows = bytearray()
        with cursor.copy(f"COPY {table} ({columns}) TO STDOUT") as copy:
            for data in copy:
                rows += data
        copied = cursor.rowcount
    rows = memoryview(rows)
    runs = []
    for _ in range(repeat):
        with connection.cursor() as cursor:  # autocommit: its own transaction, committed before the COPY
            cursor.execute(f"TRUNCATE {table}")
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            if deferrable:
                cursor.execute(f"SET CONSTRAINTS {deferrable} IMMEDIATE")
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for offset in range(0, len(rows), COPY_PIECE):
                    copy.write(rows[offset : offset + COPY_PIECE])
            if cursor.rowcount != copied:
                raise SystemExit(f"COPY wrote {cursor.rowcount} rows, not {copied}.")
        runs.append(time.perf_counter() - start)
    print(json.dumps({"runs": runs, "rows": copied, "bytes": len(rows), "foreign_keys": foreign_keys}))


def listed(seconds: list[float]) -> str:
    return ", ".join(f"{run:.2f}" for run in seconds)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Time the OpenElections import against a bare csv parse and a raw COPY."
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each measurement; the fastest counts (default 3)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--copy-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    repeat = max(options.repeat, 1)
    if options.child:
        child(options.child)
        return
    if options.copy_child:
        copy_child(repeat)
        return

    from tests.bench.generate import write

    path = write(BENCH_DIR / f"ga-precincts-{options.rows}-{options.seed}.csv", options.rows, options.seed)
    size_mb = path.stat().st_size / 1e6
    reader_runs = [parse_seconds(path, csv.reader) for _ in range(repeat)]
    dict_runs = [parse_seconds(path, csv.DictReader) for _ in range(repeat)]
    imports = []
    floor = None
    for attempt in range(repeat):
        with FreshDatabase(os.environ.get("DATABASE_URL")) as url:
            env = {**os.environ, "DATABASE_URL": url}
            imports.append(run([sys.executable, "-m", "tests.bench.import_bench", "--child", str(path)], env))
            if imports[-1][0]["vendor"] == "postgresql" and attempt == repeat - 1:
                floor, _ = run(
                    [sys.executable, "-m", "tests.bench.import_bench", "--copy-child", "--repeat", str(repeat)], env
                )
    reader_seconds, dict_seconds = min(reader_runs), min(dict_runs)
    figures = min((figures for figures, _ in imports), key=lambda figures: figures["seconds"])
    import_runs = [figures["seconds"] for figures, _ in imports]
    seconds = min(import_runs)
    peak_mb = max(peak for _, peak in imports)
    parse_ratio = seconds / dict_seconds
    postgresql = figures["vendor"] == "postgresql"
    print(f"file               {path.relative_to(ROOT)} ({figures['rows']:,} rows, {size_mb:,.1f} MB)")
    print(f"database           {figures['vendor']}")
    print(
        f"imported           {figures['results']:,} results, {figures['contests']} contests, "
        f"{figures['candidates']} candidates, {figures['skipped']:,} rows skipped"
    )
    print(f"runs               the fastest of {repeat} of each (all runs in brackets)")
    print(f"csv.reader         {reader_seconds:7.2f} s   [{listed(reader_runs)}]")
    print(f"csv.DictReader     {dict_seconds:7.2f} s   [{listed(dict_runs)}]   (the bare parse)")
    print(f"import             {seconds:7.2f} s   [{listed(import_runs)}]   {figures['rows'] / seconds:,.0f} rows/s")
    if postgresql:
        copy_seconds = min(floor["runs"])
        print(
            f"raw COPY           {copy_seconds:7.2f} s   [{listed(floor['runs'])}]   {floor['rows']:,} rows "
            f"({floor['bytes'] / 1e6:,.1f} MB of text) in one transaction, {floor['foreign_keys']} foreign keys "
            f"checked (IMMEDIATE)"
        )
    print()
    print(
        f"peak memory        {peak_mb:.1f} MB (max RSS of the importing process, highest run)"
        f"   target ≤ {TARGET_RSS_MB} MB: {verdict(peak_mb <= TARGET_RSS_MB)}"
    )
    parse_line = (
        f"import {seconds:.2f} s  csv.DictReader {dict_seconds:.2f} s  ratio {parse_ratio:.2f}×"
        f" ({seconds / reader_seconds:.2f}× csv.reader)"
    )
    if postgresql:
        copy_ratio = seconds / copy_seconds
        print(f"ratio to the parse {parse_line}   (target ≤ {TARGET_PARSE_RATIO:g}× is SQLite's)")
        print(
            f"ratio to raw COPY  import {seconds:.2f} s  raw COPY {copy_seconds:.2f} s  ratio {copy_ratio:.2f}×"
            f"   target ≤ {TARGET_COPY_RATIO:g}×: {verdict(copy_ratio <= TARGET_COPY_RATIO)}"
        )
    else:
        print("ratio to raw COPY  PostgreSQL only (set DATABASE_URL=postgres://…)")
        print(
            f"ratio to the parse {parse_line}   target ≤ {TARGET_PARSE_RATIO:g}×: "
            f"{verdict(parse_ratio <= TARGET_PARSE_RATIO)}"
        )


if __name__ == "__main__":
    main()
