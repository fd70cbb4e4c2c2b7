"""The one import of returns: files of many formats and shapes into one election (``import_returns``).

The files
    ``sources.py`` turns files, folders and archives into ``Source`` s; each is read by its format,
    told by its content: OpenElections CSV, or Clarity's ``detail.xml`` (``clarity.py``). A CSV file is
    read with its own header, through the vocabulary (``vocabulary.py``): county, office and
    candidate are required, precinct, district and party read when present, plus the total and/or
    vote-type columns in their spellings (numbered splits and two columns of one type add up); an
    unknown column refuses the file by name. Each row becomes one ``Result``: its ``votes`` and one
    column per vote type given (an empty cell is "not given", a zero is a real figure; a row with no
    type given is not broken down by type). When the total is given too, the types must add up to
    it; without it, the total is their sum. A placeholder precinct is a county-level row. Lines that
    are not votes for a candidate (see ``NOT_CANDIDATE_VOTES``) are counted and skipped; a
    "Write-ins" line is a write-in aggregate candidate (counted in the total, never declared).
    Offices, parties, candidates' names and ballot questions' choices are read as the vocabulary says,
    and every spelling read as another is a warning in the report.

All or nothing
    Everything happens in one transaction. Every file is read even after one is refused, so that the
    report (``ImportReport``) lists each refusal with its file, line, column and problem; then
    nothing is written and ``ImportRejected`` carries the report. A dry run does all of it and rolls
    it back. A row repeated (same county, precinct, office, district and candidate) is caught by the
    database's ``result_unique_line`` constraint rather than by remembering every row: each batch is
    written under a savepoint, and when one fails the offending line is found within that batch.

Provenance
    Original returns are written without per-row history rows: the ``ImportBatch`` and its
    ``ImportFile`` s (each file's name and SHA-256 of its exact bytes, rows read, results written;
    who, when) are their provenance, and the batch's ``results_sha256`` (``result_lines_sha256``) is
    the hash of the lines it wrote, which the audit trail links and recomputes from the table. A file
    already imported into the election is refused by its hash. Any later correction goes through a
    service that writes a history row with its reason. The election, and contests and candidates
    that already existed, are saved with history as usual; contests and candidates new in the import
    get their one "+" history row each written in bulk at the end (with the contests' counties).
    Replacing an import (``replace=True``) deletes the earlier results the same way they came, without
    history rows (they were never certified, and their batch stays on record); the contests and
    candidates the new files no longer have are deleted with history.

Speed and memory
    One pass over each file's bytes: they are hashed, decoded line by line (an encoding error names
    its line) and parsed as they are read; nothing is kept per row. Counties, contests and candidates
    are looked up once and then cached in dicts (bounded by their number, not by the file's). Results
    are inserted with raw SQL in batches of ``BATCH_LINES`` lines: multi-row ``INSERT`` through
    ``executemany`` on SQLite, ``COPY`` from a second thread on PostgreSQL (``_PostgresWriter``).
    ``BENCHMARKS.md`` has the figures.
"""

import csv
import datetime
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import BinaryIO, Final

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_m2m_records

from elections.enums import ElectionKind, JurisdictionKind, Level, VoteType, broken_down_types
from elections.importers.clarity import ClarityError, ClarityRow, looks_like_clarity, read_clarity
from elections.importers.problems import ImportRejected, Problem
from elections.importers.sources import Source, gather_sources, sources_from_upload
from elections.importers.vocabulary import (
    IGNORED,
    PLACE_COLUMNS,
    REQUIRED_COLUMNS,
    TOTAL,
    candidate_display,
    candidate_key,
    candidate_party,
    choice_display,
    looks_damaged,
    party_code,
    precinct_name,
    read_column,
    vocabulary_text,
)
from elections.models import Candidate, Contest, Election, ImportBatch, ImportFile, Jurisdiction, Result
from elections.offices import office_level, office_name
from elections.services import (
    HISTORY_REASON_LENGTH,
    contests_declare_from_votes,
    save_with_history,
)

#: Lines that are not votes for a candidate: skipped and counted in ``ImportSummary.skipped_rows``.
#: A line is skipped when its candidate column, or its office column, is one of these (any case,
#: spaces collapsed).
NOT_CANDIDATE_VOTES: Final = {
    "candidate": frozenset({"over votes", "under votes", "overvotes", "undervotes", "total", "total votes", "blank"}),
    "office": frozenset({"registered voters", "ballots cast"}),
}

#: "Write-ins", "Write-In", "Write In", "write-in": one line summing votes for many people.
WRITE_IN_AGGREGATE: Final = re.compile(r"write[\s-]*ins?", re.IGNORECASE)

BATCH_LINES: Final = 10_000  # CSV lines (each one Result) per insert batch
ID_BLOCK: Final = 256  # ids taken at once from a sequence for new contests or candidates (PostgreSQL)
READ_CHUNK: Final = 1 << 20  # bytes read, hashed and decoded at a time
MAX_LINE_BYTES: Final = 16 << 20  # a "line" this long means the file is not CSV text
MAX_VOTES: Final = 2_147_483_647  # what the votes column can hold
NUMBER_CACHE_LIMIT: Final = 100_000  # figures below this are parsed once and then looked up
SQLITE_LINES_PER_INSERT: Final = 50  # CSV lines per multi-row INSERT statement on SQLite
SQLITE_CACHE_KIB: Final = 65_536  # page cache while importing (the default 2 MiB thrashes the indexes)

_BOM = b"\xef\xbb\xbf"
_SKIP = object()  # the candidate cache's entry for lines that are not candidates' votes


__all__ = [
    "RESULT_LINE_FIELDS",
    "ElectionDetails",
    "ImportRejected",
    "ImportReport",
    "Problem",
    "Source",
    "gather_sources",
    "import_openelections_csv",
    "import_returns",
    "result_lines_sha256",
    "sources_from_upload",
]


@dataclass(frozen=True)
class ElectionDetails:
    """The election returns go into: found by slug (default: made from the name) or created."""

    name: str
    date: datetime.date
    kind: str
    slug: str | None = None
    seats: int = 1
    municipal: bool = False


@dataclass
class ImportReport:
    """What an import read and wrote (or, in a dry run, would write)."""

    details: ElectionDetails
    slug: str
    files: list[dict] = field(default_factory=list)  # name, sha256, format, rows, results
    counties: list[str] = field(default_factory=list)
    contests: list[dict] = field(default_factory=list)  # name, level, question, counties, total, choices
    warnings: list[Problem] = field(default_factory=list)
    refusals: list[Problem] = field(default_factory=list)
    election: Election | None = None
    batch: ImportBatch | None = None
    row_count: int = 0
    result_count: int = 0
    skipped_rows: int = 0

    @property
    def contest_count(self) -> int:
        return len(self.contests)

    @property
    def candidate_count(self) -> int:
        return sum(len(contest["choices"]) for contest in self.contests)

    def as_json(self) -> dict:
        return {
            "election": {
                "name": self.details.name,
                "slug": self.slug,
                "date": self.details.date.isoformat(),
                "kind": str(self.details.kind),
            },
            "files": self.files,
            "counties": self.counties,
            "contests": self.contests,
            "warnings": [warning.as_json() for warning in self.warnings],
            "refusals": [refusal.as_json() for refusal in self.refusals],
            "batch": self.batch.pk if self.batch is not None and not self.refusals else None,
        }


