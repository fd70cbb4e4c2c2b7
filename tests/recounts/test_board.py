"""The Secretary of State's board (recounts:dashboard) and its CSV (recounts:dashboard_csv): the counts,
what waits and what falls due, and every county of the open cases, those needing attention first, a page
at a time, filtered; its flags the inbox's and the case page's own.

The state (`state`): Thursday 14 December 2017, 10 a.m., with one overdue county and one overdue request.
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from elections.enums import Level, VoteType
from elections.services import certification_record
from recounts import exports, queries
from recounts.enums import CountyRecountStatus, DenialReason, RequestStatus
from recounts.models import CountyRecount, RecountRequest
from recounts.services.decisions import county_count_schedule, recount_direct
from recounts.services.worksheets import scanner_test_record
from recounts.views import board as board_views
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    build_race,
    build_spread_race,
    georgia_counties,
    make_candidate_account,
    make_superintendent_staff,
)
from tests.recounts.test_recount_views import (  # noqa: F401 (statewide_recorded: a fixture, asked by name)
    at,
    clerk_of,
    file,
    order,
    statewide_case,
    statewide_recorded,
    url,
)
from tests.recounts.test_views import anonymous_is_sent_to_login, text_of

pytestmark = pytest.mark.django_db

BOARD = reverse("recounts:dashboard")
BOARD_CSV = reverse("recounts:dashboard_csv")


@pytest.fixture
def state(clock, sos_user, norwood, norwood_user, fulton_superintendent, dekalb_superintendent) -> dict:
    """Thursday 14 December 2017, 10 a.m. Atlanta's case (filed Tuesday 10 a.m.): Fulton ordered it, to
    finish by Wednesday 5 p.m., and is overdue; DeKalb ordered it and is testing its scanners, due today
    at 5 p.m. The Public Service Commission's case (Tuesday 11 a.m.), directed in Cobb and Gwinnett to
    finish by Monday; Gwinnett has set its count. Two requests wait for a decision: one addressed to the
    Secretary of State (filed Tuesday: overdue since Wednesday midnight), one to Fulton (filed this
    morning: due tomorrow). A denied request, closed, is not on the board."""
    atlanta = file(norwood)
    order(atlanta, fulton_superintendent, "Fulton", finish_by=at(2017, 12, 13, 17))
    dekalb = order(atlanta, dekalb_superintendent, "DeKalb", finish_by=at(2017, 12, 14, 17))
    waiting = statewide_case(("Fulton", "Cobb"), slug="psc-waiting")
    denied_contest = build_race(
        slug="denied",
        name="Denied Special",
        counties=georgia_counties("DeKalb"),
        votes={"Ada Able": [{VoteType.UNSPECIFIED: 1_000}], "Ben Baker": [{VoteType.UNSPECIFIED: 995}]},
    )
    make_candidate_account(denied_contest.candidates.get(name="Ben Baker"), username="denied")
    denied = file(denied_contest.candidates.get(name="Ben Baker"))
    denied.status, denied.denial_reason = RequestStatus.DENIED, DenialReason.NOT_IN_WRITING
    denied.save()
    clock.move_to(at(2017, 12, 12, 11), tick=False)
    psc = statewide_case(("Cobb", "Gwinnett"))
    recount_direct(request=psc, by=sos_user, window_starts_at=at(2017, 12, 13, 9), finish_by=at(2017, 12, 18, 17))
    clock.move_to(at(2017, 12, 13, 9), tick=False)
    county_count_schedule(
        county_recount=psc.county_recounts.get(county__name="Gwinnett"),
        by=make_superintendent_staff(username="gwinnett-superintendent", county_name="Gwinnett", superintendent=True),
        count_place="Gwinnett Civic Center",
        count_starts_at=at(2017, 12, 14, 9),
    )
    clock.move_to(at(2017, 12, 13, 15), tick=False)
    dekalb.refresh_from_db()
    scanner_test_record(
        county_recount=dekalb, by=clerk_of("DeKalb"), version=dekalb.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    clock.move_to(at(2017, 12, 14, 9), tick=False)
    sandy = build_race(
        slug="sandy-springs",
        name="Sandy Springs Special",
        office="City Council",
        district="District 3",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{VoteType.UNSPECIFIED: 1_000}], "Ben Baker": [{VoteType.UNSPECIFIED: 995}]},
    )
    make_candidate_account(sandy.candidates.get(name="Ben Baker"), username="sandy-baker")
    fresh = file(sandy.candidates.get(name="Ben Baker"))
    clock.move_to(at(2017, 12, 14, 10), tick=False)
    return {"atlanta": atlanta, "waiting": waiting, "psc": psc, "fresh": fresh, "denied": denied}


def rows_of(response) -> list[tuple]:
    """The county table's rows: county, case, status, overdue, last activity (when, who, what)."""
    return [
        (
            row.progress.county_recount.county.name,
            row.progress.county_recount.request.receipt_number,
            row.progress.county_recount.status,
            row.progress.overdue,
            row.last_activity.history_date,
            row.last_activity.history_user.get_username(),
            row.last_activity.history_change_reason,
        )
        for row in response.context["rows"]
    ]


