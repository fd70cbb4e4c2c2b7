"""Import an OpenElections CSV file (the layout published for Georgia) into an election.

The file
    Columns ``county,precinct,office,district,party,candidate`` are required, plus ``votes`` and/or
    vote-type columns (see ``VOTE_TYPE_COLUMNS``); numbered splits such as ``advance_in_person_1``,
    ``advance_in_person_2`` add up into their type. Header names are trimmed and matched in any case;
    other columns are ignored and named in the summary's warnings. Each row becomes one ``Result``:
    its ``votes`` and one column per vote type given (an empty cell is "not given", a zero is a real
    figure; a row with no type given is not broken down by type). When ``votes`` is given too, the
    types must add up to it; without it, ``votes`` is their sum. An empty precinct is a county-level
    row. Lines that are not votes for a candidate (see ``NOT_CANDIDATE_VOTES``) are counted and
    skipped; a "Write-ins" line is a write-in aggregate candidate (counted in the total, never
    declared).

All or nothing
    Everything happens in one transaction. Any problem rejects the whole file with an
    ``ImportRejected`` whose message names the line, the column and the problem, and nothing is
    written. A row repeated (same county, precinct, office, district and candidate) is caught by the
    database's ``result_unique_line`` constraint rather than by remembering every row: each batch is
    written under a savepoint, and when one fails the offending line is found within that batch.

Provenance
    Original returns are written without per-row history rows: the ``ImportBatch`` (file name,
    SHA-256 of the exact bytes, rows read, results written, who, when) is their provenance. Any later
    correction goes through a service that writes a history row with its reason. The election, and
    contests and candidates that already existed, are saved with history as usual; contests and
    candidates new in the file get their one "+" history row each written in bulk at the end (with
    the contests' counties). Replacing an import (``replace=True``) deletes the earlier results the
    same way they came, without history rows (they were never certified, and their batch stays on
    record); the contests and candidates the new file no longer has are deleted with history.

Speed and memory
    One pass over the bytes: they are hashed, decoded line by line (an encoding error names its
    line) and parsed as they are read; nothing is kept per row. Counties, contests and candidates are
    looked up once and then cached in dicts (bounded by their number, not by the file's). Results
    are inserted with raw SQL in batches of ``BATCH_LINES`` lines: multi-row ``INSERT`` through
    ``executemany`` on SQLite, ``COPY`` on PostgreSQL. ``BENCHMARKS.md`` has the figures.
"""

import csv
import datetime
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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

from elections.enums import ElectionKind, Level, VoteType
from elections.models import Candidate, Contest, Election, ImportBatch, Jurisdiction, Result
from elections.offices import office_level
from elections.services import (
    HISTORY_REASON_LENGTH,
    ElectionsError,
    contests_declare_from_votes,
    county_by_name,
    save_with_history,
)

REQUIRED_COLUMNS: Final = ("county", "precinct", "office", "district", "party", "candidate")
TOTAL_COLUMN: Final = "votes"

#: Vote-type columns, in both spellings found in Georgia files. A name followed by ``_<number>``
#: (``advance_in_person_1``) is a numbered split: the splits of one type add up.
VOTE_TYPE_COLUMNS: Final = {
    "election_day": VoteType.ELECTION_DAY,
    "election_day_votes": VoteType.ELECTION_DAY,
    "advance_in_person": VoteType.ADVANCE_IN_PERSON,
    "advanced_votes": VoteType.ADVANCE_IN_PERSON,
    "absentee_by_mail": VoteType.ABSENTEE_BY_MAIL,
    "absentee_by_mail_votes": VoteType.ABSENTEE_BY_MAIL,
    "provisional": VoteType.PROVISIONAL,
    "provisional_votes": VoteType.PROVISIONAL,
    "military_overseas": VoteType.MILITARY_OVERSEAS,
    "military_overseas_votes": VoteType.MILITARY_OVERSEAS,
}

#: Lines that are not votes for a candidate: skipped and counted in ``ImportSummary.skipped_rows``.
#: A line is skipped when its candidate column, or its office column, is one of these (any case,
#: spaces collapsed).
NOT_CANDIDATE_VOTES: Final = {
    "candidate": frozenset({"over votes", "under votes", "overvotes", "undervotes", "total", "total votes", "blank"}),
    "office": frozenset({"registered voters", "ballots cast"}),
}

#: Party cells of a nonpartisan race on a primary ballot (judges, school boards): not a party's primary.
NONPARTISAN: Final = frozenset({"np", "nonpartisan", "non-partisan", "non partisan", "nop"})

