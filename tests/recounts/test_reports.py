"""The discrepancy report: every worksheet line against the certified figure, the totals, the margins."""

import datetime
from decimal import Decimal

import pytest

from elections.enums import DeclaredStatus, VoteType
from elections.models import Result
from elections.services import candidate_declare
from recounts.enums import DiscrepancyReason, TallyLine
from recounts.models import RecountRequest
from recounts.reports import CandidateTotals, DiscrepancyRow, Margin, discrepancies, discrepancy_csv
from tests.factories import (
    EASTERN,
    build_spread_race,
    county,
    make_county_recount,
    make_ordered_request,
    make_tally,
)
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION

pytestmark = pytest.mark.django_db

DECIDED_AT = datetime.datetime(2017, 12, 14, 9, 0, tzinfo=EASTERN)
UNSPEC = VoteType.UNSPECIFIED
RETURNS = TallyLine.RETURNS


@pytest.fixture
def case(norwood, fulton_user) -> RecountRequest:
    return make_ordered_request(
        norwood, filed_at=DAY_AFTER_CERTIFICATION, decided_by=fulton_user, decided_at=DECIDED_AT
    )


def county_part(case: RecountRequest, county_name: str, by):
    return make_county_recount(request=case, county_name=county_name, ordered_by=by, ordered_at=DECIDED_AT)


@pytest.fixture
def atlanta_recounted(case, bottoms, norwood, fulton_user) -> RecountRequest:
    """The issue's scenario: Fulton finds Bottoms −6 and Norwood +5; DeKalb no change."""
    fulton = county_part(case, "Fulton", fulton_user)
    make_tally(
        county_recount=fulton,
        candidate=bottoms,
        original=42_887,
        recounted=42_881,
        reason=DiscrepancyReason.SCANNER_MISREAD,
        note="Six ballots in precinct 11J read as Bottoms on review were overvotes.",
    )
    make_tally(
        county_recount=fulton,
        candidate=norwood,
        original=40_668,
        recounted=40_673,
        reason=DiscrepancyReason.BALLOTS_MISSED,
        note="A memory card from precinct 06F was not uploaded.",
    )
    dekalb = county_part(case, "DeKalb", fulton_user)
    make_tally(county_recount=dekalb, candidate=bottoms, original=3_780, recounted=3_780)
    make_tally(county_recount=dekalb, candidate=norwood, original=5_167, recounted=5_167)
    return case


def test_atlanta_2017_rows_totals_and_margins(atlanta_recounted, bottoms, norwood):
    report = discrepancies(atlanta_recounted)

    fulton, dekalb = county("Fulton"), county("DeKalb")
    assert report.rows == (
        DiscrepancyRow(dekalb, bottoms, UNSPEC, RETURNS, 3_780, 3_780, None, ""),
        DiscrepancyRow(dekalb, norwood, UNSPEC, RETURNS, 5_167, 5_167, None, ""),
        DiscrepancyRow(
            fulton,
            bottoms,
            UNSPEC,
            RETURNS,
            42_887,
            42_881,
            DiscrepancyReason.SCANNER_MISREAD,
            "Six ballots in precinct 11J read as Bottoms on review were overvotes.",
        ),
        DiscrepancyRow(
            fulton,
            norwood,
            UNSPEC,
            RETURNS,
            40_668,
            40_673,
            DiscrepancyReason.BALLOTS_MISSED,
            "A memory card from precinct 06F was not uploaded.",
        ),
    )
    assert [row.difference for row in report.rows] == [0, 0, -6, 5]
    assert report.candidates == (
        CandidateTotals(bottoms, original=46_667, recounted=46_661, difference=-6, certified=46_667),
        CandidateTotals(norwood, original=45_835, recounted=45_840, difference=5, certified=45_835),
    )
    assert [line.corrected for line in report.candidates] == [46_661, 45_840]
    assert (report.certified_total, report.corrected_total) == (92_502, 92_501)
    assert report.old_margin == Margin("Mary Norwood", "Keisha Lance Bottoms", 832, Decimal("0.899"))
    assert report.new_margin == Margin("Mary Norwood", "Keisha Lance Bottoms", 821, Decimal("0.888"))
    assert report.complete
    assert report.changed_counties == (fulton,)


def test_the_csv_holds_exactly_the_differences(atlanta_recounted):
    assert discrepancy_csv(discrepancies(atlanta_recounted)).splitlines() == [
        "county,candidate,vote_type,line,original,recounted,difference,reason,note",
        "Fulton,Keisha Lance Bottoms,unspecified,returns,42887,42881,-6,scanner_misread,"
        "Six ballots in precinct 11J read as Bottoms on review were overvotes.",
        "Fulton,Mary Norwood,unspecified,returns,40668,40673,5,ballots_missed,"
        "A memory card from precinct 06F was not uploaded.",
    ]


def test_a_recount_without_a_difference_has_a_csv_of_its_header_only(case, bottoms, norwood, fulton_user):
    fulton = county_part(case, "Fulton", fulton_user)
    make_tally(county_recount=fulton, candidate=bottoms, original=42_887, recounted=42_887)
    make_tally(county_recount=fulton, candidate=norwood, original=40_668, recounted=40_668)

    report = discrepancies(case)

    assert discrepancy_csv(report) == "county,candidate,vote_type,line,original,recounted,difference,reason,note\r\n"
    assert report.changed_counties == ()
    assert report.new_margin == report.old_margin


