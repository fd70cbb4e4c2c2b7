"""Import an OpenElections CSV file of returns: ``manage.py import_results FILE --election-name …``.

The last line of output is the election's slug alone, for scripts to read.
"""

import argparse
import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from elections.enums import ElectionKind
from elections.importers.openelections import import_openelections_csv
from elections.services import ElectionsError


def iso_date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” is not a date; write it as YYYY-MM-DD, e.g. 2017-12-05") from None


def seats(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}” is not a number of seats; give a whole number from 1 up")
    return value


def user_named(username: str | None):
    if username is None:
        return None
    User = get_user_model()
    try:
        return User.objects.get_by_natural_key(username)
    except User.DoesNotExist:
        raise CommandError(f"No user “{username}”; give the username of an existing account.") from None


class Command(BaseCommand):
    help = "Import an OpenElections CSV file of returns into an election (all or nothing)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument("--election-name", required=True, help="E.g. “2017 Atlanta General”.")
        parser.add_argument("--date", required=True, type=iso_date, help="Election day, YYYY-MM-DD.")
        parser.add_argument("--kind", required=True, choices=ElectionKind.values)
        parser.add_argument("--slug", help="The election's slug; default: made from its name.")
        parser.add_argument("--seats", type=seats, default=1, help="Seats of every contest in the file (default 1).")
        parser.add_argument(
            "--level",
            choices=["county", "municipal"],
            default="county",
            help="Level of the offices not federal or state: county (default) or municipal.",
        )
        parser.add_argument("--by", metavar="USERNAME", help="Who imports (recorded on the batch and history).")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the election's earlier (uncertified) results and import this file instead.",
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        by = user_named(options["by"])
        try:
            source = path.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        with source, self._progress(path) as progress:
            try:
                summary = import_openelections_csv(
                    source=source,
                    file_name=path.name,
                    election_name=options["election_name"],
                    date=options["date"],
                    kind=options["kind"],
                    slug=options["slug"],
                    seats=options["seats"],
                    municipal=options["level"] == "municipal",
                    by=by,
                    replace=options["replace"],
                    progress=progress,
                )
            except ElectionsError as error:
                raise CommandError(str(error)) from None
        for warning in summary.warnings:
            self.stderr.write(f"Warning: {warning}")
        self.stdout.write(
            f"Imported {path.name} into “{summary.election.name}”: {summary.row_count:,} rows read, "
            f"{summary.result_count:,} results, {summary.contest_count:,} contests, "
            f"{summary.candidate_count:,} candidates, {summary.skipped_rows:,} rows skipped "
            "(not candidates' votes)."
        )
        self.stdout.write(summary.election.slug)

    def _progress(self, path: Path):
        """A tqdm bar by bytes read on a terminal; nothing otherwise."""
        return _Bar(path) if self.stdout.isatty() else _NoBar()


class _NoBar:
    def __enter__(self):
        return None

    def __exit__(self, *exc_info) -> None:
        return None


class _Bar:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=self.path.stat().st_size, unit="B", unit_scale=True, desc=self.path.name)
        return self.update

    def update(self, bytes_read: int) -> None:
        self.bar.update(bytes_read - self.bar.n)

    def __exit__(self, *exc_info) -> None:
        self.bar.close()
