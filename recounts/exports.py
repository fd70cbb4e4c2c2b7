"""Plain, stable shapes of what the desk knows: JSON for the `eligibility --json` command, the
statewide board's county table as CSV, and the one writer of every CSV file the desk gives out
(`csv_text`), which keeps a spreadsheet from reading a cell as a formula."""

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from elections.instants import in_words
from elections.models import Election
from recounts.queries import BoardRow, ContestStanding


def _number(value: Decimal | None) -> float | None:
    # A Decimal with a few places prints exactly as a JSON number (0.899, 0.5).
    return None if value is None else float(value)


def _instant(value: datetime.datetime | None, zone: str) -> str | None:
    return None if value is None else value.astimezone(ZoneInfo(zone)).isoformat()


def standing_json(standing: ContestStanding) -> dict:
    contest = standing.contest
    zone = standing.rule.time_zone if standing.rule else settings.TIME_ZONE
    return {
        "id": contest.pk,
        "office": contest.office,
        "district": contest.district,
        "party": contest.party,
        "home_county": contest.home_county.name if contest.home_county else None,
        "level": contest.level,
        "question": contest.is_question,
        "seats": contest.seats,
        "counties": [county.name for county in standing.counties],
        "total_votes": standing.total_votes,
        "margin": standing.margin,
        "rule": (
            {"name": standing.rule.name, "threshold_percent": _number(standing.rule.threshold_percent)}
            if standing.rule
            else None
        ),
        "certified_at": _instant(standing.certified_at, zone),
        "filing_deadline": _instant(standing.filing_deadline, zone),
        "route": standing.route.value if standing.route else None,
        "candidates": [
            {
                "name": row.candidate.name,
                "party": row.candidate.party,
                "votes": row.votes,
                "declared": row.eligibility.declared,
                "declared_status": row.candidate.declared_status,
                "write_in_aggregate": row.candidate.write_in_aggregate,
                "eligible": row.eligible,
                "gap": row.eligibility.gap,
                "gap_percent": _number(row.eligibility.gap_percent),
                "against": row.against.name if row.against else None,
            }
            for row in standing.candidates
        ],
    }


def election_json(election: Election, standings: list[ContestStanding]) -> dict:
    return {
        "election": {
            "name": election.name,
            "slug": election.slug,
            "date": election.date.isoformat(),
            "kind": election.kind,
            "state": election.state,
        },
        "contests": [standing_json(standing) for standing in standings],
    }


#: What a spreadsheet reads as the start of a formula (OWASP, “CSV injection”).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: What a cell of a CSV file the desk writes may hold: text typed by people, or a number.
Cell = str | int | Decimal | None


def spreadsheet_safe(cell: str) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula, even after leading spaces
    (which some spreadsheets drop), is prefixed with a single quote (names, reasons and notes are
    typed by people)."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) or cell.lstrip().startswith(FORMULA_STARTS) else cell


def _spreadsheet_cell(cell: Cell) -> str | int | Decimal:
    """Numbers stay numbers (a difference of -6 is a number, not a formula); text is made safe."""
    if cell is None:
        return ""
    if isinstance(cell, (int, Decimal)):
        return cell
    return spreadsheet_safe(cell)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """Every CSV file the desk writes, written here: the header, then the rows, each cell made safe
    for a spreadsheet (`spreadsheet_safe`), numbers written as numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_spreadsheet_cell(cell) for cell in header])
    writer.writerows([_spreadsheet_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


BOARD_CSV_HEADER = (
    "County",
    "Case",
    "Contest",
    "Election",
    "Status",
    "Overdue",
    "Finish by",
    "Last activity",
    "What was done",
    "By",
)


def board_csv(rows: list[BoardRow]) -> str:
    """The board's county table as CSV, a row per county in the table's order, its times in words as the
    page writes them; every cell made safe for a spreadsheet (`csv_text`)."""
    return csv_text(BOARD_CSV_HEADER, map(_board_row, rows))


def _board_row(row: BoardRow) -> list[Cell]:
    county_recount = row.progress.county_recount
    request = county_recount.request
    record = row.last_activity
    who = record.history_user if record is not None else None
    return [
        str(county_recount.county),
        request.receipt_number,
        str(request.contest),
        request.contest.election.name,
        county_recount.get_status_display(),
        "Overdue" if row.progress.overdue else "",
        in_words(row.progress.finish_by) if row.progress.finish_by else "",
        in_words(record.history_date) if record is not None else "",
        (record.history_change_reason or "") if record is not None else "",
        (who.get_full_name() or who.get_username()) if who is not None else "",
    ]