def counties_of(response) -> list[str]:
    return [row.progress.county_recount.county.name for row in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# The board


def test_the_board_counts_the_cases_and_lists_the_counties_needing_attention_first(state, sos_client):
    response = sos_client.get(BOARD)

    assert response.status_code == 200
    board = response.context["board"]
    assert board.cases == [("Filed", 2), ("Recount ordered", 2), ("Counting", 0), ("Counted", 0)]
    assert (
        board.waiting_overdue,
        board.counties_overdue,
        board.counties_not_started,
        board.counties_under_way,
        board.counties_done,
    ) == (1, 1, 2, 1, 0)
    assert rows_of(response) == [
        ("Fulton", "2017-ATL-MAYOR-001", CountyRecountStatus.ORDERED, True, at(2017, 12, 12, 10),
         "fulton-superintendent", "Recount ordered by the superintendent of Fulton County"),
        ("Cobb", "2017-D5-PSC-002", CountyRecountStatus.ORDERED, False, at(2017, 12, 12, 11),
         "sos", "Recount directed by the Secretary of State"),
        ("Gwinnett", "2017-D5-PSC-002", CountyRecountStatus.ORDERED, False, at(2017, 12, 13, 9),
         "gwinnett-superintendent", "Place and time of the count set"),
        ("DeKalb", "2017-ATL-MAYOR-001", CountyRecountStatus.SCANNER_TESTING, False, at(2017, 12, 13, 15),
         "dekalb-clerk", "Scanner ICP-001 tested: passed"),
    ]  # fmt: skip
    assert [(entry.request.receipt_number, entry.overdue, entry.act_by) for entry in board.waiting] == [
        ("2017-D5-PSC-001", True, at(2017, 12, 14, 0)),
        ("2017-D3-CITYCOUNCIL-001", False, at(2017, 12, 16, 0)),
    ]
    assert [
        (due.day, [entry.request.receipt_number for entry in due.decisions], [c.county_recount.county.name for c in due.counties])  # noqa: E501
        for due in board.due
    ] == [
        (datetime.date(2017, 12, 14), [], ["DeKalb"]),
        (datetime.date(2017, 12, 15), ["2017-D3-CITYCOUNCIL-001"], []),
    ]  # fmt: skip
    text = text_of(response)
    assert (
        "Open cases Filed 2 Recount ordered 2 Counting 0 Counted 0 Waiting too long for a decision 1 overdue "
        "Counties recounting Overdue 1 overdue Not started 2 Under way 1 Signed off 0 In all 4"
    ) in text
    assert (
        "Today, Thursday, December 14 DeKalb County signs off its recount for 2017-ATL-MAYOR-001 (scanner testing): "
        "by Thursday, December 14, 2017, 5:00 p.m. Eastern Tomorrow, Friday, December 15 Decide "
        "2017-D3-CITYCOUNCIL-001 (Ben Baker, City Council, District 3), addressed to Fulton County: by midnight at "
        "the end of Friday, December 15, 2017 Eastern"
    ) in text
    assert (
        "2017-D5-PSC-001 Ben Baker Public Service Commission, District 5 Runoff psc-waiting Secretary of State "
        "midnight at the end of Wednesday, December 13, 2017 Eastern overdue"
    ) in text
    assert (
        "Counties 1 to 4 of 4 Download these 4 counties (CSV) County Case Status Finish by Last activity, by whom "
        "Fulton County 2017-ATL-MAYOR-001 Mayor, City of Atlanta · Atlanta Mayoral Runoff 2017 Ordered overdue "
        "Wednesday, December 13, 2017, 5:00 p.m. Eastern Tuesday, December 12, 2017, 10:00 a.m. Eastern by Fay "
        "Fulton: Recount ordered by the superintendent of Fulton County Cobb County"
    ) in text
    assert "by Gwinnett Official: Place and time of the count set DeKalb County" in text
    assert "Ordered not started Monday, December 18, 2017, 5:00 p.m. Eastern" in text
    assert state["denied"].receipt_number not in text
    html = response.content.decode()
    fulton = state["atlanta"].county_recounts.get(county__name="Fulton")
    assert f'<a href="{url("worksheet", fulton)}">Fulton County</a>' in html
    assert f'href="{BOARD_CSV}?"' in html


def test_the_board_flags_the_requests_the_inbox_flags(state, sos_client, fulton_client):
    """The same requests overdue, with the same act-by time, on the board and in each office's inbox."""
    inbox = reverse("recounts:inbox")
    in_the_inboxes = {
        entry.request.receipt_number: (entry.overdue, entry.act_by)
        for client in (sos_client, fulton_client)
        for entry in client.get(inbox).context["entries"]
        if entry.request.status == RequestStatus.FILED
    }
    on_the_board = {
        entry.request.receipt_number: (entry.overdue, entry.act_by)
        for entry in sos_client.get(BOARD).context["board"].waiting
    }

    assert (
        on_the_board
        == in_the_inboxes
        == {
            "2017-D5-PSC-001": (True, at(2017, 12, 14, 0)),
            "2017-D3-CITYCOUNCIL-001": (False, at(2017, 12, 16, 0)),
        }
    )


def test_the_board_flags_the_counties_the_case_page_flags(state, sos_client):
    on_the_board = {
        row.progress.county_recount.pk: row.progress.overdue for row in sos_client.get(BOARD).context["rows"]
    }
    on_the_case_pages = {
        county.county_recount.pk: county.overdue
        for case in (state["atlanta"], state["psc"])
        for county in sos_client.get(url("request", case)).context["counties"]
    }

    assert on_the_board == on_the_case_pages
    assert sorted(on_the_board.values()) == [False, False, False, True]


def test_the_admin_s_overdue_filter_names_the_counties_the_board_flags(state, sos_client):
    on_the_board = {
        row.progress.county_recount.pk for row in sos_client.get(BOARD).context["rows"] if row.progress.overdue
    }

    assert set(queries.county_recounts_overdue(datetime.datetime.now(datetime.UTC)).values_list("pk", flat=True)) == (
        on_the_board
    )
    assert len(on_the_board) == 1


def test_a_county_that_recorded_its_outcome_is_not_overdue_while_the_case_waits_to_close(request, clock, sos_client):
    """On the Secretary of State's route a county's outcome is recorded before the case closes: after the
    finish-by time the county is done, not overdue, on the board and on the case page alike."""
    case = request.getfixturevalue("statewide_recorded")
    clock.move_to(at(2017, 12, 18, 17, 1), tick=False)

    response = sos_client.get(BOARD)

    assert [(county, status, overdue) for county, _, status, overdue, *_ in rows_of(response)] == [
        ("Cobb", CountyRecountStatus.RECERTIFIED, False),
        ("Gwinnett", CountyRecountStatus.CONFIRMED, False),
    ]
    assert (response.context["board"].counties_overdue, response.context["board"].counties_done) == (0, 2)
    assert [county.overdue for county in sos_client.get(url("request", case)).context["counties"]] == [False, False]
    assert not queries.county_recounts_overdue(at(2017, 12, 18, 17, 1)).exists()


# Filters, pages and the CSV


@pytest.mark.parametrize(
    ("query", "counties"),
    [
        ({}, ["Fulton", "Cobb", "Gwinnett", "DeKalb"]),
        ({"election": "atlanta-mayor-runoff-2017"}, ["Fulton", "DeKalb"]),
        ({"status": "ordered"}, ["Fulton", "Cobb", "Gwinnett"]),
        ({"status": "scanner_testing"}, ["DeKalb"]),
        ({"overdue": "on"}, ["Fulton"]),
        ({"election": "psc-runoff", "status": "ordered"}, ["Cobb", "Gwinnett"]),
        ({"election": "psc-runoff", "overdue": "on"}, []),
    ],
)
def test_the_filters_keep_the_same_counties_on_the_page_and_in_the_csv(state, sos_client, query, counties):
    page = sos_client.get(BOARD, query)
    table = sos_client.get(BOARD_CSV, query)

    assert page.context["form"].errors == {}
    assert counties_of(page) == counties
    assert [row[0] for row in csv_rows(table)] == ["County", *(f"{county} County" for county in counties)]
    if not counties:
        assert "No county matches these filters." in text_of(page)


def test_the_filter_offers_the_elections_with_an_open_case(state, sos_client):
    text = text_of(sos_client.get(BOARD))

    assert (
        "Election Every election Atlanta Mayoral Runoff 2017 Runoff psc-runoff Runoff psc-waiting Sandy Springs "
        "Special County’s status Every status Ordered Scanner testing Counting Submitted Signed off Confirmed: no "
        "difference Corrected and recertified Overdue counties only Show the counties"
    ) in text


def test_a_filter_the_form_does_not_offer_shows_the_problem_and_no_county(state, sos_client):
    query = {"election": "denied", "status": "lost"}

    page = sos_client.get(BOARD, query)
    table = sos_client.get(BOARD_CSV, query)

    assert page.status_code == 200
    assert page.context["rows"] == []
    text = text_of(page)
    assert text.startswith(
        "Error: Recount dashboard · Recount Desk Recount Desk Inbox Cases Dashboard Elections Import returns "
    )
    assert (
        "There is a problem Choose an election that has an open case. Choose a status from the list. Recount dashboard"
    ) in text
    assert "Correct the filter above to see the counties." in text
    assert csv_rows(table) == [list(exports.BOARD_CSV_HEADER)]


def test_the_pages_of_the_table_keep_the_filters(state, sos_client, monkeypatch):
    monkeypatch.setattr(board_views, "COUNTIES_PER_PAGE", 2)

    first = sos_client.get(BOARD, {"status": "ordered"})
    second = sos_client.get(BOARD, {"status": "ordered", "page": "2"})
    beyond = sos_client.get(BOARD, {"status": "ordered", "page": "9"})

    assert (counties_of(first), counties_of(second), counties_of(beyond)) == (
        ["Fulton", "Cobb"],
        ["Gwinnett"],
        ["Gwinnett"],
    )
    html = first.content.decode()
    assert '<a class="page-link" href="?status=ordered&amp;page=2">Next</a>' in html
    assert '<a class="page-link" href="?status=ordered&amp;page=2">2</a>' in html
    assert f'href="{BOARD_CSV}?status=ordered"' in html
    assert "Counties 3 to 3 of 3" in text_of(second)
    assert '<a class="page-link" href="?status=ordered&amp;page=1">Previous</a>' in second.content.decode()
    assert len(csv_rows(sos_client.get(BOARD_CSV, {"status": "ordered", "page": "2"}))) == 1 + 3  # every page


def test_at_statewide_scale_the_board_shows_fifty_counties_a_page_those_needing_attention_first(
    state, sos_user, sos_client
):
    """Sixty more counties, directed and not started: the overdue county opens the first page, the one
    under way closes the last."""
    contest = build_spread_race(slug="statewide", county_count=60, level=Level.STATE)
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    baker = contest.candidates.get(name="Ben Baker")
    make_candidate_account(baker, username="statewide-baker")
    recount_direct(
        request=file(baker),
        by=sos_user,
        window_starts_at=at(2017, 12, 14, 11),
        finish_by=at(2017, 12, 19, 17),
        ruling="Granted: filed late, by leave.",
    )

    first = sos_client.get(BOARD)
    second = sos_client.get(BOARD, {"page": "2"})

    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, 14)
    assert counties_of(first)[:3] == ["Fulton", "Cobb", "Gwinnett"]
    assert counties_of(second)[-1] == "DeKalb"
    assert "Counties 51 to 64 of 64" in text_of(second)
    assert len(csv_rows(sos_client.get(BOARD_CSV))) == 1 + 64