#: "Write-ins", "Write-In", "Write In", "write-in": one line summing votes for many people.
WRITE_IN_AGGREGATE: Final = re.compile(r"write[\s-]*ins?", re.IGNORECASE)

BATCH_LINES: Final = 10_000  # CSV lines (each one Result) per insert batch
READ_CHUNK: Final = 1 << 20  # bytes read, hashed and decoded at a time
MAX_LINE_BYTES: Final = 16 << 20  # a "line" this long means the file is not CSV text
MAX_VOTES: Final = 2_147_483_647  # what the votes column can hold
NUMBER_CACHE_LIMIT: Final = 100_000  # figures below this are parsed once and then looked up
SQLITE_LINES_PER_INSERT: Final = 50  # CSV lines per multi-row INSERT statement on SQLite
SQLITE_CACHE_KIB: Final = 65_536  # page cache while importing (the default 2 MiB thrashes the indexes)

_SPLIT_COLUMN = re.compile(r"(?P<base>.+)_(?P<number>\d+)")
_BOM = b"\xef\xbb\xbf"
_SKIP = object()  # the candidate cache's entry for lines that are not candidates' votes


class ImportRejected(ElectionsError):
    """The file cannot be imported; the message names the line, the column and the problem."""


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
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the returns in ``source`` (bytes) into the election named by the arguments.

    The election is found by ``slug`` (default: ``slugify(election_name)``) or created. An
    existing one must have the same name, date and kind, no certification, and no results unless
    ``replace``, which deletes its earlier results (and, once the new file is in, the contests and
    candidates it no longer has). ``seats`` is the number of seats of every contest in the file;
    ``municipal`` makes local offices municipal rather than county ones. ``progress`` is called
    with the number of bytes read so far. Afterwards each contest's top ``seats`` candidates are
    declared elected (nominated, in a primary).
    """
    slug = _check_arguments(election_name=election_name, kind=kind, slug=slug, seats=seats, file_name=file_name)
    with transaction.atomic():
        election = _election_for(
            name=election_name, slug=slug, date=date, kind=kind, by=by, replace=replace, file_name=file_name
        )
        batch = ImportBatch.objects.create(
            election=election,
            file_name=file_name,
            sha256="",
            row_count=0,
            result_count=0,
            imported_by=by,
            imported_at=timezone.now(),
        )
        run = _Import(election=election, batch=batch, seats=seats, municipal=municipal, by=by, file_name=file_name)
        digest = hashlib.sha256()
        with _result_writer(batch=batch) as writer:
            run.read(_text_chunks(source, digest, progress), writer)
        batch.sha256 = digest.hexdigest()
        _refuse_same_file(batch)
        batch.row_count = run.rows_read
        batch.result_count = writer.written
        batch.save(update_fields=["sha256", "row_count", "result_count"])
        run.finish(replace=replace)
    return ImportSummary(
        election=election,
        batch=batch,
        row_count=run.rows_read,
        result_count=writer.written,
        contest_count=len(run.contests),
        candidate_count=len(run.candidates),
        skipped_rows=run.skipped_rows,
        warnings=tuple(run.warnings),
    )


# -- Arguments and the election ---------------------------------------------------------------------


def _check_arguments(*, election_name: str, kind: str, slug: str | None, seats: int, file_name: str) -> str:
    if not election_name.strip():
        raise ImportRejected("Give the election a name.")
    if len(election_name) > Election._meta.get_field("name").max_length:
        raise ImportRejected("The election's name is longer than 200 characters.")
    if kind not in ElectionKind.values:
        raise ImportRejected(f"“{kind}” is not a kind of election; use one of {', '.join(ElectionKind.values)}.")
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= 32_767:
        raise ImportRejected(f"The number of seats must be a whole number from 1 up; got {seats!r}.")
    if len(file_name) > ImportBatch._meta.get_field("file_name").max_length:
        raise ImportRejected("The file name is longer than 255 characters; rename the file.")
    slug = slugify(election_name) if slug is None else slug
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
    *,
    name: str,
    slug: str,
    date: datetime.date,
    kind: str,
    by: AbstractBaseUser | None,
    replace: bool,
    file_name: str,
) -> Election:
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


def _refuse_same_file(batch: ImportBatch) -> None:
    earlier = (
        ImportBatch.objects.filter(election=batch.election, sha256=batch.sha256)
        .exclude(pk=batch.pk)
        .order_by("imported_at")
        .first()
    )
    if earlier is not None:
        when = timezone.localtime(earlier.imported_at)
        raise ImportRejected(
            f"This file (SHA-256 {batch.sha256[:12]}…) was already imported on {when:%Y-%m-%d at %H:%M %Z} "
            f"as “{earlier.file_name}”; nothing was changed."
        )


# -- Reading: bytes → hashed → UTF-8 text → CSV lines ---------------------------------------------


class _Unreadable(Exception):
    """Raised by the reader; turned into an ImportRejected once the column can be named."""

    def __init__(self, line: int, before: str, problem: str) -> None:
        super().__init__(line)
        self.line, self.before, self.problem = line, before, problem


def _text_chunks(
    source: BinaryIO, digest: "hashlib._Hash", progress: Callable[[int], None] | None
) -> Iterator[io.StringIO]:
    """Read ``source`` once, hash every byte, and yield its text a block of whole lines at a time.

    A line that is not UTF-8 text, or holds a NUL, ends it: the lines before it are yielded first
    (so the header is known), then ``_Unreadable`` says where.
    """
    pending = b""
    lines_before = 0
    bytes_read = 0
    first = True
    while True:
        chunk = source.read(READ_CHUNK)
        if chunk:
            digest.update(chunk)
            bytes_read += len(chunk)
            if progress is not None:
                progress(bytes_read)
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
                    raise ImportRejected(
                        f"line {lines_before + 1}: longer than {MAX_LINE_BYTES >> 20} MiB; is this a CSV file?"
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
    names = tuple(cell.strip() for cell in header)
    warnings: list[tuple[int, str]] = []  # (column index, warning), sorted before use
    position: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name.casefold()
        if not key:
            warnings.append((index, f"Column {index + 1} has no name; it was ignored."))
            continue
        if key in position:
            raise _rejected(1, name, "appears twice in the header")
        position[key] = index
    for column in REQUIRED_COLUMNS:
        if column not in position:
            raise _rejected(
                1, column, "missing from the header (an OpenElections file has county, precinct, office, "
                "district, party, candidate, and votes or vote-type columns)"
            )  # fmt: skip
    by_type: dict[VoteType, list[tuple[str, int | None, int]]] = {}
    for key, index in position.items():
        if key in REQUIRED_COLUMNS or key == TOTAL_COLUMN:
            continue
        split = _SPLIT_COLUMN.fullmatch(key)
        if key in VOTE_TYPE_COLUMNS:
            by_type.setdefault(VOTE_TYPE_COLUMNS[key], []).append((key, None, index))
        elif split and split["base"] in VOTE_TYPE_COLUMNS:
            by_type.setdefault(VOTE_TYPE_COLUMNS[split["base"]], []).append(
                (split["base"], int(split["number"]), index)
            )
        else:
            warnings.append((index, f'Column "{names[index]}" is not an OpenElections column; it was ignored.'))
    if TOTAL_COLUMN not in position and not by_type:
        raise _rejected(
            1, TOTAL_COLUMN, "missing from the header, and there are no vote-type columns "
            f"({', '.join(VOTE_TYPE_COLUMNS)}) either"
        )  # fmt: skip
    vote_indices = [position[TOTAL_COLUMN]] if TOTAL_COLUMN in position else []
    types, splits = [], []
    for vote_type in VoteType:
        columns = sorted(by_type.get(vote_type, []), key=lambda column: (column[1] or 0, column[2]))
        if not columns:
            continue
        if len(columns) > 1 and (any(number is None for _, number, _ in columns) or len({c[0] for c in columns}) > 1):
            first, second = (names[index] for _, _, index in columns[:2])
            raise _rejected(
                1, second, f"{vote_type.label.lower()} votes are already in column \"{first}\"; give one "
                "spelling, or numbered splits (name_1, name_2…) that add up"
            )  # fmt: skip
        start = len(vote_indices) - (TOTAL_COLUMN in position)
        vote_indices.extend(index for _, _, index in columns)
        types.append(vote_type)
        splits.append((start, start + len(columns)))
    has_total = TOTAL_COLUMN in position
    return _Layout(
        names=names,
        width=len(names),
        key_of=itemgetter(*(position[column] for column in REQUIRED_COLUMNS)),
        votes_of=_getter(vote_indices),
        vote_columns=tuple(names[index] for index in vote_indices),
        has_total=has_total,
        types=tuple(types),
        splits=tuple(splits),
        combine=_combiner(has_total, splits),
        warnings=tuple(warning for _, warning in sorted(warnings)),
    )


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


def _rejected(line: int | str, column: str | None, problem: str) -> ImportRejected:
    where = f"lines {line}" if "–" in str(line) else f"line {line}"
    if column is None:
        return ImportRejected(f"{where}: {problem}")
    return ImportRejected(f'{where}, column "{column}": {problem}')


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


class _CandidateEntry:
    __slots__ = ("candidate", "candidate_id", "changed", "contest", "counties", "party", "party_line")

    def __init__(self, candidate: Candidate, contest: _ContestEntry, party: str, line: int) -> None:
        self.candidate = candidate
        self.candidate_id = candidate.pk
        self.contest = contest
        self.counties = contest.counties  # the contest's: where its rows come from
        self.party = party
        self.party_line = line
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
        file_name: str,
    ) -> None:
        self.election = election
        self.batch = batch
        self.seats = seats
        self.municipal = municipal
        self.by = by
        self.reason = _reason("Imported from {file_name}", file_name)
        self.declare_reason = _reason("Declared from imported returns ({file_name})", file_name)
        self.rows_read = 0
        self.skipped_rows = 0
        self.warnings: list[str] = []
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
            (candidate.contest_id, candidate.name.casefold()): candidate
            for candidate in Candidate.objects.filter(contest__election=election)
        }

    # The loop. Everything per row is a dict lookup or a C call; anything new goes to a method.
    def read(self, chunks: Iterable[io.StringIO], writer: "_ResultWriter") -> None:
        reader = csv.reader(chain.from_iterable(chunks), strict=True)
        layout = None
        try:
            header = next(reader, None)
            if not header:
                raise _rejected(1, None, "the file is empty; expected a header line naming the columns")
            layout = _layout(header)
            self.warnings.extend(layout.warnings)
            writer.type_columns = tuple(vote_type.value for vote_type in layout.types)
            self._read_rows(reader, layout, writer)
        except _Unreadable as error:
            column = None
            if layout is not None and error.line > 1:
                fields = len(next(csv.reader([error.before]), None) or [""])
                column = layout.names[min(max(fields, 1), layout.width) - 1]
            raise _rejected(error.line, column, error.problem) from None
        except csv.Error as error:
            raise _rejected(reader.line_num, None, f"not a well-formed CSV line ({error})") from None
        if not self.rows_read:
            raise _rejected(reader.line_num + 1, None, "no data rows after the header")

    def _read_rows(self, reader, layout: _Layout, writer: "_ResultWriter") -> None:
        width = layout.width
        key_of = layout.key_of
        votes_of = layout.votes_of
        combine = layout.combine
        number = self.numbers.__getitem__
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
            if party and party != entry.party:
                self._party(entry, party, reader.line_num)
            precinct = precinct.strip()
            if len(precinct) > 200:
                raise _rejected(reader.line_num, "precinct", "longer than 200 characters")
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
            try:
                value = int(text)
            except ValueError:
                raise _rejected(line, column, f'"{cell}" is not a whole number') from None
            if value < 0:
                raise _rejected(line, column, f'"{cell}" is negative; votes cannot be below zero')
            if value > MAX_VOTES:
                raise _rejected(line, column, f"{value} is more votes than can be stored")
            values.append(value)
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
            try:
                self.counties[key] = county_by_name(cleaned, state=self.election.state).pk
            except ElectionsError:
                raise _rejected(line, "county", f'"{cleaned}" is not a Georgia county') from None
        return self.counties[key]

    def _candidate(self, office: str, district: str, name: str, party: str, county_id: int, line: int) -> object:
        office, district, name, party = _plain(office), _plain(district), _plain(name), _plain(party)
        if office.casefold() in NOT_CANDIDATE_VOTES["office"] or name.casefold() in NOT_CANDIDATE_VOTES["candidate"]:
            return _SKIP
        level = office_level(office, municipal=self.municipal)
        home_county = county_id if level == Level.COUNTY else None
        primary_party = party if self.primary and party.casefold() not in NONPARTISAN else ""
        key = (office.casefold(), district.casefold(), primary_party.casefold(), home_county, name.casefold())
        if key in self.candidates:
            return self.candidates[key]
        for column, value, limit in (("office", office, 200), ("district", district, 100), ("candidate", name, 200)):
            if column != "district" and not value:
                raise _rejected(line, column, "empty")
            if len(value) > limit:
                raise _rejected(line, column, f"longer than {limit} characters")
        if len(party) > 100:
            raise _rejected(line, "party", "longer than 100 characters")
        contest = self._contest(office, district, primary_party, level, home_county)
        contest.candidates += 1
        write_in = WRITE_IN_AGGREGATE.fullmatch(name) is not None
        candidate = self.existing_candidates.get((contest.contest.pk, key[4]))
        if candidate is None:
            candidate = Candidate(
                contest=contest.contest,
                name=name,
                party=party,
                ballot_order=contest.candidates,
                write_in_aggregate=write_in,
            )
            Candidate.objects.bulk_create([candidate])  # its history row is written in bulk by finish()
            self.new_candidates.append(candidate)
            entry = _CandidateEntry(candidate, contest, party, line)
        else:
            entry = _CandidateEntry(candidate, contest, party, line)
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
                    home_county_id=home_county,
                )
                Contest.objects.bulk_create([contest])  # its history row is written in bulk by finish()
                self.contests[key] = _ContestEntry(contest, new=True)
            else:
                changed = (contest.level, contest.seats) != (level, self.seats)
                contest.level, contest.seats = level, self.seats
                self.contests[key] = _ContestEntry(contest, changed=changed)
        return self.contests[key]

    @classmethod
    def _precinct_or_county(cls, contest: _ContestEntry, county_id: int, precinct: str, line: int) -> None:
        """Record that the contest's returns for the county come by precinct, or as one county-level
        line; refuse a file that gives both (the same votes would count twice)."""
        if precinct:
            if county_id in contest.county_level:
                cls._counted_twice(contest, county_id, line, by_precinct=True)
            contest.by_precinct.add(county_id)
        else:
            if county_id in contest.by_precinct:
                cls._counted_twice(contest, county_id, line, by_precinct=False)
            contest.county_level.add(county_id)

    @staticmethod
    def _counted_twice(contest: _ContestEntry, county_id: int, line: int, *, by_precinct: bool) -> None:
        county = Jurisdiction.objects.get(pk=county_id)
        if by_precinct:
            problem = f"a precinct, but earlier lines give {county}'s county-level figures for {contest.contest}"
        else:
            problem = (
                f"empty (a county-level figure), but earlier lines give {county}'s precincts for {contest.contest}"
            )
        raise _rejected(line, "precinct", f"{problem}; the same votes would count twice. Import one or the other.")

    def _party(self, entry: _CandidateEntry, party: str, line: int) -> None:
        party = _plain(party)
        if not party or party.casefold() == entry.party.casefold():
            return
        if not entry.party:
            entry.party, entry.party_line = party, line
            if entry.candidate.party != party:
                entry.candidate.party, entry.changed = party, True
            return
        candidate = entry.candidate
        raise _rejected(
            line, "party", f"\"{party}\" differs from \"{entry.party}\", given for {candidate.name} "
            f"({candidate.contest}) on line {entry.party_line}"
        )  # fmt: skip

    def finish(self, *, replace: bool) -> None:
        """Set contests' counties, save what changed, write history rows, then declare statuses.

        Contests and candidates new in this import were inserted without signals; their history
        rows (one "+" row each, in their final state, with the contests' counties) are written here
        in bulk, on purpose: one per object, several hundred of them, would cost more than the
        rest of the import of a small file.
        """
        new_contests = [entry for entry in self.contests.values() if entry.new]
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
        contests_declare_from_votes(
            contests=[entry.contest for entry in self.contests.values()], by=self.by, reason=self.declare_reason
        )

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


# -- Writing results -----------------------------------------------------------------------------


class _ResultWriter:
    """Inserts batches of results with raw SQL, each under a savepoint; names a repeated line."""

    def __init__(self, *, batch: ImportBatch, cursor) -> None:
        self.batch = batch
        self.cursor = cursor
        self.table = connection.ops.quote_name(Result._meta.db_table)
        self.type_columns: tuple[str, ...] = ()  # the vote-type columns the file gives, in its rows' order
        self.written = 0

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

    def insert(self, results: list[tuple]) -> None:
        raise NotImplementedError

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
    """COPY in text format, one batch per COPY statement."""

    _escapes = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

    def insert(self, results: list[tuple]) -> None:
        tail = f"\t{self.batch.pk}\n"
        escaped: dict[str, str] = {}
        text: list[str] = []
        add = text.append
        for candidate, county, precinct, *figures in results:
            cell = escaped.get(precinct)
            if cell is None:
                cell = escaped[precinct] = precinct.translate(self._escapes)
            add(f"{candidate}\t{county}\t{cell}\t{'\t'.join(_copy_cell(figure) for figure in figures)}{tail}")
        with self.cursor.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
            copy.write("".join(text))


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
            yield _PostgresWriter(batch=batch, cursor=cursor)
            if constraints:  # (after a failure the transaction ends, and the setting with it)
                cursor.execute(f"SET CONSTRAINTS {constraints} DEFERRED")
        else:
            raise ImportRejected(f"Importing returns needs SQLite or PostgreSQL, not {connection.vendor}.")