class _DryRun(Exception):
    """Raised to roll a dry run back; carries its report out of the transaction."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("dry run")
        self.report = report


def import_returns(
    *,
    sources: Sequence[Source],
    details: ElectionDetails,
    by: AbstractBaseUser | None = None,
    replace: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every file in ``sources`` into one election, in one transaction, as one ImportBatch.

    The election is found by ``details.slug`` (default: ``slugify(details.name)``) or created. An
    existing one must have the same name, date and kind, no certification, and no results unless
    ``replace``, which deletes its earlier results (and, once the new files are in, the contests and
    candidates they no longer have). ``details.seats`` is the number of seats of every contest;
    ``details.municipal`` makes local offices municipal rather than county ones. ``progress`` is
    called with the bytes read so far and the bytes of all the files. Afterwards each contest's top
    candidates are declared elected (nominated, in a primary); ballot questions are not declared.

    Every file is read, even after one is refused, so that the report lists every refusal; then
    nothing is written and ``ImportRejected`` (with ``report``) is raised. With ``dry_run`` the
    whole import is done and rolled back, and the report returned, refusals and all.
    """
    slug = _check_arguments(details, sources)
    report = ImportReport(details=details, slug=slug)
    total_bytes = sum(source.size for source in sources)
    try:
        with transaction.atomic():
            _import(report, sources=sources, by=by, replace=replace, progress=progress, total_bytes=total_bytes)
            if dry_run or report.refusals:
                raise _DryRun(report)
    except _DryRun:
        report.election = report.batch = None
        if dry_run:
            return report
        first = report.refusals[0]
        more = len(report.refusals) - 1
        error = ImportRejected(
            f"{first}"
            + (f" (and {more} more refusal{'s' if more > 1 else ''})" if more else "")
            + "; nothing was imported.",
            line=first.line,
            column=first.column,
            problem=first.message,
        )
        error.report = report
        raise error from None
    return report


def _import(
    report: ImportReport,
    *,
    sources: Sequence[Source],
    by: AbstractBaseUser | None,
    replace: bool,
    progress: Callable[[int, int], None] | None,
    total_bytes: int,
) -> None:
    details = report.details
    label = _batch_label(sources)
    election = _election_for(details, slug=report.slug, by=by, replace=replace, file_name=label)
    batch = ImportBatch.objects.create(
        election=election,
        file_name=label,
        sha256="",
        file_format="",
        row_count=0,
        result_count=0,
        imported_by=by,
        imported_at=timezone.now(),
    )
    report.election, report.batch = election, batch
    run = _Import(election=election, batch=batch, seats=details.seats, municipal=details.municipal, by=by, label=label)
    done = 0
    seen: dict[str, str] = {}  # SHA-256 → the file's name, within this import
    files = []
    with _result_writer(batch=batch) as writer:
        run.totals = writer.totals
        for source in sources:
            digest = hashlib.sha256()
            before = writer.written
            rows_before = run.rows_read

            def read_so_far(bytes_read: int, done: int = done) -> None:
                if progress is not None:
                    progress(done + bytes_read, total_bytes)

            run.file = source.name
            file_format = ""
            refusals_before = len(report.refusals)
            try:
                with source.open() as stream:
                    file_format = _read_source(run, stream, digest, read_so_far, writer)
            except ImportRejected as error:
                report.refusals.append(Problem(source.name, error.line, error.column, error.problem))
            except (OSError, zipfile.BadZipFile) as error:  # e.g. an archive's member that fails its CRC
                problem = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
                report.refusals.append(Problem(source.name, None, None, f"cannot be read: {problem}"))
            done += source.size
            sha256 = digest.hexdigest()
            if sha256 in seen:  # (what reading it again found, its lines repeated, says less)
                del report.refusals[refusals_before:]
                report.refusals.append(
                    Problem(source.name, None, None, f"the same bytes as {seen[sha256]}: the same file twice")
                )
            seen.setdefault(sha256, source.name)
            files.append(
                ImportFile(
                    batch=batch,
                    name=source.name[: ImportFile._meta.get_field("name").max_length],
                    sha256=sha256,
                    file_format=file_format,
                    row_count=run.rows_read - rows_before,
                    result_count=writer.written - before,
                )
            )
    again = _already_imported(election, files)
    if again:  # (the refusals of a file imported before say less than that it was)
        named = {problem.file for problem in again}
        report.refusals[:] = [problem for problem in report.refusals if problem.file not in named] + again
    ImportFile.objects.bulk_create(files)
    report.files = [
        {"name": f.name, "sha256": f.sha256, "format": f.file_format, "rows": f.row_count, "results": f.result_count}
        for f in files
    ]
    batch.sha256 = files[0].sha256 if len(files) == 1 else _digest_of(files)
    batch.file_format = ", ".join(sorted({f.file_format for f in files if f.file_format}))
    batch.row_count, batch.result_count = run.rows_read, writer.written
    batch.results_sha256 = result_lines_sha256(
        Result.objects.filter(import_batch=batch).order_by("pk").values_list(*RESULT_LINE_FIELDS).iterator(BATCH_LINES)
    )
    batch.save(update_fields=["sha256", "file_format", "row_count", "result_count", "results_sha256"])
    report.row_count, report.result_count, report.skipped_rows = run.rows_read, writer.written, run.skipped_rows
    if not report.refusals:
        run.finish(replace=replace)
    report.warnings = run.warnings
    report.counties, report.contests = run.summary()


