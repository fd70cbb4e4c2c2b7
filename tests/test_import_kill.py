"""An import killed with SIGKILL half-way leaves the database as it was: all or nothing.

`manage.py import_results` runs in a child process against a scratch database (a temporary SQLite
file, or a new PostgreSQL database when `DATABASE_URL` names one: `tests/scratch.py`) on a generated
file of 60,000 rows (`tests/bench/generate.py`). Once the child has written into its transaction
(the scratch database's write lock is held on SQLite; on PostgreSQL, its session shows a transaction
open), it is killed; then no election, batch or result of that import may be found.
"""

import json
import os
import signal
import subprocess
import sys
import time

from tests.bench.generate import write
from tests.scratch import ROOT, FreshDatabase

ROWS = 60_000


def counts(url: str) -> dict[str, int]:
    """Rows of the import's tables in the scratch database, read by a fresh process's own connection."""
    script = (
        "import django, json; django.setup(); "
        "from elections.models import Candidate, Contest, Election, ImportBatch, Result; "
        "models = (Election, Contest, Candidate, ImportBatch, Result); "
        "print(json.dumps({m.__name__: m.objects.count() for m in models}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"},
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def writing(url: str, pid: int) -> bool:
    """Whether the child has begun writing inside its transaction."""
    if url.startswith("sqlite"):
        import sqlite3

        path = url.removeprefix("sqlite:///")
        probe = sqlite3.connect(path, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")  # refused while another connection holds the write lock
            probe.rollback()
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True) as probe:
        (busy,) = probe.execute(
            "select count(*) from pg_stat_activity where pid <> pg_backend_pid() and datname = current_database() "
            "and backend_xid is not null"
        ).fetchone()
    return busy > 0


def test_an_import_killed_half_way_leaves_nothing(tmp_path):
    database_url = os.environ.get("DATABASE_URL", "")
    source = write(tmp_path / "georgia.csv", ROWS)
    with FreshDatabase(database_url if database_url.startswith("postgres") else None) as url:
        before = counts(url)
        child = subprocess.Popen(
            [sys.executable, "manage.py", "import_results", str(source), "--election-name", "2020 General (killed)",
             "--date", "2020-11-03", "--kind", "general"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not writing(url, child.pid):
                assert child.poll() is None, f"the import ended before it could be killed: {child.stderr.read()!r}"
                assert time.monotonic() < deadline, "the import never began writing"
                time.sleep(0.05)
            time.sleep(0.5)  # well into the rows
            assert child.poll() is None, "the import finished before it could be killed; use a larger file"
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait(timeout=30)
            child.stderr.close()
        assert child.returncode == -signal.SIGKILL
        assert counts(url) == before
