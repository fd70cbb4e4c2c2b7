"""Import returns: ``manage.py import_results PATH [PATH …] --election-name … --date … --kind …``.

Each PATH is a file (OpenElections CSV or Clarity ``detail.xml``), a folder, or a ``.zip`` archive;
everything goes into one election, in one transaction, as one import batch. Nothing is written if
any file is refused: every refusal is printed with its file, line and column. ``--dry-run`` reads
everything and prints the report without writing. The last line of output is the election's slug
alone, for scripts to read.
"""

import argparse
import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from elections.enums import ElectionKind
from elections.importers.returns import (
    ElectionDetails,
    ImportRejected,
    ImportReport,
    gather_sources,
    import_returns,
)


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
    help = (
        "Import returns (OpenElections CSV or Clarity detail.xml files, folders of them, .zip archives) into one "
        "election, all or nothing."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="Files, folders or .zip archives.")
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
            help="Remove the election's earlier (uncertified) results and import these files instead.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read everything and print the report; write nothing."
        )

    def handle(self, *args, **options) -> None:
        by = user_named(options["by"])
        details = ElectionDetails(
            name=options["election_name"],
            date=options["date"],
            kind=options["kind"],
            slug=options["slug"],
            seats=options["seats"],
            municipal=options["level"] == "municipal",
        )
        try:
            sources = gather_sources(options["paths"])
            with self._progress(sum(source.size for source in sources)) as progress:
                report = import_returns(
                    sources=sources,
                    details=details,
                    by=by,
                    replace=options["replace"],
                    dry_run=options["dry_run"],
                    progress=progress,
                )
        except ImportRejected as error:
            if error.report is not None:
                self._warnings(error.report)
                for refusal in error.report.refusals:
                    self.stderr.write(f"Refused: {refusal}")
            raise CommandError(str(error)) from None
        self._warnings(report)
        if options["dry_run"]:
            for refusal in report.refusals:
                self.stderr.write(f"Refused: {refusal}")
        files = f"{len(report.files)} file{'s' if len(report.files) != 1 else ''}"
        questions = sum(contest["question"] for contest in report.contests)
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb} {files} into “{details.name}”: {report.row_count:,} rows read, {report.result_count:,} results, "
            f"{report.contest_count:,} contests ({questions:,} ballot questions), {report.candidate_count:,} "
            f"candidates and choices, {len(report.counties):,} counties, {report.skipped_rows:,} rows skipped "
            "(not candidates' votes)."
        )
        if options["dry_run"]:
            self.stdout.write("Nothing was written (dry run).")
        self.stdout.write(report.slug)

    def _warnings(self, report: ImportReport) -> None:
        for warning in report.warnings:
            self.stderr.write(f"Warning: {warning}")

    def _progress(self, total: int):
        """A tqdm bar by bytes read on a terminal; nothing otherwise."""
        return _Bar(total) if self.stdout.isatty() else _NoBar()


class _NoBar:
    def __enter__(self):
        return None

    def __exit__(self, *exc_info) -> None:
        return None


class _Bar:
    def __init__(self, total: int) -> None:
        self.total = total

    def __enter__(self):
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, unit="B", unit_scale=True, desc="returns")
        return self.update

    def update(self, bytes_read: int, total: int) -> None:
        self.bar.update(bytes_read - self.bar.n)

    def __exit__(self, *exc_info) -> None:
        self.bar.close()