def _read_source(run: "_Import", stream: BinaryIO, digest, progress: Callable[[int], None], writer) -> str:
    """Read one file into the import, by its format (sniffed from its first bytes); its format's name.

    Every line of the file is in the database when this returns; if it is refused, the refusal
    names its first bad line (a batch still being written holds earlier lines than the one being
    read, so its refusal comes first).
    """
    reading = _Hashing(stream, digest, progress)
    head = reading.peek()
    # XML that is not Clarity's goes to its reader too, which says what it is not (a DTD, another root).
    clarity = looks_like_clarity(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    run.settle = writer.flush
    writer.before_send = run.insert_pending
    try:
        try:
            if clarity:
                try:
                    run.read_clarity(read_clarity(reading), writer)
                except ClarityError as error:
                    raise _rejected(error.line, None, error.problem) from None
            else:
                run.read(_text_chunks(reading), writer)
        finally:
            reading.drain()  # the file's hash is of all its bytes, read or not
    except (ImportRejected, OSError, zipfile.BadZipFile):
        writer.flush()  # raises a refusal instead, when the batch in flight was refused (its lines came first)
        run.insert_pending()  # what was read is in the database for the files still to be read
        raise
    writer.flush()
    run.insert_pending()
    return "clarity_xml" if clarity else "openelections_csv"


class _Hashing:
    """A binary stream that hashes every byte read and reports how many were read."""

    def __init__(self, stream: BinaryIO, digest, progress: Callable[[int], None]) -> None:
        self.stream, self.digest, self.progress = stream, digest, progress
        self.read_bytes = 0
        self.head = b""

    def peek(self) -> bytes:
        self.head = self._read(READ_CHUNK)
        return self.head

    def read(self, size: int = -1) -> bytes:
        if self.head:
            data, self.head = self.head, b""
            return data
        return self._read(READ_CHUNK if size is None or size < 0 else size)

    def _read(self, size: int) -> bytes:
        data = self.stream.read(size)
        if data:
            self.digest.update(data)
            self.read_bytes += len(data)
            self.progress(self.read_bytes)
        return data

    def drain(self) -> None:
        """Read (and hash) what a refusal left unread: the file's hash is of all its bytes."""
        while self._read(READ_CHUNK):
            pass


def _batch_label(sources: Sequence[Source]) -> str:
    """The batch's name: its one file's, or the first and last of several."""
    if not sources:
        raise ImportRejected("There is no file to import.")
    label = sources[0].name if len(sources) == 1 else f"{len(sources)} files: {sources[0].name} … {sources[-1].name}"
    limit = ImportBatch._meta.get_field("file_name").max_length
    return label if len(label) <= limit else label[: limit - 1] + "…"


#: A result line's columns in the canonical form its batch's ``results_sha256`` covers, id first.
RESULT_LINE_FIELDS: Final = ("id", "candidate_id", "county_id", "precinct", "votes", *Result.TYPE_FIELDS)


def result_lines_sha256(lines: Iterable[Sequence]) -> str:
    """SHA-256 over result lines (values of ``RESULT_LINE_FIELDS``, in the order of their ids): one line
    of text each, its figures as decimal numbers, an empty figure as nothing, the precinct as JSON."""
    digest = hashlib.sha256()
    for line_id, candidate, county, precinct, *figures in lines:
        figures_text = ",".join("" if figure is None else str(figure) for figure in figures)
        digest.update(f"{line_id},{candidate},{county},{json.dumps(precinct)},{figures_text}\n".encode())
    return digest.hexdigest()


def _digest_of(files: list["ImportFile"]) -> str:
    """A batch's SHA-256 over its files': of their hexadecimal hashes, sorted, one per line."""
    return hashlib.sha256("\n".join(sorted(f.sha256 for f in files)).encode()).hexdigest()


def _already_imported(election: Election, files: list["ImportFile"]) -> list[Problem]:
    earlier = {
        f.sha256: f
        for f in ImportFile.objects.filter(batch__election=election, sha256__in={f.sha256 for f in files})
        .select_related("batch")
        .order_by("-batch__imported_at")
    }
    problems = []
    for file in files:
        if file.sha256 in earlier:
            before = earlier[file.sha256]
            when = timezone.localtime(before.batch.imported_at)
            problems.append(
                Problem(
                    file.name,
                    None,
                    None,
                    f"this file (SHA-256 {file.sha256[:12]}…) was already imported into this election on "
                    f"{when:%Y-%m-%d at %H:%M %Z} as “{before.name}”",
                )
            )
    return problems


@dataclass(frozen=True)
class ImportSummary:
    election: Election
    batch: ImportBatch
    row_count: int
    result_count: int
    contest_count: int
    candidate_count: int
    skipped_rows: int
    warnings: tuple[str, ...]


def import_openelections_csv(
    *,
    source: BinaryIO,
    file_name: str,
    election_name: str,
    date: datetime.date,
    kind: ElectionKind | str,
    slug: str | None = None,
    seats: int = 1,
    municipal: bool = False,
    by: AbstractBaseUser | None = None,
    replace: bool = False,
) -> ImportSummary:
    """``import_returns`` for one file already open (the demo, scripts and tests); its summary."""
    report = import_returns(
        sources=[Source(file_name, lambda: nullcontext(source), 0)],
        details=ElectionDetails(name=election_name, date=date, kind=kind, slug=slug, seats=seats, municipal=municipal),
        by=by,
        replace=replace,
    )
    return ImportSummary(
        election=report.election,
        batch=report.batch,
        row_count=report.row_count,
        result_count=report.result_count,
        contest_count=report.contest_count,
        candidate_count=report.candidate_count,
        skipped_rows=report.skipped_rows,
        warnings=tuple(warning.message for warning in report.warnings),
    )


# -- Arguments and the election ---------------------------------------------------------------------


def _check_arguments(details: ElectionDetails, sources: Sequence[Source]) -> str:
    name, kind, slug, seats = details.name, details.kind, details.slug, details.seats
    if not name.strip():
        raise ImportRejected("Give the election a name.")
    if len(name) > Election._meta.get_field("name").max_length:
        raise ImportRejected("The election's name is longer than 200 characters.")
    if kind not in ElectionKind.values:
        raise ImportRejected(f"“{kind}” is not a kind of election; use one of {', '.join(ElectionKind.values)}.")
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 32_767:
        raise ImportRejected(f"The number of seats must be a whole number from 1 up; got {seats!r}.")
    if not sources:
        raise ImportRejected("There is no file to import.")
    slug = slugify(name) if slug is None else slug
    if not slug or slug != slugify(slug) or len(slug) > Election._meta.get_field("slug").max_length:
        raise ImportRejected(
            f"“{slug}” cannot be the election's slug: use lower-case letters, digits and hyphens "
            "(at most 100), e.g. 2017-atlanta-general."
        )
    return slug


def _reason(text: str, file_name: str) -> str:
    """``text`` with the file name in it, shortened to fit the history's reason column."""
    room = HISTORY_REASON_LENGTH - len(text.format(file_name=""))
    if len(file_name) > room:
        file_name = file_name[: room - 1] + "…"
    return text.format(file_name=file_name)


def _election_for(
    details: ElectionDetails, *, slug: str, by: AbstractBaseUser | None, replace: bool, file_name: str
) -> Election:
    name, date, kind = details.name, details.date, details.kind
    election = Election.objects.select_for_update().filter(slug=slug).first()
    if election is None:
        election = Election(name=name, slug=slug, date=date, kind=kind)
        try:
            with transaction.atomic():
                save_with_history(election, by=by, reason=_reason("Created by the import of {file_name}", file_name))
        except IntegrityError:
            raise ImportRejected(
                f"Another import created the election “{slug}” at the same moment; try again."
            ) from None
        return election
    differences = [
        f"{label} {theirs} (not {ours})"
        for label, theirs, ours in (
            ("name", f"“{election.name}”", f"“{name}”"),
            ("date", f"{election.date:%Y-%m-%d}", f"{date:%Y-%m-%d}"),
            ("kind", election.kind, str(kind)),
        )
        if theirs != ours
    ]
    if differences:
        raise ImportRejected(
            f"The election “{slug}” already exists with {', '.join(differences)}; give the same name, "
            "date and kind to import into it, or another slug for a new election."
        )
    if election.certifications.exists():
        raise ImportRejected(
            f"The election “{slug}” has certified returns; certified returns change only through a recount."
        )
    earlier = Result.objects.filter(candidate__contest__election=election)
    if earlier.exists():
        if not replace:
            raise ImportRejected(
                f"The election “{slug}” already has results; import with replace (--replace) to remove "
                "them and import this file instead."
            )
        _delete_results(election)
    return election


def _delete_results(election: Election) -> None:
    """Delete the election's results in one statement, without per-row history (see the docstring)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {Result._meta.db_table} WHERE candidate_id IN ("  # noqa: S608 (table names only)
            f"SELECT candidate.id FROM {Candidate._meta.db_table} candidate "
            f"JOIN {Contest._meta.db_table} contest ON contest.id = candidate.contest_id "
            "WHERE contest.election_id = %s)",
            [election.pk],
        )


# -- Reading: bytes → hashed → UTF-8 text → CSV lines ---------------------------------------------


class _Unreadable(Exception):
    """Raised by the reader; turned into an ImportRejected once the column can be named."""

    def __init__(self, line: int, before: str, problem: str) -> None:
        super().__init__(line)
        self.line, self.before, self.problem = line, before, problem


def _text_chunks(source: BinaryIO) -> Iterator[io.StringIO]:
    """Read ``source`` once and yield its text a block of whole lines at a time.

    A line that is not UTF-8 text, or holds a NUL, ends it: the lines before it are yielded first
    (so the header is known), then ``_Unreadable`` says where.
    """
    pending = b""
    lines_before = 0
    first = True
    while True:
        chunk = source.read(READ_CHUNK)
        if chunk:
            data = pending + chunk if pending else chunk
            if first:
                if len(data) < len(_BOM):
                    pending = data
                    continue
                data = data.removeprefix(_BOM)
                first = False
            cut = data.rfind(b"\n") + 1 or data.rfind(b"\r", 0, len(data) - 1) + 1
            if not cut:
                if len(data) > MAX_LINE_BYTES:
                    raise _rejected(
                        lines_before + 1, None, f"longer than {MAX_LINE_BYTES >> 20} MiB; is this a CSV file?"
                    )
                pending = data
                continue
            complete, pending = data[:cut], data[cut:]
        elif pending:
            complete, pending = (pending.removeprefix(_BOM) if first else pending), b""
        else:
            return
        try:
            text = complete.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = error.start
            problem = f"byte 0x{complete[bad]:02x} is not UTF-8 text; save the file as UTF-8"
        else:
            bad, problem = complete.find(b"\0"), "a NUL byte (0x00); is this a CSV text file?"
            if bad < 0:
                lines_before += complete.count(b"\n")
                yield io.StringIO(text, newline="")
                continue
        start = complete.rfind(b"\n", 0, bad) + 1
        if start:
            yield io.StringIO(complete[:start].decode("utf-8"), newline="")
        raise _Unreadable(
            line=lines_before + complete.count(b"\n", 0, bad) + 1,
            before=complete[start:bad].decode("utf-8", "replace"),
            problem=problem,
        )


# -- The header ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where things are in a row, worked out once from the header."""

    names: tuple[str, ...]  # the header as written (trimmed), for messages
    width: int
    key_of: Callable  # row → (county, precinct, office, district, party, candidate)
    votes_of: Callable  # row → the vote cells, ``votes`` first when there is one
    vote_columns: tuple[str, ...]  # the header names of those cells, for messages
    has_total: bool  # the first vote cell is ``votes``, which the types must add up to
    types: tuple[VoteType, ...]  # the vote types given in the file (none: only ``votes``)
    splits: tuple[tuple[int, int], ...]  # per type, its slice of the type cells (several: numbered splits)
    combine: Callable[[list[int]], list[int] | None]  # see _combiner
    warnings: tuple[str, ...]


def _getter(indices: list[int]) -> Callable:
    if len(indices) == 1:
        (index,) = indices
        return lambda row: (row[index],)
    return itemgetter(*indices)


def _layout(header: list[str]) -> _Layout:
    """Read a header through the vocabulary (``vocabulary.read_column``); refuse what it does not know."""
    names = tuple(cell.strip() for cell in header)
    warnings: list[tuple[int, str]] = []  # (column index, warning), sorted before use
    place: dict[str, int] = {}
    total: int | None = None
    by_type: dict[VoteType, list[tuple[int, int]]] = {}  # type → (split number or 0, column index)
    for index, name in enumerate(names):
        if not name:
            warnings.append((index, f"Column {index + 1} has no name; it was ignored."))
            continue
        meaning = read_column(name)
        if meaning is None or (meaning[1] is not None and meaning[0] in PLACE_COLUMNS):
            raise _rejected(
                1, name, f"not a column of returns the desk knows; the known columns are {vocabulary_text()}"
            )
        meaning, number = meaning
        if meaning == IGNORED:
            warnings.append((index, f'Column "{name}" does not hold votes; it was ignored.'))
        elif meaning in PLACE_COLUMNS:
            if meaning in place:
                raise _rejected(1, name, f'holds the {meaning}, as column "{names[place[meaning]]}" does; keep one')
            place[meaning] = index
        elif meaning == TOTAL:
            if total is not None or number is not None:
                other = names[total] if total is not None else name
                raise _rejected(1, name, f'a second column of total votes (besides "{other}"); keep one')
            total = index
        else:
            by_type.setdefault(VoteType(meaning), []).append((number or 0, index))
    for column in REQUIRED_COLUMNS:
        if column not in place:
            raise _rejected(
                1, column, "missing from the header (a file of returns has county, office, candidate, and total "
                "votes or vote-type columns; precinct, district and party when it has them)"
            )  # fmt: skip
    if total is None and not by_type:
        raise _rejected(
            1, "votes", f"missing from the header, and there are no vote-type columns either ({vocabulary_text()})"
        )
    vote_indices = [total] if total is not None else []
    types, splits = [], []
    for vote_type in VoteType:
        columns = [index for _, index in sorted(by_type.get(vote_type, []))]
        if not columns:
            continue
        if len(columns) > 1:
            added = ", ".join(f'"{names[index]}"' for index in columns)
            warnings.append(
                (columns[0], f"Columns {added} all hold {vote_type.label.lower()} votes; they were added together.")
            )
        start = len(vote_indices) - (total is not None)
        vote_indices.extend(columns)
        types.append(vote_type)
        splits.append((start, start + len(columns)))
    has_total = total is not None
    return _Layout(
        names=names,
        width=len(names),
        key_of=_key_getter([place.get(column) for column in PLACE_COLUMNS]),
        votes_of=_getter(vote_indices),
        vote_columns=tuple(names[index] for index in vote_indices),
        has_total=has_total,
        types=tuple(types),
        splits=tuple(splits),
        combine=_combiner(has_total, splits),
        warnings=tuple(warning for _, warning in sorted(warnings)),
    )


def _key_getter(indices: list[int | None]) -> Callable:
    """row → (county, precinct, office, district, party, candidate); "" for a column the file lacks."""
    if None not in indices:
        return itemgetter(*indices)
    return lambda row: tuple(row[index] if index is not None else "" for index in indices)


def _combiner(has_total: bool, splits: list[tuple[int, int]]) -> Callable[[list[int]], list[int] | None]:
    """A function from a row's figures (``votes`` first, if any) to the Result's: ``votes``, then one
    per vote type; None when the types do not add up to ``votes``. It runs once per row, so it is
    chosen once per file, and works on the list it is given (the caller's own) in place.
    """
    # Numbered splits are next to each other: each type's first cell takes in the others, popped
    # from the last one back so that the positions still to come do not move.
    offset = int(has_total)
    merges = [
        (offset + start, offset + extra) for start, stop in reversed(splits) for extra in range(stop - 1, start, -1)
    ]

    def merge(figures: list[int]) -> list[int]:
        for into, extra in merges:
            figures[into] += figures.pop(extra)
        return figures

    if not splits:  # only ``votes``
        return list
    if not has_total:

        def summed(figures: list[int]) -> list[int]:
            total = sum(figures)
            if merges:
                merge(figures)
            figures.insert(0, total)
            return figures

        return summed

    def checked(figures: list[int]) -> list[int] | None:
        if figures[0] * 2 != sum(figures):  # the types (all the other figures) add up to ``votes``
            return None
        return merge(figures) if merges else figures

    return checked


def _lines(reader, row: list[str]) -> str:
    """The line (or lines, when a quoted field holds line breaks) of the row just read: "3", "2–4"."""
    extra = sum(cell.count("\n") + cell.count("\r") - cell.count("\r\n") for cell in row)
    return f"{reader.line_num - extra}–{reader.line_num}" if extra else str(reader.line_num)


def _rejected(line: int | str | None, column: str | None, problem: str) -> ImportRejected:
    return ImportRejected(str(Problem(None, line, column, problem)), line=line, column=column, problem=problem)


# -- The import ----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _ContestEntry:
    contest: Contest
    counties: set[int] = field(default_factory=set)
    # Counties whose returns for this contest came as one county-level line, or by precinct: a
    # file with both for one county would count the same votes twice.
    county_level: set[int] = field(default_factory=set)
    by_precinct: set[int] = field(default_factory=set)
    candidates: int = 0
    new: bool = False
    changed: bool = False
    # Whether its choices are a ballot question's: marked so by the file (Clarity's isQuestion), or
    # every choice is a word such as Yes or No.
    marked_question: bool = False
    people: int = 0


class _CandidateEntry:
    __slots__ = ("candidate", "candidate_id", "changed", "contest", "counties", "parties", "spellings")

    def __init__(self, candidate: Candidate, contest: _ContestEntry, party: str, where: str) -> None:
        self.candidate = candidate
        self.candidate_id = candidate.pk
        self.contest = contest
        self.counties = contest.counties  # the contest's: where its rows come from
        # Each party given for the candidate → (how many files' counties gave it, the first file and line).
        self.parties: dict[str, list] = {party: [1, where]} if party else {}
        self.spellings = {candidate.name}  # the names as written (trimmed) read as this candidate
        self.changed = False


class _Import:
    """The state of one import: caches of counties, contests and candidates, and the counts."""

    def __init__(
        self,
        *,
        election: Election,
        batch: ImportBatch,
        seats: int,
        municipal: bool,
        by: AbstractBaseUser | None,
        label: str,
    ) -> None:
        self.election = election
        self.batch = batch
        self.seats = seats
        self.municipal = municipal
        self.by = by
        self.reason = _reason("Imported from {file_name}", label)
        self.declare_reason = _reason("Declared from imported returns ({file_name})", label)
        self.label = label
        self.file = label  # the file being read, for warnings
        self.rows_read = 0
        self.skipped_rows = 0
        self.warnings: list[Problem] = []
        self.parties: dict[str, str] = {}  # a party cell as written → its code
        self.read_cells: dict[tuple[str, str, str, str], tuple | object] = {}  # see _read_cells
        # Called before anything on the reading side touches the database (see _PostgresWriter).
        self.settle: Callable[[], None] = lambda: None
        self.totals: dict[int, int] = {}  # the writer's: candidate id → votes of the lines written
        # Every county of the state, by its name case-folded without "County": looked up once.
        self.jurisdictions = {
            county.pk: county
            for county in Jurisdiction.objects.filter(state=election.state, kind=JurisdictionKind.COUNTY)
        }
        self.state_counties = {county.name.casefold(): pk for pk, county in self.jurisdictions.items()}
        # New contests and candidates: on PostgreSQL they take ids from their sequences in blocks and
        # are inserted together just before the batch of results that first refers to them is sent,
        # so that reading never waits for the database; elsewhere each is inserted when first read.
        self.deferred = connection.vendor == "postgresql"
        self.pending: list[Contest | Candidate] = []
        self.free_ids: dict[type, list[int]] = {Contest: [], Candidate: []}
        self.id_blocks: dict[type, int] = {}  # the last block's size, doubled each time (ID_BLOCK first)
        self.precincts: dict[str, str] = {}  # a precinct cell as written → the precinct stored
        self.counties: dict[str, int] = {}  # cleaned, case-folded name → pk
        # Contests are keyed by (office, district, party, home county): in a primary each party's
        # race is its own contest (party empty otherwise); a county office ("Sheriff") is one contest
        # per county, an office voted across counties has no home county (None). All text case-folded.
        self.primary = election.kind in {ElectionKind.PRIMARY, ElectionKind.PRIMARY_RUNOFF}
        self.contests: dict[tuple[str, str, str, int | None], _ContestEntry] = {}
        self.candidates: dict[tuple[str, str, str, int | None, str], _CandidateEntry] = {}  # … and name
        self.new_candidates: list[Candidate] = []
        self.numbers: dict[str, int] = {}  # figures as written → value (small ones: bounded)
        self.existing_contests = {
            (
                contest.office.casefold(),
                contest.district.casefold(),
                contest.party.casefold(),
                contest.home_county_id,
            ): contest
            for contest in Contest.objects.filter(election=election)
        }
        self.existing_candidates = {
            (candidate.contest_id, candidate_key(candidate.name)): candidate
            for candidate in Candidate.objects.filter(contest__election=election)
        }

    # The loop. Everything per row is a dict lookup or a C call; anything new goes to a method.
    def warn(self, line: int | str | None, column: str | None, message: str) -> None:
        self.warnings.append(Problem(self.file, line, column, message))

    def read(self, chunks: Iterable[io.StringIO], writer: "_ResultWriter") -> None:
        """Read one CSV file (its text in ``chunks``) into the import."""
        reader = csv.reader(chain.from_iterable(chunks), strict=True)
        layout = None
        rows_before = self.rows_read
        try:
            header = next(reader, None)
            if not header:
                raise _rejected(1, None, "the file is empty; expected a header line naming the columns")
            layout = _layout(header)
            for warning in layout.warnings:
                self.warn(1, None, warning)
            writer.set_types(layout.types)
            self._read_rows(reader, layout, writer)
        except _Unreadable as error:
            column = None
            if layout is not None and error.line > 1:
                fields = len(next(csv.reader([error.before]), None) or [""])
                column = layout.names[min(max(fields, 1), layout.width) - 1]
            raise _rejected(error.line, column, error.problem) from None
        except csv.Error as error:
            raise _rejected(reader.line_num, None, f"not a well-formed CSV line ({error})") from None
        if self.rows_read == rows_before:
            raise _rejected(reader.line_num + 1, None, "no data rows after the header")

    def _read_rows(self, reader, layout: _Layout, writer: "_ResultWriter") -> None:
        width = layout.width
        key_of = layout.key_of
        votes_of = layout.votes_of
        combine = layout.combine
        number = self.numbers.__getitem__
        precincts = self.precincts
        county_ids: dict[str, int] = {}
        # Cells as written and county → (entry, whether its lines there are by precinct: None until seen).
        entries: dict[tuple[str, str, str, int, str], tuple[object, bool | None]] = {}
        results: list[tuple] = []  # (candidate, county, precinct, votes, *one per type or None)
        lines: list[int] = []
        rows_read = skipped = 0
        for row in reader:
            if len(row) != width:
                if not row:
                    continue  # a blank line
                raise _rejected(_lines(reader, row), None, f"{len(row)} fields, but the header has {width}")
            rows_read += 1
            county, precinct, office, district, party, name = key_of(row)
            county_id = county_ids.get(county)
            if county_id is None:
                county_id = county_ids[county] = self._county(county, reader.line_num)
            key = (office, district, name, county_id, party)
            found = entries.get(key)
            if found is None:
                entry = self._candidate(office, district, name, party, county_id, reader.line_num)
                if entry is not _SKIP:
                    entry.counties.add(county_id)
                found = entries[key] = (entry, None)
            entry, by_precinct = found
            if entry is _SKIP:
                skipped += 1
                continue
            stored = precincts.get(precinct)
            if stored is None:
                stored = self._precinct(precinct, reader.line_num)
            precinct = stored
            if (precinct != "") is not by_precinct:  # the first line of this candidate and county, or a change
                self._precinct_or_county(entry.contest, county_id, precinct, reader.line_num)
                entries[key] = (entry, precinct != "")
            cells = votes_of(row)
            try:
                figures = combine(list(map(number, cells)))
            except KeyError:  # a figure not seen yet, or not a plain figure
                figures = self._figures(cells, combine)
            if figures is None:
                figures = self._votes(cells, layout, reader.line_num)  # says what is wrong, or has gaps
            results.append((entry.candidate_id, county_id, precinct, *figures))
            lines.append(reader.line_num)
            if len(results) == BATCH_LINES:
                writer.write(results, lines)
                results, lines = [], []
        writer.write(results, lines)
        self.rows_read += rows_read
        self.skipped_rows += skipped

    def _figures(self, cells: tuple[str, ...], combine: Callable) -> list[int] | None:
        """The figures of a row with a figure not in the cache yet; None if any is unusual."""
        try:
            values = list(map(int, cells))
        except ValueError:
            return None
        if min(values) < 0 or sum(values) > MAX_VOTES:
            return None
        for cell, value in zip(cells, values, strict=True):
            if value < NUMBER_CACHE_LIMIT:
                self.numbers[cell] = value
        return combine(values)

    def _votes(self, cells: tuple[str, ...], layout: _Layout, line: int) -> list[int | None]:
        """The figures of a row that is not plain (``votes``, then one per type, None where not given);
        raises when something is wrong."""
        values: list[int | None] = []
        for column, cell in zip(layout.vote_columns, cells, strict=True):
            text = cell.strip()
            if not text:
                values.append(None)
                continue
            values.append(_figure(cell, line, column))
        total = values.pop(0) if layout.has_total else None
        by_type: list[int | None] = []
        for start, stop in layout.splits:
            parts = [value for value in values[start:stop] if value is not None]
            if parts and sum(parts) > MAX_VOTES:
                raise _rejected(
                    line,
                    layout.vote_columns[start + layout.has_total],
                    "with its splits, more votes than can be stored",
                )
            by_type.append(sum(parts) if parts else None)
        given = [votes for votes in by_type if votes is not None]
        added = sum(given)
        if total is None:
            if not given:
                columns = layout.vote_columns
                raise _rejected(
                    line, columns[0], "empty" + (", as are the other vote columns" if len(columns) > 1 else "")
                )
            if added > MAX_VOTES:
                raise _rejected(line, layout.vote_columns[0], "the vote types add up to more votes than can be stored")
            return [added, *by_type]
        if given and added != total:
            raise _rejected(line, layout.vote_columns[0], f"{total} is not the sum of the vote-type columns ({added})")
        return [total, *by_type]

    def _county(self, cell: str, line: int) -> int:
        cleaned = _plain(cell)
        if not cleaned:
            raise _rejected(line, "county", "empty")
        key = cleaned.casefold().removesuffix(" county")
        if key not in self.counties:
            if key not in self.state_counties:
                raise _rejected(line, "county", f'"{cleaned}" is not a Georgia county')
            self.counties[key] = self.state_counties[key]
        return self.counties[key]

    def _insert(self, instance: Contest | Candidate) -> None:
        """Give a new contest or candidate its row: at once, or with the next batch (see ``deferred``)."""
        if not self.deferred:
            type(instance).objects.bulk_create([instance])
            return
        free = self.free_ids[type(instance)]
        if not free:
            self.settle()
            table = type(instance)._meta.db_table
            self.id_blocks[type(instance)] = block = min(2 * self.id_blocks.get(type(instance), ID_BLOCK // 2), 8192)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, block]
                )
                free.extend(sorted((row[0] for row in cursor.fetchall()), reverse=True))
        instance.pk = free.pop()
        self.pending.append(instance)

    def insert_pending(self) -> None:
        """Insert the new contests and candidates read since the last batch (contests first)."""
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        Contest.objects.bulk_create([instance for instance in pending if isinstance(instance, Contest)])
        Candidate.objects.bulk_create([instance for instance in pending if isinstance(instance, Candidate)])

    def _precinct(self, cell: str, line: int) -> str:
        precinct = precinct_name(cell)
        if len(precinct) > 200:
            raise _rejected(line, "precinct", "longer than 200 characters")
        if not precinct and cell.strip():
            self.warn(
                line, "precinct", f'"{cell.strip()}" is not a precinct\'s name; its lines are county-level figures.'
            )
        self.precincts[cell] = precinct
        return precinct

    def _party_code(self, cell: str) -> str:
        code = self.parties.get(cell)
        if code is None:
            code = self.parties[cell] = party_code(cell)
            if len(code) > 100:
                raise _rejected(None, "party", "longer than 100 characters")
        return code

    def _candidate(
        self, office: str, district: str, name: str, party: str, county_id: int, line: int, question: bool = False
    ) -> object:
        """The candidate (or a ballot question's choice) of a line, created on its first line.

        Names are read through the vocabulary: an office by ``office_name``, a choice by
        ``choice_display``, a candidate by ``candidate_display`` (the party in brackets after a name
        counts when the party column is empty). Every spelling read as another is warned of once.
        """
        cells = (office, district, name, party)
        read = self.read_cells.get(cells)
        if read is None:
            read = self.read_cells[cells] = self._read_cells(*cells)
        if read is _SKIP:
            return _SKIP
        office, district, written, display, code, choice, level, key_text = read
        home_county = county_id if level == Level.COUNTY else None
        key = (*key_text, home_county, display.casefold())
        entry = self.candidates.get(key)
        if entry is None:
            entry = self._new_candidate(key, office, district, display, code, level, home_county, line, choice)
        elif code:
            given = entry.parties.setdefault(code, [0, f"line {line} of {self.file}"])
            given[0] += 1
        if question:
            entry.contest.marked_question = True
        if written not in entry.spellings:
            entry.spellings.add(written)
            damage = looks_damaged(written)
            if damage:
                self.warn(line, "candidate", f'"{written}" looks damaged ({damage}); it was read as "{display}".')
            else:
                self.warn(
                    line, "candidate", f'"{written}" was read as "{entry.candidate.name}" ({entry.contest.contest}).'
                )
        return entry

    def _read_cells(self, office: str, district: str, name: str, party: str) -> tuple | object:
        """What a line's office, district, candidate and party cells say (read once per spelling)."""
        office, district = office_name(office), _plain(district)
        if (
            office.casefold() in NOT_CANDIDATE_VOTES["office"]
            or _plain(name).casefold() in NOT_CANDIDATE_VOTES["candidate"]
        ):
            return _SKIP
        code = self._party_code(party) or candidate_party(name)
        choice = choice_display(name)
        display = choice or candidate_display(name)
        level = office_level(office, municipal=self.municipal)
        primary_party = code if self.primary else ""
        key_text = (office.casefold(), district.casefold(), primary_party)
        return office, district, name.strip(), display, code, choice, level, key_text

    def _new_candidate(
        self,
        key: tuple,
        office: str,
        district: str,
        name: str,
        party: str,
        level: Level,
        home_county: int | None,
        line: int,
        choice: str | None,
    ) -> _CandidateEntry:
        for column, value, limit in (("office", office, 200), ("district", district, 100), ("candidate", name, 200)):
            if column != "district" and not value:
                raise _rejected(line, column, "empty")
            if len(value) > limit:
                raise _rejected(line, column, f"longer than {limit} characters")
        contest = self._contest(office, district, key[2], level, home_county)
        contest.candidates += 1
        if choice is None:
            contest.people += 1
        write_in = WRITE_IN_AGGREGATE.fullmatch(name) is not None
        where = f"line {line} of {self.file}"
        candidate = self.existing_candidates.get((contest.contest.pk, key[4]))
        if candidate is None:
            candidate = Candidate(
                contest=contest.contest,
                name=name,
                party=party,
                ballot_order=contest.candidates,
                write_in_aggregate=write_in,
            )
            self._insert(candidate)  # its history row is written in bulk by finish()
            self.new_candidates.append(candidate)
            entry = _CandidateEntry(candidate, contest, party, where)
        else:
            entry = _CandidateEntry(candidate, contest, party, where)
            entry.changed = (candidate.ballot_order, candidate.write_in_aggregate) != (contest.candidates, write_in)
            candidate.ballot_order, candidate.write_in_aggregate = contest.candidates, write_in
            if party and party != candidate.party:
                candidate.party, entry.changed = party, True
        self.candidates[key] = entry
        return entry

    def _contest(self, office: str, district: str, party: str, level: Level, home_county: int | None) -> _ContestEntry:
        key = (office.casefold(), district.casefold(), party.casefold(), home_county)
        if key not in self.contests:
            contest = self.existing_contests.get(key)
            if contest is None:
                contest = Contest(
                    election=self.election,
                    office=office,
                    district=district,
                    level=level,
                    seats=self.seats,
                    party=party,
                    home_county=self.jurisdictions.get(home_county),
                )
                self._insert(contest)  # its history row is written in bulk by finish()
                self.contests[key] = _ContestEntry(contest, new=True)
            else:
                changed = (contest.level, contest.seats) != (level, self.seats)
                contest.level, contest.seats = level, self.seats
                self.contests[key] = _ContestEntry(contest, changed=changed)
        return self.contests[key]

    def _precinct_or_county(self, contest: _ContestEntry, county_id: int, precinct: str, line: int) -> None:
        """Record that the contest's returns for the county come by precinct, or as one county-level
        line; refuse a file that gives both (the same votes would count twice)."""
        if precinct:
            if county_id in contest.county_level:
                self._counted_twice(contest, county_id, line, by_precinct=True)
            contest.by_precinct.add(county_id)
        else:
            if county_id in contest.by_precinct:
                self._counted_twice(contest, county_id, line, by_precinct=False)
            contest.county_level.add(county_id)

    def _counted_twice(self, contest: _ContestEntry, county_id: int, line: int, *, by_precinct: bool) -> None:
        county = self.jurisdictions[county_id]
        if by_precinct:
            problem = f"a precinct, but earlier lines give {county}'s county-level figures for {contest.contest}"
        else:
            problem = (
                f"empty (a county-level figure), but earlier lines give {county}'s precincts for {contest.contest}"
            )
        raise _rejected(line, "precinct", f"{problem}; the same votes would count twice. Import one or the other.")

    def _settle_parties(self) -> None:
        """Each candidate's party: the one most counties give; every other one given is warned of.

        In a general election a party label is not what the votes are counted by (in a primary the
        party is part of the contest, so it cannot differ): one county's wrong label is shown to the
        official, and does not refuse a state's returns.
        """
        self.file = None
        for entry in self.candidates.values():
            if not entry.parties:
                continue
            ranked = sorted(entry.parties.items(), key=lambda item: -item[1][0])
            party = ranked[0][0]
            if entry.candidate.party != party:
                entry.candidate.party, entry.changed = party, True
            for other, (count, where) in ranked[1:]:
                self.warn(
                    None,
                    "party",
                    f"{entry.candidate.name} ({entry.contest.contest}) is given as {other} in {count} place"
                    f"{'s' if count > 1 else ''} (first on {where}) but as {party} in {ranked[0][1][0]}; "
                    f"kept {party}.",
                )

    def finish(self, *, replace: bool) -> None:
        """Set contests' counties, save what changed, write history rows, then declare statuses.

        Contests and candidates new in this import were inserted without signals; their history
        rows (one "+" row each, in their final state, with the contests' counties) are written here
        in bulk, on purpose: one per object, several hundred of them, would cost more than the
        rest of the import of a small file.
        """
        self._settle_parties()
        for entry in self.contests.values():
            question = entry.marked_question or (entry.people == 0 and entry.candidates > 0)
            if entry.contest.is_question != question:
                entry.contest.is_question, entry.changed = question, True
        new_contests = [entry for entry in self.contests.values() if entry.new]
        Contest.objects.bulk_update([entry.contest for entry in new_contests if entry.changed], ["is_question"])
        contest_counties = Contest.counties.through.objects.bulk_create(
            Contest.counties.through(contest_id=entry.contest.pk, jurisdiction_id=county)
            for entry in new_contests
            for county in sorted(entry.counties)
        )
        for entry in self.contests.values():
            if entry.new:
                continue
            contest = entry.contest
            if entry.changed:
                save_with_history(contest, by=self.by, reason=self.reason)
            if set(contest.counties.values_list("pk", flat=True)) != entry.counties:
                contest._history_user, contest._change_reason = self.by, self.reason
                contest.counties.set(sorted(entry.counties))
        new_ids = {candidate.pk for candidate in self.new_candidates}
        Candidate.objects.bulk_update(
            [entry.candidate for entry in self.candidates.values() if entry.changed and entry.candidate_id in new_ids],
            ["party"],
        )
        for entry in self.candidates.values():
            if entry.changed and entry.candidate_id not in new_ids:
                save_with_history(entry.candidate, by=self.by, reason=self.reason)
        self._write_history([entry.contest for entry in new_contests], contest_counties, self.new_candidates)
        if replace:
            self._delete_absent()
        self._warn_party_labels()
        contests_declare_from_votes(
            contests=[entry.contest for entry in self.contests.values() if not entry.contest.is_question],
            by=self.by,
            reason=self.declare_reason,
            totals=self.totals,
        )

    def _warn_party_labels(self) -> None:
        """One warning per party written more than one way (each label read as its code)."""
        self.file = None
        by_code: dict[str, set[str]] = {}
        for written, code in self.parties.items():
            if code and written.strip():
                by_code.setdefault(code, set()).add(written.strip())
        for code, labels in sorted(by_code.items()):
            if len(labels) > 1 or labels != {code}:
                written = ", ".join(f'"{label}"' for label in sorted(labels))
                self.warn(None, "party", f"The party written {written} is read as {code}.")

    def summary(self) -> tuple[list[str], list[dict]]:
        """The counties read, and each contest with its choices' votes in this import (for the report)."""
        names = {pk: self.jurisdictions[pk].name for pk in self.counties.values()}
        totals = self.totals
        choices: dict[int, list[dict]] = {}
        for entry in self.candidates.values():
            candidate = entry.candidate
            choices.setdefault(entry.contest.contest.pk, []).append(
                {"name": candidate.name, "party": candidate.party, "votes": totals.get(candidate.pk, 0)}
            )
        contests = []
        for entry in self.contests.values():
            contest = entry.contest
            listed = sorted(choices.get(contest.pk, []), key=lambda choice: (-choice["votes"], choice["name"]))
            contests.append(
                {
                    "name": str(contest),
                    "level": contest.level,
                    "question": contest.is_question,
                    "counties": len(entry.counties),
                    "total": sum(choice["votes"] for choice in listed),
                    "choices": listed,
                }
            )
        contests.sort(
            key=lambda contest: (
                not contest["question"] and contest["level"] not in {"federal", "state"},
                contest["question"],
                contest["name"],
            )
        )
        return sorted(names.values()), contests

    def read_clarity(self, rows: Iterable[ClarityRow], writer: "_ResultWriter") -> None:
        """Read one Clarity ``detail.xml`` (its rows) into the import: the same rules, per row."""
        types = broken_down_types()
        writer.set_types(types)
        county_ids: dict[str, int] = {}
        results: list[tuple] = []
        lines: list[int] = []
        rows_before = self.rows_read
        for row in rows:
            self.rows_read += 1
            county_id = county_ids.get(row.county)
            if county_id is None:
                county_id = county_ids[row.county] = self._county(row.county, row.line)
            entry = self._candidate(row.office, "", row.candidate, row.party, county_id, row.line, row.question)
            if entry is _SKIP:
                self.skipped_rows += 1
                continue
            entry.counties.add(county_id)
            precinct = self.precincts.get(row.precinct)
            if precinct is None:
                precinct = self._precinct(row.precinct, row.line)
            self._precinct_or_county(entry.contest, county_id, precinct, row.line)
            by_type = dict.fromkeys(types)
            for name, cell in row.votes.items():
                meaning = read_column(name)
                if meaning is None or meaning[0] not in by_type:
                    raise _rejected(
                        row.line, name, f"not a vote type the desk knows; the known columns are {vocabulary_text()}"
                    )
                value = _figure(cell, row.line, name)
                vote_type = VoteType(meaning[0])
                by_type[vote_type] = (by_type[vote_type] or 0) + value
            given = [votes for votes in by_type.values() if votes is not None]
            if not given:
                raise _rejected(row.line, None, f"no votes given for {row.candidate} in {row.precinct or row.county}")
            results.append((entry.candidate_id, county_id, precinct, sum(given), *by_type.values()))
            lines.append(row.line)
            if len(results) == BATCH_LINES:
                writer.write(results, lines)
                results, lines = [], []
        writer.write(results, lines)
        if self.rows_read == rows_before:
            raise _rejected(None, None, "no results in the file: no contest has a choice with votes")

    def _write_history(self, contests: list[Contest], contest_counties: list, candidates: list[Candidate]) -> None:
        options = {"default_user": self.by, "default_change_reason": self.reason}
        records = {record.id: record for record in Contest.history.bulk_history_create(contests, **options) or ()}
        field = Contest._meta.get_field("counties")
        counties_history = HistoricalRecords.m2m_models[field]
        created = counties_history.objects.bulk_create(
            counties_history(
                history=records[row.contest_id],
                id=row.id,
                contest_id=row.contest_id,
                jurisdiction_id=row.jurisdiction_id,
            )
            for row in contest_counties
        )
        # Written in bulk for every contest at once: announced as simple-history announces the m2m
        # history rows it writes itself, so that whoever keeps a record of history rows (the audit
        # trail) hears of these too. No single contest or history row is theirs: both are None.
        post_create_historical_m2m_records.send(
            sender=counties_history, created_rows=created, history_instance=None, instance=None, field=field
        )
        Candidate.history.bulk_history_create(candidates, **options)

    def _delete_absent(self) -> None:
        """With replace: contests and candidates the earlier import had and this file does not."""
        kept_candidates = {entry.candidate_id for entry in self.candidates.values()}
        kept_contests = {entry.contest.pk for entry in self.contests.values()}
        absent = [c for c in self.existing_candidates.values() if c.pk not in kept_candidates]
        absent += [c for c in self.existing_contests.values() if c.pk not in kept_contests]
        for instance in absent:
            instance._history_user = self.by
            instance._change_reason = _reason("Not in the replacing file {file_name}", self.batch.file_name)
            try:
                with transaction.atomic():
                    instance.delete()
            except ProtectedError as error:
                raise ImportRejected(
                    f'"{instance}" is not in the new file but cannot be removed: it is referred to by '
                    f"{', '.join(sorted({str(obj) for obj in error.protected_objects}))}."
                ) from None


def _figure(cell: str, line: int, column: str) -> int:
    """A cell's votes: a whole number from 0 to what the column holds, or a refusal saying which."""
    try:
        value = int(cell.strip())
    except ValueError:
        raise _rejected(line, column, f'"{cell}" is not a whole number') from None
    if value < 0:
        raise _rejected(line, column, f'"{cell}" is negative; votes cannot be below zero')
    if value > MAX_VOTES:
        raise _rejected(line, column, f"{value} is more votes than can be stored")
    return value


# -- Writing results -----------------------------------------------------------------------------


class _ResultWriter:
    """Inserts batches of results with raw SQL, each under a savepoint; names a repeated line."""

    def __init__(self, *, batch: ImportBatch, cursor) -> None:
        self.batch = batch
        self.cursor = cursor
        self.table = connection.ops.quote_name(Result._meta.db_table)
        self.type_columns: tuple[str, ...] = ()  # the vote-type columns the file gives, in its rows' order
        self.written = 0
        self.totals: dict[int, int] = {}  # candidate id → the votes of the lines written

    def add_up(self, results: list[tuple]) -> None:
        totals = self.totals
        for candidate, _, _, votes, *_ in results:
            totals[candidate] = totals.get(candidate, 0) + votes

    def set_types(self, types: Iterable[VoteType]) -> None:
        """The vote types of the rows to come (each file's own)."""
        self.type_columns = tuple(vote_type.value for vote_type in types)

    @property
    def columns(self) -> str:
        return ", ".join(["candidate_id", "county_id", "precinct", "votes", *self.type_columns, "import_batch_id"])

    def write(self, results: list[tuple], lines: list[int]) -> None:
        if not results:
            return
        savepoint = transaction.savepoint_create()
        try:
            self.insert(results)
        except (IntegrityError, connection.Database.IntegrityError):
            transaction.savepoint_rollback(savepoint)
            raise self._repeated(results, lines) from None
        transaction.savepoint_commit(savepoint)
        self.written += len(results)
        self.add_up(results)

    def insert(self, results: list[tuple]) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Make sure every batch written so far is in (a writer that sends in the background waits)."""

    def _repeated(self, results: list[tuple], lines: list[int]) -> ImportRejected:
        """Find the first line of the failed batch whose result is already in, or earlier in the batch."""
        keys = [result[:3] for result in results]
        seen = set(
            Result.objects.filter(
                candidate_id__in={key[0] for key in keys},
                county_id__in={key[1] for key in keys},
                precinct__in={key[2] for key in keys},
            ).values_list("candidate_id", "county_id", "precinct")
        )
        for line, key in zip(lines, keys, strict=True):
            if key in seen:
                candidate = Candidate.objects.select_related("contest").get(pk=key[0])
                county = Jurisdiction.objects.get(pk=key[1])
                where = f'{county}, precinct "{key[2]}"' if key[2] else f"{county} (county level)"
                return _rejected(
                    line, None, f"the same county, precinct, office, district and candidate as an earlier line "
                    f"({where}, {candidate.contest}, \"{candidate.name}\")"
                )  # fmt: skip
            seen.add(key)
        return ImportRejected(f"The database refused the lines {lines[0]}–{lines[-1]}; nothing was imported.")


class _SQLiteWriter(_ResultWriter):
    """Multi-row INSERTs of SQLITE_LINES_PER_INSERT lines through ``executemany``."""

    statements: tuple[str, str] | None = None

    def set_types(self, types: Iterable[VoteType]) -> None:
        super().set_types(types)
        self.statements = None

    def insert(self, results: list[tuple]) -> None:
        one_line, many_lines = self._statements()
        # In the order of the unique index the B-trees are written at a few places, not all over.
        results = sorted(results, key=_line_key)
        whole = len(results) - len(results) % SQLITE_LINES_PER_INSERT
        values = chain.from_iterable(results[:whole])
        parameters = zip(*[values] * (SQLITE_LINES_PER_INSERT * len(results[0])), strict=False)
        self.cursor.executemany(many_lines, parameters)
        self.cursor.executemany(one_line, results[whole:])

    def _statements(self) -> tuple[str, str]:
        """INSERT statements for one line and for SQLITE_LINES_PER_INSERT lines."""
        if self.statements is None:
            line = f"({', '.join(['%s'] * (4 + len(self.type_columns)))}, {self.batch.pk})"
            start = f"INSERT INTO {self.table} ({self.columns}) VALUES "  # noqa: S608 (names and integers only)
            self.statements = start + line, start + ", ".join([line] * SQLITE_LINES_PER_INSERT)
        return self.statements


_line_key = itemgetter(0, 1, 2)


class _PostgresWriter(_ResultWriter):
    """COPY in text format, one batch per COPY statement, sent by a second thread.

    The server checks each row's keys as it receives it (the import's floor: see BENCHMARKS.md);
    meanwhile this process reads and checks the next batch. At most one batch is in flight. The
    COPY runs on the same connection, so in the same transaction, under a savepoint of its own;
    whoever touches the database from the reading side first waits for it (``flush``), so nothing
    else runs on the connection while a COPY may fail.
    """

    _escapes = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

    def __init__(self, *, batch: ImportBatch, cursor) -> None:
        super().__init__(batch=batch, cursor=cursor)
        self.raw = connection.connection  # the psycopg connection: Django's wrapper stays on this thread
        self.sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-copy")
        self.in_flight: tuple[Future, list[tuple], list[int]] | None = None
        self.before_send: Callable[[], None] = lambda: None  # inserts the rows the batch refers to

    def write(self, results: list[tuple], lines: list[int]) -> None:
        if not results:
            return
        text = self.text(results)
        self.flush()
        self.before_send()
        statement = f"COPY {self.table} ({self.columns}) FROM STDIN"
        self.in_flight = (self.sender.submit(self._send, statement, text), results, lines)

    def flush(self) -> None:
        """Wait for the batch in flight; refuse its repeated line if the database refused it."""
        if self.in_flight is None:
            return
        sent, results, lines = self.in_flight
        self.in_flight = None
        try:
            sent.result()
        except connection.Database.IntegrityError:
            raise self._repeated(results, lines) from None
        self.written += len(results)
        self.add_up(results)

    def close(self) -> None:
        try:
            if self.in_flight is not None:
                self.in_flight[0].exception()  # wait, whatever the outcome: the connection is free after
        finally:
            self.sender.shutdown()

    def text(self, results: list[tuple]) -> str:
        tail = f"\t{self.batch.pk}\n"
        escaped: dict[str, str] = {}
        text: list[str] = []
        add = text.append
        for candidate, county, precinct, *figures in results:
            cell = escaped.get(precinct)
            if cell is None:
                cell = escaped[precinct] = precinct.translate(self._escapes)
            add(f"{candidate}\t{county}\t{cell}\t{'\t'.join(_copy_cell(figure) for figure in figures)}{tail}")
        return "".join(text)

    def _send(self, statement: str, text: str) -> None:
        with self.raw.cursor() as cursor:
            cursor.execute("SAVEPOINT result_copy")
            try:
                with cursor.copy(statement) as copy:
                    copy.write(text)
            except connection.Database.IntegrityError:
                cursor.execute("ROLLBACK TO SAVEPOINT result_copy")
                raise
            cursor.execute("RELEASE SAVEPOINT result_copy")


def _copy_cell(figure: int | None) -> str:
    return "\\N" if figure is None else str(figure)


@contextmanager
def _result_writer(*, batch: ImportBatch) -> Iterator[_ResultWriter]:
    """The writer for the connection's database, with its per-import settings set, then restored."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            try:
                yield _SQLiteWriter(batch=batch, cursor=cursor)
            finally:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
        elif connection.vendor == "postgresql":
            # Django declares foreign keys DEFERRABLE INITIALLY DEFERRED: checked at commit, with an
            # event per row queued in the server's memory until then. Checking them at the end of
            # each COPY instead keeps that memory bounded by the batch, for the same work.
            cursor.execute(
                "SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' AND condeferrable",
                [Result._meta.db_table],
            )
            (constraints,) = cursor.fetchone()
            if constraints:
                cursor.execute(f"SET CONSTRAINTS {constraints} IMMEDIATE")
            writer = _PostgresWriter(batch=batch, cursor=cursor)
            try:
                yield writer
            finally:
                writer.close()
            if constraints:  # (after a failure the transaction ends, and the setting with it)
                cursor.execute(f"SET CONSTRAINTS {constraints} DEFERRED")
        else:
            raise ImportRejected(f"Importing returns needs SQLite or PostgreSQL, not {connection.vendor}.")
