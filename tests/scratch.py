"""A scratch database of its own, for what cannot run inside the test database: the import benchmark,
and migrations run back and forth.

`FreshDatabase(url)` makes a temporary SQLite file, or (when `url` names a PostgreSQL server) a new
database on that server, dropped afterwards; it is migrated to `migrate_to` (an app label and
migration name), or fully.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]


def manage(url: str, *arguments: str) -> str:
    """Run `manage.py` against the database at `url`; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


class FreshDatabase:
    """A new, migrated database: a temporary SQLite file, or a PostgreSQL database dropped afterwards."""

    def __init__(self, url: str | None, *, migrate_to: tuple[str, str] | None = None) -> None:
        self.url = url
        self.migrate_to = migrate_to
        self.tmp = None
        self.admin_url = None

    def __enter__(self) -> str:
        if not self.url or self.url.startswith("sqlite"):
            self.tmp = tempfile.TemporaryDirectory(prefix="recount-scratch-")
            url = f"sqlite:///{self.tmp.name}/scratch.sqlite3"
        else:
            import psycopg

            parts = urlsplit(self.url)
            if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
                raise SystemExit("DATABASE_URL must be postgres://… (or unset, for SQLite).")
            self.name = f"{parts.path.lstrip('/') or 'recount_desk'}_scratch_{os.getpid()}"
            self.admin_url = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
            with psycopg.connect(self.admin_url, autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                server.execute(f'CREATE DATABASE "{self.name}"')
            url = urlunsplit(parts._replace(path=f"/{self.name}"))
        manage(url, "migrate", "--noinput", "-v0", *(self.migrate_to or ()))
        return url

    def __exit__(self, *exc_info) -> None:
        if self.tmp is not None:
            self.tmp.cleanup()
        if self.admin_url is not None:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as server:
                server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