def test_the_csv_is_the_table_in_plain_words(state, sos_client):
    response = sos_client.get(BOARD_CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="recount-counties-2017-12-14.csv"'
    assert csv_rows(response) == [
        ["County", "Case", "Contest", "Election", "Status", "Overdue", "Finish by", "Last activity", "What was done",
         "By"],
        ["Fulton County", "2017-ATL-MAYOR-001", "Mayor, City of Atlanta", "Atlanta Mayoral Runoff 2017", "Ordered",
         "Overdue", "Wednesday, December 13, 2017, 5:00 p.m. Eastern", "Tuesday, December 12, 2017, 10:00 a.m. Eastern",
         "Recount ordered by the superintendent of Fulton County", "Fay Fulton"],
        ["Cobb County", "2017-D5-PSC-002", "Public Service Commission, District 5", "Runoff psc-runoff", "Ordered", "",
         "Monday, December 18, 2017, 5:00 p.m. Eastern", "Tuesday, December 12, 2017, 11:00 a.m. Eastern",
         "Recount directed by the Secretary of State", "sos"],
        ["Gwinnett County", "2017-D5-PSC-002", "Public Service Commission, District 5", "Runoff psc-runoff", "Ordered",
         "", "Monday, December 18, 2017, 5:00 p.m. Eastern", "Wednesday, December 13, 2017, 9:00 a.m. Eastern",
         "Place and time of the count set", "Gwinnett Official"],
        ["DeKalb County", "2017-ATL-MAYOR-001", "Mayor, City of Atlanta", "Atlanta Mayoral Runoff 2017",
         "Scanner testing", "", "Thursday, December 14, 2017, 5:00 p.m. Eastern",
         "Wednesday, December 13, 2017, 3:00 p.m. Eastern", "Scanner ICP-001 tested: passed", "Dekalb Official"],
    ]  # fmt: skip


def test_a_name_a_spreadsheet_would_read_as_a_formula_is_written_as_text(state, sos_client):
    superintendent = CountyRecount.history.get(history_change_reason="Place and time of the count set").history_user
    superintendent.first_name, superintendent.last_name = '=HYPERLINK("https://evil.example","Gwinnett")', ""
    superintendent.save()

    (gwinnett,) = [row for row in csv_rows(sos_client.get(BOARD_CSV)) if row[0] == "Gwinnett County"]

    assert gwinnett[-1] == '\'=HYPERLINK("https://evil.example","Gwinnett")'


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Fay Fulton", "Fay Fulton"),
        ("O'Brien", "O'Brien"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_spreadsheet_safe(cell, written):
    assert exports.spreadsheet_safe(cell) == written


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (at(2017, 12, 14, 17), datetime.date(2017, 12, 14)),
        (at(2017, 12, 15, 0), datetime.date(2017, 12, 14)),  # midnight at the end of Thursday
        (at(2017, 12, 15, 0, 1), datetime.date(2017, 12, 15)),
        (datetime.datetime(2017, 12, 15, 4, 59, tzinfo=datetime.UTC), datetime.date(2017, 12, 14)),
    ],
)
def test_an_instant_is_due_on_the_day_it_ends(instant, day):
    assert queries.due_day(instant) == day