def test_counties_not_recounted_keep_their_certified_votes_in_the_new_totals(case, bottoms, norwood, fulton_user):
    fulton = county_part(case, "Fulton", fulton_user)
    make_tally(county_recount=fulton, candidate=bottoms, original=42_887, recounted=42_881, reason="tabulation")
    make_tally(county_recount=fulton, candidate=norwood, original=40_668, recounted=40_673, reason="tabulation")

    report = discrepancies(case)

    assert [(line.original, line.certified, line.corrected) for line in report.candidates] == [
        (42_887, 46_667, 46_661),
        (40_668, 45_835, 45_840),
    ]
    assert report.new_margin.votes == 821


def test_the_report_reads_the_same_after_the_returns_are_corrected(atlanta_recounted, bottoms, norwood):
    """Corrected `Result` rows already hold the differences: the certified totals come from the snapshot."""
    before = discrepancies(atlanta_recounted)
    Result.objects.filter(candidate=bottoms, county=county("Fulton")).update(votes=42_881)
    Result.objects.filter(candidate=norwood, county=county("Fulton")).update(votes=40_673)

    after = discrepancies(atlanta_recounted)

    assert [line.corrected for line in after.candidates] == [46_661, 45_840]
    assert after == before


def test_lines_not_yet_entered_count_as_unchanged_and_stay_out_of_the_csv(case, bottoms, norwood, fulton_user):
    fulton = county_part(case, "Fulton", fulton_user)
    make_tally(county_recount=fulton, candidate=bottoms, original=42_887, recounted=42_880, reason="tabulation")
    make_tally(county_recount=fulton, candidate=norwood, original=40_668)

    report = discrepancies(case)

    assert not report.complete
    assert [(row.recounted, row.difference) for row in report.rows] == [(42_880, -7), (None, None)]
    assert [(line.recounted, line.difference) for line in report.candidates] == [(42_880, -7), (40_668, 0)]
    assert len(discrepancy_csv(report).splitlines()) == 2


def test_rows_run_by_county_then_ballot_order_then_line_then_vote_type(case, bottoms, norwood, fulton_user):
    fulton = county_part(case, "Fulton", fulton_user)
    dekalb = county_part(case, "DeKalb", fulton_user)
    for county_recount, candidate, vote_type, line in [
        (fulton, norwood, VoteType.MILITARY_OVERSEAS, TallyLine.UOCAVA_ARRIVED),
        (fulton, norwood, VoteType.PROVISIONAL, TallyLine.PROVISIONAL_ADJUDICATED),
        (fulton, norwood, VoteType.ABSENTEE_BY_MAIL, RETURNS),
        (fulton, norwood, VoteType.ELECTION_DAY, RETURNS),
        (fulton, bottoms, VoteType.ELECTION_DAY, RETURNS),
        (dekalb, norwood, VoteType.ELECTION_DAY, RETURNS),
    ]:
        make_tally(county_recount=county_recount, candidate=candidate, vote_type=vote_type, line=line, original=0)

    rows = discrepancies(case).rows

    assert [(row.county.name, row.candidate.name, row.line, row.vote_type) for row in rows] == [
        ("DeKalb", "Mary Norwood", RETURNS, VoteType.ELECTION_DAY),
        ("Fulton", "Keisha Lance Bottoms", RETURNS, VoteType.ELECTION_DAY),
        ("Fulton", "Mary Norwood", RETURNS, VoteType.ELECTION_DAY),
        ("Fulton", "Mary Norwood", RETURNS, VoteType.ABSENTEE_BY_MAIL),
        ("Fulton", "Mary Norwood", TallyLine.PROVISIONAL_ADJUDICATED, VoteType.PROVISIONAL),
        ("Fulton", "Mary Norwood", TallyLine.UOCAVA_ARRIVED, VoteType.MILITARY_OVERSEAS),
    ]


def test_when_the_recount_declares_the_requesting_candidate_the_margin_is_the_new_runner_up(
    case, bottoms, norwood, fulton_user
):
    fulton = county_part(case, "Fulton", fulton_user)
    make_tally(county_recount=fulton, candidate=bottoms, original=42_887, recounted=42_487, reason="counted_twice")
    make_tally(county_recount=fulton, candidate=norwood, original=40_668, recounted=41_168, reason="ballots_missed")
    candidate_declare(candidate=norwood, status=DeclaredStatus.ELECTED, by=None, reason="Recount (test)")
    candidate_declare(candidate=bottoms, status=DeclaredStatus.NONE, by=None, reason="Recount (test)")

    report = discrepancies(case)

    assert [line.corrected for line in report.candidates] == [46_267, 46_335]
    assert report.new_margin == Margin("Keisha Lance Bottoms", "Mary Norwood", 68, Decimal("0.073"))


@pytest.mark.parametrize("county_count", [2, 20])
def test_the_report_takes_two_queries_whatever_the_number_of_counties(
    county_count, clock, fulton_user, django_assert_num_queries
):
    contest = build_spread_race(slug=f"spread-{county_count}", county_count=county_count)
    baker = contest.candidates.get(name="Ben Baker")
    case = make_ordered_request(baker, filed_at=DAY_AFTER_CERTIFICATION, decided_by=fulton_user, decided_at=DECIDED_AT)
    for place in contest.counties.all():
        county_recount = make_county_recount(
            request=case, county_name=place.name, ordered_by=fulton_user, ordered_at=DECIDED_AT
        )
        for candidate in contest.candidates.all():
            for vote_type in (VoteType.ELECTION_DAY, VoteType.ABSENTEE_BY_MAIL):
                make_tally(
                    county_recount=county_recount, candidate=candidate, vote_type=vote_type, original=10, recounted=11
                )
    case = RecountRequest.objects.get(pk=case.pk)

    with django_assert_num_queries(2):
        report = discrepancies(case)
        discrepancy_csv(report)

    assert len(report.rows) == county_count * 3 * 2
    assert len(report.changed_counties) == county_count
