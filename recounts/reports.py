"""The discrepancy report: what the recount found, county by county, and what it does to the margin.

Pure reads, in a fixed number of queries whatever the number of counties. The certified totals
are the snapshot's (the contest's returns as they stood when the request was filed): once the
returns are corrected, the `Result` rows already hold the recounted figures, and adding the
differences to them again would count them twice.
"""

from dataclasses import dataclass
from decimal import Decimal

from elections.enums import VoteType
from elections.models import Candidate, Jurisdiction
from recounts import rules
from recounts.enums import DiscrepancyReason, TallyLine
from recounts.exports import csv_text
from recounts.models import RecountRequest, RecountTally

CSV_HEADER = ("county", "candidate", "vote_type", "line", "original", "recounted", "difference", "reason", "note")


@dataclass(frozen=True, slots=True)
class DiscrepancyRow:
    """One line of a county's worksheet: the certified figure and the recounted one (None until entered)."""

    county: Jurisdiction
    candidate: Candidate
    vote_type: VoteType
    line: TallyLine
    original: int
    recounted: int | None
    reason: DiscrepancyReason | None
    note: str

    @property
    def difference(self) -> int | None:
        return None if self.recounted is None else self.recounted - self.original


@dataclass(frozen=True, slots=True)
class CandidateTotals:
    """A candidate over every county of the case, and over the whole contest.

    `original`, `recounted` and `difference` sum the worksheet lines (a line not yet entered counts as
    unchanged); `certified` is the contest's certified total, counties not recounted included, and
    `corrected` is that total with the differences applied.
    """

    candidate: Candidate
    original: int
    recounted: int
    difference: int
    certified: int

    @property
    def corrected(self) -> int:
        return self.certified + self.difference


@dataclass(frozen=True, slots=True)
class Margin:
    """How far `trailing` (not declared) is from `leading` (the closest declared candidate), and as a percent
    of the total. `ahead`: the candidate not declared has more votes (declarations made by hand, say)."""

    trailing: str
    leading: str
    votes: int
    percent: Decimal | None  # rounded to 3 places, for display
    ahead: bool = False


@dataclass(frozen=True, slots=True)
class DiscrepancyReport:
    request: RecountRequest
    rows: tuple[DiscrepancyRow, ...]  # by county, candidate (ballot order), line, vote type
    candidates: tuple[CandidateTotals, ...]  # ballot order
    certified_total: int
    corrected_total: int
    old_margin: Margin | None  # as it stood at filing; None when the candidate was declared
    new_margin: Margin | None  # on the corrected totals and the candidates' current declared statuses

    @property
    def complete(self) -> bool:
        """Whether every line has its recounted figure."""
        return all(row.recounted is not None for row in self.rows)

    @property
    def differences(self) -> tuple[DiscrepancyRow, ...]:
        return tuple(row for row in self.rows if row.difference)

    @property
    def late_ballots(self) -> tuple[DiscrepancyRow, ...]:
        """The lines of ballots counted for the first time (provisional ballots accepted after the
        count, military and overseas ballots that arrived in time): the certified returns did not
        hold them, so their certified figure is 0; the corrected returns count them in their own type."""
        return tuple(row for row in self.rows if row.line != TallyLine.RETURNS)

    @property
    def changed_counties(self) -> tuple[Jurisdiction, ...]:
        """The counties whose returns the recount changed, by name."""
        counties = {row.county.pk: row.county for row in self.differences}
        return tuple(sorted(counties.values(), key=lambda county: county.name))


_LINE_ORDER = {line: index for index, line in enumerate(TallyLine)}
_TYPE_ORDER = {vote_type: index for index, vote_type in enumerate(VoteType)}


def _row(tally: RecountTally) -> DiscrepancyRow:
    return DiscrepancyRow(
        county=tally.county_recount.county,
        candidate=tally.candidate,
        vote_type=VoteType(tally.vote_type),
        line=TallyLine(tally.line),
        original=tally.original,
        recounted=tally.recounted,
        reason=DiscrepancyReason(tally.reason) if tally.reason else None,
        note=tally.note,
    )