# Who may open it


@pytest.mark.parametrize("target", [BOARD, BOARD_CSV])
def test_the_board_is_for_the_secretary_of_state_only(fulton_client, norwood_client, nobody_client, sos_client, target):
    assert [client.get(target).status_code for client in (fulton_client, norwood_client, nobody_client)] == [
        403,
        403,
        403,
    ]
    assert anonymous_is_sent_to_login(target)
    assert sos_client.post(target).status_code == 405


def test_reading_the_board_writes_nothing(state, sos_client):
    before = (RecountRequest.history.count(), CountyRecount.history.count())

    sos_client.get(BOARD)
    sos_client.get(BOARD_CSV)

    assert (RecountRequest.history.count(), CountyRecount.history.count()) == before


# session + user + second-factor device; the Secretary of State group; the cases by status; the requests waiting
# (+ contest, election, home county, candidate), their authorities (+ jurisdiction), the rules and the closed days
# (the inbox's act-by); the counties of the open cases (+ county, case, contest, election, candidate; the latest
# history row's id); the elections the filter offers; the latest history rows (+ who); the navbar's candidacies
# and the reader's offices (staff memberships).
BOARD_QUERIES = 3 + 3 + 1 + 1 + 4 + 1 + 1 + 1 + 1 + 1  # 3: the session renewed (savepoint, update, release)
# session + user + second-factor device; the Secretary of State group; the counties; the latest history rows
# (the elections the filter offers are read only when one is chosen).
CSV_QUERIES = 3 + 3 + 1 + 1 + 1