def _old_margin(request: RecountRequest) -> Margin | None:
    own = request.snapshot["candidate"]
    if own["gap"] is None:
        return None
    percent = own["gap_percent"]
    votes = {line["name"]: line["votes"] for line in request.snapshot["contest"]["candidates"]}
    return Margin(
        trailing=own["name"],
        leading=own["against"],
        votes=own["gap"],
        percent=None if percent is None else Decimal(str(percent)),
        ahead=votes[own["name"]] > votes[own["against"]],
    )


def _new_margin(
    request: RecountRequest, totals: list[CandidateTotals], threshold_percent: Decimal
) -> tuple[int, Margin | None]:
    lines = [
        rules.CandidateVotes(
            key=row.candidate.pk,
            votes=row.corrected,
            declared=row.candidate.declared,
            write_in_aggregate=row.candidate.write_in_aggregate,
        )
        for row in totals
    ]
    names = {row.candidate.pk: row.candidate.name for row in totals}
    corrected = {row.candidate.pk: row.corrected for row in totals}
    measured = [line for line in rules.eligibility(lines, threshold_percent) if line.gap is not None]
    # The requesting candidate's gap; when the recount declared them, the contest's closest gap.
    own = [line for line in measured if line.key == request.candidate_id]
    closest = min(own or measured, key=lambda line: line.gap, default=None)
    margin = (
        None
        if closest is None
        else Margin(
            trailing=names[closest.key],
            leading=names[closest.against],
            votes=closest.gap,
            percent=closest.gap_percent,
            ahead=corrected[closest.key] > corrected[closest.against],
        )
    )
    return rules.total_votes(lines), margin


def discrepancies(request: RecountRequest) -> DiscrepancyReport:
    """Original against recounted for every line of every county's worksheet of the case, the totals
    per candidate, and the margin before and after (two queries)."""
    tallies = RecountTally.objects.filter(county_recount__request=request).select_related(
        "county_recount__county", "candidate"
    )
    rows = sorted(
        map(_row, tallies),
        key=lambda row: (
            row.county.name,
            row.candidate.ballot_order,
            row.candidate.name,
            _LINE_ORDER[row.line],
            _TYPE_ORDER[row.vote_type],
        ),
    )
    certified = {line["name"]: line["votes"] for line in request.snapshot["contest"]["candidates"]}
    rows_of: dict[int, list[DiscrepancyRow]] = {}
    for row in rows:
        rows_of.setdefault(row.candidate.pk, []).append(row)
    totals = []
    for candidate in Candidate.objects.filter(contest_id=request.contest_id).order_by("ballot_order", "name"):
        own = rows_of.get(candidate.pk, [])
        original = sum(row.original for row in own)
        difference = sum(row.difference or 0 for row in own)
        totals.append(
            CandidateTotals(
                candidate=candidate,
                original=original,
                recounted=original + difference,
                difference=difference,
                certified=certified.get(candidate.name, 0),
            )
        )
    threshold = Decimal(str(request.snapshot["contest"]["rule"]["threshold_percent"]))
    corrected_total, new_margin = _new_margin(request, totals, threshold)
    return DiscrepancyReport(
        request=request,
        rows=tuple(rows),
        candidates=tuple(totals),
        certified_total=request.snapshot["contest"]["total_votes"],
        corrected_total=corrected_total,
        old_margin=_old_margin(request),
        new_margin=new_margin,
    )


def discrepancy_csv(report: DiscrepancyReport) -> str:
    """The differences the recount found, as CSV: one row per worksheet line whose recounted figure
    differs from the original, and nothing else.

    Lines that match, and lines not yet entered, are left out, so the file holds exactly the
    differences; the totals and the margins are on the report's page, not here. Vote type, line and
    reason are their codes (`unspecified`, `returns`, `scanner_misread`); the county is its name
    without “County”. Names and notes a spreadsheet would read as a formula are written as text
    (`exports.csv_text`); the figures stay numbers.
    """
    return csv_text(
        CSV_HEADER,
        (
            [
                row.county.name,
                row.candidate.name,
                row.vote_type.value,
                row.line.value,
                row.original,
                row.recounted,
                row.difference,
                row.reason.value if row.reason else "",
                row.note,
            ]
            for row in report.differences
        ),
    )