@pytest.mark.parametrize("county_count", [2, 20])
def test_the_board_s_query_count_is_fixed(clock, sos_user, sos_client, django_assert_num_queries, county_count):
    for index in range(2):
        contest = build_spread_race(slug=f"spread-{index}", county_count=county_count, level=Level.STATE)
        certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
        baker = contest.candidates.get(name="Ben Baker")
        make_candidate_account(baker, username=f"baker-{index}")
        recount_direct(
            request=file(baker),
            by=sos_user,
            window_starts_at=at(2017, 12, 14, 9),
            finish_by=at(2017, 12, 18, 17),
            ruling="Granted.",
        )
    waiting = build_spread_race(slug="waiting", county_count=county_count, level=Level.STATE)
    certification_record(election=waiting.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    make_candidate_account(waiting.candidates.get(name="Ben Baker"), username="baker-waiting")
    file(waiting.candidates.get(name="Ben Baker"))

    with django_assert_num_queries(BOARD_QUERIES):
        page = sos_client.get(BOARD)
    with django_assert_num_queries(CSV_QUERIES):
        table = sos_client.get(BOARD_CSV)

    assert (len(page.context["rows"]), len(page.context["board"].waiting)) == (2 * county_count, 1)
    assert len(csv_rows(table)) == 1 + 2 * county_count
