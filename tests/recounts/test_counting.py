"""The recount through its services, scenario by scenario, the clock pinned at every step."""

import datetime
import io
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.enums import DeclaredStatus, ElectionKind, VoteType
from elections.importers.returns import import_openelections_csv
from elections.models import Certification, Jurisdiction, Result
from elections.queries import CountyVoteRow, votes_by_county_and_type
from elections.services import candidate_declare, certification_record
from recounts.enums import CountyRecountStatus, DenialReason, DiscrepancyReason, NoticeKind, RequestStatus, TallyLine
from recounts.management.commands.load_demo import RETURNS_CSV
from recounts.models import CountyRecount, Notice, RecountRequest, RecountTally
from recounts.queries import county_recounts_overdue
from recounts.reports import DiscrepancyRow, discrepancies, discrepancy_csv
from recounts.services.cases import RecountError, case_move
from recounts.services.decisions import county_count_schedule, recount_direct, recount_order, request_deny
from recounts.services.outcomes import case_finish
from recounts.services.worksheets import (
    LateBallots,
    TallyEntry,
    late_ballots_enter,
    scanner_test_record,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from tests.factories import (
    at,
    build_atlanta_runoff,
    build_race,
    georgia_counties,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    record_outcome,
)
from tests.factories import (
    file_online as file,
)

pytestmark = pytest.mark.django_db

User = get_user_model()

UNSPEC, ED, PROV, MIL = VoteType.UNSPECIFIED, VoteType.ELECTION_DAY, VoteType.PROVISIONAL, VoteType.MILITARY_OVERSEAS


def order(request, county_name: str, by, when: datetime.datetime, **arguments) -> CountyRecount:
    (county,) = georgia_counties(county_name)
    return recount_order(
        request=request,
        county=county,
        by=by,
        count_place=f"{county_name} County Elections Hub",
        count_starts_at=when + datetime.timedelta(hours=2),
        now=when,
        **arguments,
    )


def tallies(county_recount) -> dict[tuple[str, str, str], RecountTally]:
    return {
        (tally.candidate.name, tally.vote_type, tally.line): tally
        for tally in county_recount.tallies.select_related("candidate")
    }


def clerk_of(county_name: str):
    """The county's clerk, who enters the figures (made on first use)."""
    user = User.objects.filter(username=f"{county_name.lower()}-clerk").first()
    return user or make_superintendent_staff(username=f"{county_name.lower()}-clerk", county_name=county_name)


def count(
    county_recount, recounted: dict[tuple[str, str], int], *, reason=DiscrepancyReason.SCANNER_MISREAD, when, by=None
):
    """The county's clerk (or `by`) tests one scanner (it passes), enters every line (as certified unless
    `recounted` says), the tapes, then submits."""
    county_recount.refresh_from_db()
    by = by or clerk_of(county_recount.county.name)
    scanner_test_record(
        county_recount=county_recount,
        by=by,
        version=county_recount.version,
        scanner="ICP-001",
        machine_marked=75,
        hand_marked=25,
        precincts=3,
        hand_count=100,
        machine_count=100,
        now=when,
    )
    county_recount.refresh_from_db()
    lines = tallies(county_recount)
    entries = {}
    tapes: dict[int, int] = {}
    for (name, vote_type, line), tally in lines.items():
        if line != TallyLine.RETURNS:
            continue  # late ballots are entered on their own
        figure = recounted.get((name, vote_type), tally.original)
        entries[tally.pk] = TallyEntry(recounted=figure, reason=reason if figure != tally.original else "")
        tapes[tally.candidate_id] = tapes.get(tally.candidate_id, 0) + figure
    worksheet_save(
        county_recount=county_recount, by=by, version=county_recount.version, entries=entries, tabulator_tapes=tapes
    )
    county_recount.refresh_from_db()
    with time_machine.travel(when, tick=False):
        return worksheet_submit(county_recount=county_recount, by=by, version=county_recount.version, now=when)


def sign_off(county_recount, by, when) -> CountyRecount:
    county_recount.refresh_from_db()
    return worksheet_sign_off(
        county_recount=county_recount,
        by=by,
        version=county_recount.version,
        attested=True,
        now=when,
    )


def record_outcomes(request, superintendents: dict, when) -> None:
    """Each county's superintendent records its outcome, in the order of the counties' names."""
    for part in request.county_recounts.select_related("county").order_by("county__name"):
        record_outcome(part, by=superintendents[part.county.name], now=when)


def totals(contest) -> dict[str, int]:
    return {
        candidate.name: sum(result.votes for result in candidate.results.all())
        for candidate in contest.candidates.prefetch_related("results")
    }


@pytest.fixture
def superintendents():
    return {
        "Fulton": make_superintendent_staff(username="fulton", county_name="Fulton", role=StaffRole.SUPERINTENDENT),
        "DeKalb": make_superintendent_staff(username="dekalb", county_name="DeKalb", role=StaffRole.SUPERINTENDENT),
    }


# -- 2017 Atlanta: the article's race --------------------------------------------------------------


def imported_atlanta_runoff():
    """The article's race as `load_demo` loads it: through the import (no per-line history), certified."""
    summary = import_openelections_csv(
        source=io.BytesIO(RETURNS_CSV.encode()),
        file_name="atlanta.csv",
        election_name="Atlanta Mayoral Runoff 2017",
        date=datetime.date(2017, 12, 5),
        kind=ElectionKind.RUNOFF,
        municipal=True,
    )
    for county in georgia_counties("Fulton", "DeKalb"):
        certification_record(
            election=summary.election, jurisdiction=county, certified_at=at(2017, 12, 11, 16, 0), by=None
        )
    return summary.election.contests.get()


def test_2017_atlanta_norwood_granted_fulton_finds_differences_recertified_winner_unchanged(superintendents):
    contest = imported_atlanta_runoff()
    norwood = contest.candidates.get(name="Mary Norwood")
    request = file(norwood, at(2017, 12, 12, 10, 0))
    fulton, dekalb = superintendents["Fulton"], superintendents["DeKalb"]

    fulton_part = order(request, "Fulton", fulton, at(2017, 12, 12, 14, 0))
    dekalb_part = order(request, "DeKalb", dekalb, at(2017, 12, 12, 15, 0))
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decided_at) == (
        RequestStatus.ORDERED,
        fulton,
        at(2017, 12, 12, 14, 0),
    )
    assert {(t.candidate.name, t.vote_type, t.original) for t in fulton_part.tallies.all()} == {
        ("Keisha Lance Bottoms", UNSPEC, 42_887),
        ("Mary Norwood", UNSPEC, 40_668),
    }

    count(
        fulton_part,
        {("Keisha Lance Bottoms", UNSPEC): 42_881, ("Mary Norwood", UNSPEC): 40_673},
        when=at(2017, 12, 13, 18, 0),
    )
    sign_off(fulton_part, fulton, at(2017, 12, 13, 19, 0))
    count(dekalb_part, {}, when=at(2017, 12, 13, 18, 30))
    sign_off(dekalb_part, dekalb, at(2017, 12, 13, 19, 30))
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTED

    record_outcomes(request, superintendents, at(2017, 12, 14, 11, 0))

    request.refresh_from_db()
    assert (request.status, request.outcome_changed, request.finished_at) == (
        RequestStatus.RECERTIFIED,
        False,
        at(2017, 12, 14, 11, 0),
    )
    assert totals(contest) == {"Keisha Lance Bottoms": 46_661, "Mary Norwood": 45_840}
    assert dict(contest.candidates.values_list("name", "declared_status")) == {
        "Keisha Lance Bottoms": DeclaredStatus.ELECTED,
        "Mary Norwood": DeclaredStatus.NONE,
    }
    versions = Certification.objects.filter(election=contest.election).order_by("jurisdiction__name", "version")
    assert [(c.jurisdiction.name, c.version, c.note) for c in versions] == [
        ("DeKalb", 1, ""),
        ("Fulton", 1, ""),
        ("Fulton", 2, f"Recertified after recount {request.receipt_number}"),
    ]
    fulton_bottoms = Result.objects.get(candidate__name="Keisha Lance Bottoms", county__name="Fulton")
    assert [
        (h.history_type, h.votes, h.history_change_reason) for h in fulton_bottoms.history.order_by("history_id")
    ] == [
        ("+", 42_887, f"Imported (as certified, before recount {request.receipt_number})"),
        ("~", 42_881, f"Corrected by recount {request.receipt_number}"),
    ]
    assert discrepancy_csv(discrepancies(request)).splitlines() == [
        "county,candidate,vote_type,line,original,recounted,difference,reason,note",
        "Fulton,Keisha Lance Bottoms,unspecified,returns,42887,42881,-6,scanner_misread,",
        "Fulton,Mary Norwood,unspecified,returns,40668,40673,5,scanner_misread,",
    ]
    assert [h.status for h in request.history.order_by("history_id")] == [
        RequestStatus.FILED,
        RequestStatus.ORDERED,
        RequestStatus.COUNTING,
        RequestStatus.COUNTED,
        RequestStatus.COUNTED,  # Fulton records its outcome first: who the returns declared before any correction
        RequestStatus.RECERTIFIED,
    ]


def test_2009_atlanta_norwood_plus_one_recertified_winner_unchanged(superintendents):
    contest = build_race(
        slug="atlanta-mayor-runoff-2009",
        name="Atlanta Mayoral Runoff 2009",
        district="City of Atlanta",
        counties=georgia_counties("Fulton", "DeKalb"),
        votes={
            "Kasim Reed": [{UNSPEC: 39_000}, {UNSPEC: 3_548}],
            "Mary Norwood": [{UNSPEC: 37_300}, {UNSPEC: 4_534}],
        },
        date=datetime.date(2009, 12, 1),
        certified_at=at(2009, 12, 4, 12, 0),
    )
    request = file(contest.candidates.get(name="Mary Norwood"), at(2009, 12, 7, 9, 0))
    fulton, dekalb = superintendents["Fulton"], superintendents["DeKalb"]
    parts = [
        order(request, "Fulton", fulton, at(2009, 12, 7, 11, 0)),
        order(request, "DeKalb", dekalb, at(2009, 12, 7, 11, 30)),
    ]
    count(parts[0], {}, when=at(2009, 12, 8, 16, 0))
    count(parts[1], {("Mary Norwood", UNSPEC): 4_535}, when=at(2009, 12, 8, 16, 0))
    for part, by in zip(parts, (fulton, dekalb), strict=True):
        sign_off(part, by, at(2009, 12, 8, 17, 0))

    record_outcomes(request, superintendents, at(2009, 12, 9, 10, 0))

    request.refresh_from_db()
    assert (request.status, request.outcome_changed) == (RequestStatus.RECERTIFIED, False)
    assert totals(contest) == {"Kasim Reed": 42_548, "Mary Norwood": 41_835}
    assert contest.candidates.get(declared_status=DeclaredStatus.ELECTED).name == "Kasim Reed"
    assert list(
        Certification.objects.filter(election=contest.election, version=2).values_list("jurisdiction__name", flat=True)
    ) == ["DeKalb"]


def test_no_difference_anywhere_confirms_the_returns(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 12, 10, 0))
    for name, by in superintendents.items():
        part = order(request, name, by, at(2017, 12, 12, 14, 0))
        count(part, {}, when=at(2017, 12, 13, 18, 0))
        sign_off(part, by, at(2017, 12, 13, 19, 0))

    record_outcomes(request, superintendents, at(2017, 12, 14, 9, 0))

    request.refresh_from_db()
    assert request.status == RequestStatus.CONFIRMED
    assert totals(contest) == {"Keisha Lance Bottoms": 46_667, "Mary Norwood": 45_835}
    assert not Certification.objects.filter(election=contest.election, version__gt=1).exists()
    assert set(Notice.objects.filter(kind=NoticeKind.CASE_CONFIRMED).values_list("recipient__username", flat=True)) == {
        "norwood",
        "fulton",
        "fulton-clerk",
        "dekalb",
        "dekalb-clerk",
    }


# -- The Secretary of State's route ---------------------------------------------------------------


def test_secretary_of_state_directs_every_county_and_one_is_overdue(state_race):
    sos = make_secretary_of_state_staff()
    staff = {
        name: make_superintendent_staff(username=name.lower(), county_name=name, superintendent=True)
        for name in ("Fulton", "Cobb", "Gwinnett")
    }
    request = file(state_race.candidates.get(name="Ben Baker"), at(2017, 12, 12, 9, 0))

    parts = recount_direct(
        request=request,
        by=sos,
        window_starts_at=at(2017, 12, 14, 9, 0),
        finish_by=at(2017, 12, 18, 17, 0),
        now=at(2017, 12, 12, 12, 0),
    )

    assert [(p.county.name, p.status, p.finish_by) for p in parts] == [
        ("Cobb", CountyRecountStatus.ORDERED, at(2017, 12, 18, 17, 0)),
        ("Fulton", CountyRecountStatus.ORDERED, at(2017, 12, 18, 17, 0)),
        ("Gwinnett", CountyRecountStatus.ORDERED, at(2017, 12, 18, 17, 0)),
    ]
    directed = Notice.objects.filter(kind=NoticeKind.RECOUNT_DIRECTED)
    assert set(directed.values_list("recipient__username", flat=True)) == {"fulton", "cobb", "gwinnett", "baker"}
    by_county = {part.county.name: part for part in parts}
    with pytest.raises(RecountError, match="Set the place and time of Cobb County's count first"):
        count(by_county["Cobb"], {}, when=at(2017, 12, 14, 9, 0))
    with pytest.raises(RecountError, match="must start within the Secretary of State's window"):
        county_count_schedule(
            county_recount=by_county["Cobb"],
            by=staff["Cobb"],
            count_place="Civic Center",
            count_starts_at=at(2017, 12, 19, 9),
        )
    for name, part in by_county.items():
        county_count_schedule(
            county_recount=part,
            by=staff[name],
            count_place=f"{name} County Civic Center",
            count_starts_at=at(2017, 12, 14, 9, 0),
        )
    assert Notice.objects.filter(kind=NoticeKind.COUNT_NOTICE, recipient__username="baker").count() == 3
    for name in ("Fulton", "Cobb"):
        count(by_county[name], {}, when=at(2017, 12, 15, 12, 0))
        sign_off(by_county[name], staff[name], at(2017, 12, 15, 13, 0))

    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTING  # Gwinnett has not signed off
    assert {p.county.name for p in county_recounts_overdue(at(2017, 12, 18, 17, 1))} == {"Gwinnett"}
    assert set(county_recounts_overdue(at(2017, 12, 18, 16, 59))) == set()

    count(by_county["Gwinnett"], {("Ben Baker", ED): 9_990}, when=at(2017, 12, 19, 9, 0))
    sign_off(by_county["Gwinnett"], staff["Gwinnett"], at(2017, 12, 19, 10, 0))
    with pytest.raises(
        RecountError, match=re.escape("Each county records its own outcome first; still waiting for Cobb County")
    ):
        case_finish(request=request, by=sos, now=at(2017, 12, 20, 10, 0))
    record_outcomes(request, staff, at(2017, 12, 20, 9, 0))
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTED  # the statewide returns are the Secretary of State's
    case_finish(request=request, by=sos, now=at(2017, 12, 20, 10, 0))

    versions = Certification.objects.filter(election=state_race.election, version=2)
    assert sorted((c.scope, c.jurisdiction.name if c.jurisdiction else None) for c in versions) == [
        ("county", "Gwinnett"),
        ("statewide", None),
    ]


def test_only_the_secretary_of_state_directs_and_the_window_must_make_sense(state_race):
    request = file(state_race.candidates.get(name="Ben Baker"), at(2017, 12, 12, 9, 0))
    cobb = make_superintendent_staff(username="cobb", county_name="Cobb", role=StaffRole.SUPERINTENDENT)
    with pytest.raises(RecountError, match=re.escape("Only the Secretary of State's staff can direct the recount.")):
        recount_direct(request=request, by=cobb, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    with pytest.raises(RecountError, match="must finish after it starts"):
        recount_direct(
            request=request,
            by=make_secretary_of_state_staff(),
            window_starts_at=at(2017, 12, 14, 9),
            finish_by=at(2017, 12, 14, 9),
        )
    with pytest.raises(RecountError, match="directed by the Secretary of State"):
        order(request, "Cobb", cobb, at(2017, 12, 12, 12, 0))
    assert not CountyRecount.objects.exists()


# -- The worksheet --------------------------------------------------------------------------------


@pytest.fixture
def fulton_part(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 12, 10, 0))
    return order(request, "Fulton", superintendents["Fulton"], at(2017, 12, 12, 14, 0))


def test_every_scanner_failing_switches_to_a_hand_count(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    for scanner, machine_count in (("ICP-001", 99), ("ICP-002", 101)):
        fulton_part.refresh_from_db()
        test = scanner_test_record(
            county_recount=fulton_part,
            by=fulton,
            version=fulton_part.version,
            scanner=scanner,
            machine_marked=75,
            hand_marked=25,
            precincts=3,
            hand_count=100,
            machine_count=machine_count,
            now=at(2017, 12, 13, 9, 0),
        )
        assert test.passed is False
    fulton_part.refresh_from_db()
    assert (fulton_part.hand_count, fulton_part.status) == (True, CountyRecountStatus.SCANNER_TESTING)
    assert fulton_part.history.first().history_change_reason == (
        "Scanner ICP-002 tested: failed; no scanner passed: the ballots are counted by hand"
    )
    # A hand count needs no tabulator tapes.
    entries = {tally.pk: TallyEntry(recounted=tally.original) for tally in fulton_part.tallies.all()}
    worksheet_save(county_recount=fulton_part, by=fulton, version=fulton_part.version, entries=entries)
    fulton_part.refresh_from_db()
    submitted = worksheet_submit(county_recount=fulton_part, by=fulton, version=fulton_part.version)
    assert submitted.status == CountyRecountStatus.SUBMITTED


def test_a_conflicting_save_is_refused_and_nothing_is_lost(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    clerk = make_superintendent_staff(username="clerk", county_name="Fulton")
    opened = fulton_part.version
    bottoms = tallies(fulton_part)["Keisha Lance Bottoms", UNSPEC, TallyLine.RETURNS]

    worksheet_save(
        county_recount=fulton_part, by=fulton, version=opened, entries={bottoms.pk: TallyEntry(recounted=42_887)}
    )
    with pytest.raises(RecountError) as error:
        worksheet_save(
            county_recount=fulton_part,
            by=clerk,
            version=opened,
            entries={bottoms.pk: TallyEntry(recounted=42_000, reason=DiscrepancyReason.OTHER, note="typo")},
        )

    assert str(error.value).startswith("Fulton County's worksheet was saved by fulton on ")
    assert "nothing of yours was saved" in str(error.value)
    bottoms.refresh_from_db()
    assert bottoms.recounted == 42_887


def test_a_difference_needs_a_reason_and_other_needs_a_note(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    bottoms = tallies(fulton_part)["Keisha Lance Bottoms", UNSPEC, TallyLine.RETURNS]
    with pytest.raises(RecountError, match="42,881 differs from the certified 42,887; give the reason"):
        worksheet_save(
            county_recount=fulton_part, by=fulton, version=fulton_part.version, entries={bottoms.pk: TallyEntry(42_881)}
        )
    with pytest.raises(RecountError, match="say in the note what the other reason is"):
        worksheet_save(
            county_recount=fulton_part,
            by=fulton,
            version=fulton_part.version,
            entries={bottoms.pk: TallyEntry(42_881, DiscrepancyReason.OTHER)},
        )
    bottoms.refresh_from_db()
    assert bottoms.recounted is None


def test_tapes_that_do_not_match_the_lines_stop_the_submission(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    scanner_test_record(
        county_recount=fulton_part, by=fulton, version=fulton_part.version, scanner="ICP-001",
        machine_marked=80, hand_marked=30, precincts=4, hand_count=110, machine_count=110,
    )  # fmt: skip
    fulton_part.refresh_from_db()
    lines = tallies(fulton_part)
    bottoms, norwood = lines["Keisha Lance Bottoms", UNSPEC, "returns"], lines["Mary Norwood", UNSPEC, "returns"]
    worksheet_save(
        county_recount=fulton_part,
        by=fulton,
        version=fulton_part.version,
        entries={bottoms.pk: TallyEntry(42_887), norwood.pk: TallyEntry(40_668)},
        tabulator_tapes={bottoms.candidate_id: 42_887, norwood.candidate_id: 40_600},
    )
    fulton_part.refresh_from_db()
    with pytest.raises(RecountError) as error:
        worksheet_submit(county_recount=fulton_part, by=fulton, version=fulton_part.version)
    assert str(error.value) == (
        "The worksheet cannot be submitted yet: "
        "Mary Norwood: the lines add up to 40,668, the tabulator tapes say 40,600."
    )


def result_lines(contest) -> list[tuple]:
    """The contest's returns, line by line: county, candidate, precinct, votes, then each type's column."""
    return list(
        Result.objects.filter(candidate__contest=contest)
        .order_by("county__name", "candidate__ballot_order", "precinct")
        .values_list("county__name", "candidate__name", "precinct", "votes", *Result.TYPE_FIELDS)
    )


def test_late_ballots_of_each_kind_stand_on_their_own_lines_of_returns_not_broken_down(superintendents):
    """DeKalb's returns are one line per candidate, not broken down by type. Its late ballots stay on
    their own vote types in the corrected returns, beside the recounted votes, never folded into them."""
    contest = imported_atlanta_runoff()
    bottoms, norwood = (contest.candidates.get(name=name) for name in ("Keisha Lance Bottoms", "Mary Norwood"))
    request = file(norwood, at(2017, 12, 12, 10, 0))
    parts = {name: order(request, name, by, at(2017, 12, 12, 14, 0)) for name, by in superintendents.items()}
    dekalb_part = parts["DeKalb"]
    late_ballots_enter(
        county_recount=dekalb_part,
        by=clerk_of("DeKalb"),
        version=dekalb_part.version,
        late_ballots=[
            LateBallots(candidate=bottoms, line=TallyLine.PROVISIONAL_ADJUDICATED, votes=2),
            LateBallots(candidate=norwood, line=TallyLine.PROVISIONAL_ADJUDICATED, votes=5),
            LateBallots(candidate=bottoms, line=TallyLine.UOCAVA_ARRIVED, votes=3),
            LateBallots(candidate=norwood, line=TallyLine.UOCAVA_ARRIVED, votes=1),
        ],
    )
    count(parts["Fulton"], {}, when=at(2017, 12, 13, 18, 0))
    count(dekalb_part, {("Keisha Lance Bottoms", UNSPEC): 3_779}, when=at(2017, 12, 13, 18, 0))
    for name, by in superintendents.items():
        sign_off(parts[name], by, at(2017, 12, 13, 19, 0))

    record_outcomes(request, superintendents, at(2017, 12, 14, 9, 0))

    request.refresh_from_db()
    assert request.status == RequestStatus.RECERTIFIED
    # county, candidate, precinct, votes, election day, advance, absentee, provisional, military, not broken down
    assert result_lines(contest) == [
        ("DeKalb", "Keisha Lance Bottoms", "", 3_784, None, None, None, 2, 3, 3_779),
        ("DeKalb", "Mary Norwood", "", 5_173, None, None, None, 5, 1, 5_167),
        ("Fulton", "Keisha Lance Bottoms", "", 42_887, None, None, None, None, None, None),
        ("Fulton", "Mary Norwood", "", 40_668, None, None, None, None, None, None),
    ]
    assert totals(contest) == {"Keisha Lance Bottoms": 46_671, "Mary Norwood": 45_841}
    assert votes_by_county_and_type(contest_id=contest.pk, candidate_ids=[bottoms.pk, norwood.pk]) == [
        CountyVoteRow(county="DeKalb", vote_type="Provisional", votes=(2, 5)),
        CountyVoteRow(county="DeKalb", vote_type="Military and overseas", votes=(3, 1)),
        CountyVoteRow(county="DeKalb", vote_type="Not broken down by type", votes=(3_779, 5_167)),
        CountyVoteRow(county="Fulton", vote_type="Not broken down by type", votes=(42_887, 40_668)),
    ]
    imported = f"Imported (as certified, before recount {request.receipt_number})"
    corrected = f"Corrected by recount {request.receipt_number}"
    history = Result.history.filter(county__name="DeKalb").order_by("candidate__ballot_order", "history_id")
    assert [
        (
            h.candidate.name,
            h.history_type,
            h.votes,
            h.provisional,
            h.military_overseas,
            h.unspecified,
            h.history_user and h.history_user.username,
            h.history_change_reason,
        )
        for h in history
    ] == [
        ("Keisha Lance Bottoms", "+", 3_780, None, None, None, None, imported),
        ("Keisha Lance Bottoms", "~", 3_784, 2, 3, 3_779, "dekalb", corrected),
        ("Mary Norwood", "+", 5_167, None, None, None, None, imported),
        ("Mary Norwood", "~", 5_173, 5, 1, 5_167, "dekalb", corrected),
    ]
    assert not Result.history.filter(county__name="Fulton").exists()
    assert [(c.jurisdiction.name, c.version) for c in Certification.objects.filter(version__gt=1)] == [("DeKalb", 2)]

    report = discrepancies(request)
    dekalb = Jurisdiction.objects.get(name="DeKalb", kind="county")
    late = DiscrepancyReason.LATE_BALLOTS
    assert report.late_ballots == (
        DiscrepancyRow(dekalb, bottoms, PROV, TallyLine.PROVISIONAL_ADJUDICATED, 0, 2, late, ""),
        DiscrepancyRow(dekalb, bottoms, MIL, TallyLine.UOCAVA_ARRIVED, 0, 3, late, ""),
        DiscrepancyRow(dekalb, norwood, PROV, TallyLine.PROVISIONAL_ADJUDICATED, 0, 5, late, ""),
        DiscrepancyRow(dekalb, norwood, MIL, TallyLine.UOCAVA_ARRIVED, 0, 1, late, ""),
    )
    assert [(line.candidate.name, line.difference, line.corrected) for line in report.candidates] == [
        ("Keisha Lance Bottoms", 4, 46_671),
        ("Mary Norwood", 6, 45_841),
    ]
    assert (report.certified_total, report.corrected_total) == (92_502, 92_512)
    assert discrepancy_csv(report).splitlines() == [
        "county,candidate,vote_type,line,original,recounted,difference,reason,note",
        "DeKalb,Keisha Lance Bottoms,unspecified,returns,3780,3779,-1,scanner_misread,",
        "DeKalb,Keisha Lance Bottoms,provisional,provisional_adjudicated,0,2,2,late_ballots,",
        "DeKalb,Keisha Lance Bottoms,military_overseas,uocava_arrived,0,3,3,late_ballots,",
        "DeKalb,Mary Norwood,provisional,provisional_adjudicated,0,5,5,late_ballots,",
        "DeKalb,Mary Norwood,military_overseas,uocava_arrived,0,1,1,late_ballots,",
    ]


def test_late_ballots_are_counted_in_their_type_of_returns_broken_down_by_type(superintendents):
    """Returns in Georgia's four types: a provisional ballot accepted after the count is a provisional
    vote, added to that type; military and overseas ballots, a type these returns lack, get its line."""
    summary = import_openelections_csv(
        source=io.BytesIO(
            b"county,office,district,party,candidate,votes,election_day,advance_in_person,absentee_by_mail,provisional\n"
            b"DeKalb,Mayor,City of Decatur,,Ada Able,1000,600,300,90,10\n"
            b"DeKalb,Mayor,City of Decatur,,Ben Baker,995,590,300,100,5\n"
        ),
        file_name="decatur.csv",
        election_name="Decatur Mayoral Runoff 2017",
        date=datetime.date(2017, 12, 5),
        kind=ElectionKind.RUNOFF,
        municipal=True,
    )
    certification_record(
        election=summary.election,
        jurisdiction=georgia_counties("DeKalb")[0],
        certified_at=at(2017, 12, 11, 16),
        by=None,
    )
    contest = summary.election.contests.get()
    ben = contest.candidates.get(name="Ben Baker")
    request = file(ben, at(2017, 12, 12, 10, 0))
    dekalb = superintendents["DeKalb"]
    part = order(request, "DeKalb", dekalb, at(2017, 12, 12, 14, 0))
    late_ballots_enter(
        county_recount=part,
        by=clerk_of("DeKalb"),
        version=part.version,
        late_ballots=[
            LateBallots(candidate=ben, line=TallyLine.PROVISIONAL_ADJUDICATED, votes=4),
            LateBallots(candidate=ben, line=TallyLine.UOCAVA_ARRIVED, votes=2),
        ],
    )
    count(part, {}, when=at(2017, 12, 13, 18, 0))
    sign_off(part, dekalb, at(2017, 12, 13, 19, 0))

    record_outcome(part, by=dekalb, now=at(2017, 12, 14, 9, 0))

    # county, candidate, precinct, votes, election day, advance, absentee, provisional, military, not broken down
    assert result_lines(contest) == [
        ("DeKalb", "Ada Able", "", 1_000, 600, 300, 90, 10, None, None),
        ("DeKalb", "Ben Baker", "", 1_001, 590, 300, 100, 9, 2, None),
    ]
    ben_line = Result.objects.get(candidate=ben)
    assert [
        (h.history_type, h.votes, h.provisional, h.military_overseas, h.history_user, h.history_change_reason)
        for h in ben_line.history.order_by("history_id")
    ] == [
        ("+", 995, 5, None, None, f"Imported (as certified, before recount {request.receipt_number})"),
        ("~", 1_001, 9, 2, dekalb, f"Corrected by recount {request.receipt_number}"),
    ]


def test_reopen_by_the_superintendent_sends_a_counted_case_back_to_counting(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 12, 10, 0))
    parts = {}
    for name, by in superintendents.items():
        parts[name] = order(request, name, by, at(2017, 12, 12, 14, 0))
        count(parts[name], {}, when=at(2017, 12, 13, 18, 0))
        sign_off(parts[name], by, at(2017, 12, 13, 19, 0))
    clerk = clerk_of("Fulton")

    with pytest.raises(
        RecountError, match=re.escape("Only the superintendent of Fulton County can reopen its worksheet.")
    ):
        worksheet_reopen(county_recount=parts["Fulton"], by=clerk, reason="Recheck")
    reopened = worksheet_reopen(county_recount=parts["Fulton"], by=superintendents["Fulton"], reason="A box was found")

    request.refresh_from_db()
    assert (reopened.status, reopened.official_name, request.status) == (
        CountyRecountStatus.COUNTING,
        "",
        RequestStatus.COUNTING,
    )
    signed = reopened.history.filter(status=CountyRecountStatus.APPROVED).first()
    assert signed.official_name == "Fulton Official"  # the earlier sign-off stays in history
    assert reopened.history.first().history_change_reason == "Reopened: A box was found"


def test_an_outcome_that_flips_is_flagged_and_told(superintendents):
    contest = build_race(
        slug="flip",
        office="Mayor",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}]},
    )
    request = file(contest.candidates.get(name="Ben Baker"), at(2017, 12, 12, 10, 0))
    fulton = superintendents["Fulton"]
    part = order(request, "Fulton", fulton, at(2017, 12, 12, 14, 0))
    count(part, {("Ada Able", UNSPEC): 990, ("Ben Baker", UNSPEC): 1_001}, when=at(2017, 12, 13, 18, 0))
    sign_off(part, fulton, at(2017, 12, 13, 19, 0))

    record_outcome(part, by=fulton, now=at(2017, 12, 14, 9, 0))

    request.refresh_from_db()
    assert (request.status, request.outcome_changed) == (RequestStatus.RECERTIFIED, True)
    assert dict(contest.candidates.values_list("name", "declared_status")) == {
        "Ada Able": DeclaredStatus.NONE,
        "Ben Baker": DeclaredStatus.ELECTED,
    }
    flagged = Notice.objects.filter(kind=NoticeKind.OUTCOME_CHANGED).order_by("recipient__username")
    assert [(n.recipient.username, n.subject) for n in flagged] == [
        ("baker", f"THE OUTCOME CHANGED: recount {request.receipt_number}, Mayor, City of Atlanta"),
        ("fulton", f"THE OUTCOME CHANGED: recount {request.receipt_number}, Mayor, City of Atlanta"),
        ("fulton-clerk", f"THE OUTCOME CHANGED: recount {request.receipt_number}, Mayor, City of Atlanta"),
    ]
    assert request.history.first().history_change_reason == "Returns corrected and recertified; THE OUTCOME CHANGED"


def tie_resolved_by_lot(superintendent):
    """Ada Able and Ben Baker tie in Fulton; the superintendent declares Able elected by lot."""
    contest = build_race(
        slug="tie",
        office="Mayor",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 1_000}]},
    )
    assert set(contest.candidates.values_list("declared_status", flat=True)) == {DeclaredStatus.NONE}
    declare_by_hand(contest, "Ada Able", superintendent, "Tie resolved by lot, December 12, 2017")
    return contest


def declare_by_hand(contest, name, superintendent, reason):
    candidate_declare(
        candidate=contest.candidates.get(name=name), status=DeclaredStatus.ELECTED, by=superintendent, reason=reason
    )


def recount_in_fulton(contest, superintendent, figures, *, by="Ben Baker") -> RecountRequest:
    request = file(contest.candidates.get(name=by), at(2017, 12, 12, 10, 0))
    part = order(request, "Fulton", superintendent, at(2017, 12, 12, 14, 0))
    count(part, figures, when=at(2017, 12, 13, 18, 0))
    sign_off(part, superintendent, at(2017, 12, 13, 19, 0))
    record_outcome(part, by=superintendent, now=at(2017, 12, 14, 9, 0))
    request.refresh_from_db()
    return request


def declared(contest) -> dict[str, str]:
    return dict(contest.candidates.values_list("name", "declared_status"))


def notices_of(kind) -> list[str]:
    return sorted(set(Notice.objects.filter(kind=kind).values_list("body", flat=True)))


def test_declarations_made_by_hand_are_kept_and_put_to_an_official_when_the_tie_stands(superintendents):
    fulton = superintendents["Fulton"]
    contest = tie_resolved_by_lot(fulton)

    # Both lose one vote: the returns change, the tie stands, the lot's winner is not undone.
    request = recount_in_fulton(contest, fulton, {("Ada Able", UNSPEC): 999, ("Ben Baker", UNSPEC): 999})

    assert (request.status, request.outcome_changed, request.declarations_kept) == (
        RequestStatus.RECERTIFIED,
        False,
        True,
    )
    assert declared(contest) == {"Ada Able": DeclaredStatus.ELECTED, "Ben Baker": DeclaredStatus.NONE}
    assert request.finish_declarations == {
        "in_force": [["Ada Able", "elected"]],
        "returns_before": [],
        "returns_after": [],
    }
    assert request.history.first().history_change_reason == (
        "Returns corrected and recertified; THE DECLARATIONS NEED AN OFFICIAL"
    )
    (body,) = notices_of(NoticeKind.DECLARATIONS_TO_REVIEW)
    assert "Declared: Ada Able (elected)." in body
    assert "the certified returns declared no one; the corrected returns declare no one" in body
    assert not Notice.objects.filter(kind=NoticeKind.OUTCOME_CHANGED).exists()


def test_a_recount_that_breaks_a_tie_resolved_by_lot_the_other_way_leaves_it_to_an_official(superintendents):
    fulton = superintendents["Fulton"]
    contest = tie_resolved_by_lot(fulton)

    request = recount_in_fulton(contest, fulton, {("Ada Able", UNSPEC): 1_000, ("Ben Baker", UNSPEC): 1_003})

    assert (request.outcome_changed, request.declarations_kept) == (True, True)
    assert declared(contest)["Ada Able"] == DeclaredStatus.ELECTED, "left to an official"
    (body,) = notices_of(NoticeKind.DECLARATIONS_TO_REVIEW)
    assert "the certified returns declared no one; the corrected returns declare Ben Baker (elected)" in body
    assert "An official must confirm the declarations or declare again." in body


def test_a_recount_that_breaks_a_tie_the_way_the_lot_did_needs_no_one(superintendents):
    fulton = superintendents["Fulton"]
    contest = tie_resolved_by_lot(fulton)

    request = recount_in_fulton(contest, fulton, {("Ada Able", UNSPEC): 1_003, ("Ben Baker", UNSPEC): 1_000})

    assert (request.outcome_changed, request.declarations_kept) == (True, False)
    assert declared(contest) == {"Ada Able": DeclaredStatus.ELECTED, "Ben Baker": DeclaredStatus.NONE}
    assert not Notice.objects.filter(kind=NoticeKind.DECLARATIONS_TO_REVIEW).exists()
    (body,) = notices_of(NoticeKind.OUTCOME_CHANGED)
    assert "declare Ada Able (elected); the certified returns declared no one" in body


def test_a_winner_declared_under_another_rule_is_kept_and_reviewed_when_the_lead_changes(superintendents):
    """A city charter elects by plurality; Georgia's rule would send Able and Baker to a runoff. The
    recount puts Baker ahead: the returns still declare the same runoff, but the plurality winner changed."""
    fulton = superintendents["Fulton"]
    contest = build_race(
        slug="charter",
        kind=ElectionKind.GENERAL,
        office="Mayor",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}], "Cy Cole": [{UNSPEC: 600}]},
    )
    assert declared(contest)["Ada Able"] == DeclaredStatus.RUNOFF
    candidate_declare(
        candidate=contest.candidates.get(name="Ben Baker"), status=DeclaredStatus.NONE, by=fulton, reason="Charter"
    )
    declare_by_hand(contest, "Ada Able", fulton, "Elected by plurality under the city charter")

    request = recount_in_fulton(
        contest, fulton, {("Ada Able", UNSPEC): 995, ("Ben Baker", UNSPEC): 1_000, ("Cy Cole", UNSPEC): 600}
    )

    assert (request.outcome_changed, request.declarations_kept) == (False, True)
    assert declared(contest)["Ada Able"] == DeclaredStatus.ELECTED
    assert notices_of(NoticeKind.DECLARATIONS_TO_REVIEW)
    assert discrepancies(request).new_margin.ahead, "Baker is ahead of the declared winner"


# -- Decisions ------------------------------------------------------------------------------------


def test_a_late_request_is_granted_only_with_a_ruling(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 14, 9, 0))  # after the deadline
    assert request.late
    with pytest.raises(RecountError, match="The request is late: write the ruling that grants it nevertheless"):
        order(request, "Fulton", superintendents["Fulton"], at(2017, 12, 14, 10, 0))

    part = order(
        request,
        "Fulton",
        superintendents["Fulton"],
        at(2017, 12, 14, 10, 0),
        ruling="Received by fax at 4:55 p.m. on the 13th.",
    )

    request.refresh_from_db()
    assert (part.status, request.status, request.ruling) == (
        CountyRecountStatus.ORDERED,
        RequestStatus.ORDERED,
        "Received by fax at 4:55 p.m. on the 13th.",
    )


def test_deny_with_a_statutory_reason(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 14, 9, 0))
    with pytest.raises(RecountError, match="Write the ruling"):
        request_deny(request=request, by=superintendents["Fulton"], reason=DenialReason.LATE)

    request_deny(
        request=request,
        by=superintendents["DeKalb"],
        reason=DenialReason.LATE,
        ruling="Filed a day late.",
        now=at(2017, 12, 14, 11, 0),
    )

    request.refresh_from_db()
    assert (request.status, request.denial_reason, request.decided_by, request.ruling) == (
        RequestStatus.DENIED,
        DenialReason.LATE,
        superintendents["DeKalb"],
        "Filed a day late.",
    )
    assert request.history.first().history_change_reason == "Denied: Made after the deadline"
    with pytest.raises(RecountError, match=re.escape("A case that is denied cannot become recount ordered.")):
        case_move(subject=request, to=RequestStatus.ORDERED, by=superintendents["Fulton"], reason="test")


def test_another_county_s_staff_cannot_decide_order_or_count(superintendents):
    contest = build_atlanta_runoff()
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 12, 10, 0))
    cobb = make_superintendent_staff(username="cobb", county_name="Cobb", role=StaffRole.SUPERINTENDENT)
    for outsider in (cobb, make_superintendent_staff(username="fulton-clerk", county_name="Fulton")):
        with pytest.raises(
            RecountError, match=re.escape("Only the authority the request is addressed to (its superintendent, or")
        ):
            request_deny(request=request, by=outsider, reason=DenialReason.NOT_ELIGIBLE)
    with pytest.raises(
        RecountError, match=re.escape("The request is not addressed to the superintendent of Cobb County.")
    ):
        order(request, "Cobb", cobb, at(2017, 12, 12, 14, 0))
    part = order(request, "Fulton", superintendents["Fulton"], at(2017, 12, 12, 14, 0))
    with pytest.raises(RecountError, match="Only the staff of Fulton County's superintendent"):
        worksheet_save(county_recount=part, by=cobb, version=part.version, entries={})
    with pytest.raises(RecountError, match="Only the superintendent of DeKalb County can order"):
        order(
            request,
            "DeKalb",
            make_superintendent_staff(username="dk-clerk", county_name="DeKalb"),
            at(2017, 12, 12, 15),
        )


def test_precinct_returns_of_a_corrected_county_become_one_county_line_each_kept_in_history(superintendents):
    summary = import_openelections_csv(
        source=io.BytesIO(
            b"county,precinct,office,district,party,candidate,votes,election_day,provisional\n"
            b"Fulton,P1,Mayor,City of Atlanta,,Ada Able,600,590,10\n"
            b"Fulton,P2,Mayor,City of Atlanta,,Ada Able,400,400,0\n"
            b"Fulton,P1,Mayor,City of Atlanta,,Ben Baker,500,495,5\n"
            b"Fulton,P2,Mayor,City of Atlanta,,Ben Baker,495,490,5\n"
        ),
        file_name="precincts.csv",
        election_name="Atlanta Mayoral Runoff 2017",
        date=datetime.date(2017, 12, 5),
        kind=ElectionKind.RUNOFF,
        municipal=True,
    )
    (fulton_county,) = georgia_counties("Fulton")
    certification_record(
        election=summary.election, jurisdiction=fulton_county, certified_at=at(2017, 12, 11, 16), by=None
    )
    contest = summary.election.contests.get()
    request = file(contest.candidates.get(name="Ben Baker"), at(2017, 12, 12, 10, 0))
    fulton = superintendents["Fulton"]
    part = order(request, "Fulton", fulton, at(2017, 12, 12, 14, 0))
    assert {(t.candidate.name, t.vote_type, t.original) for t in part.tallies.all()} == {
        ("Ada Able", ED, 990),
        ("Ada Able", PROV, 10),
        ("Ben Baker", ED, 985),
        ("Ben Baker", PROV, 10),
    }
    count(part, {("Ben Baker", ED): 987}, when=at(2017, 12, 13, 18, 0))
    sign_off(part, fulton, at(2017, 12, 13, 19, 0))

    record_outcome(part, by=fulton, now=at(2017, 12, 14, 9, 0))

    lines = Result.objects.filter(candidate__contest=contest).order_by("candidate__name")
    assert [(r.candidate.name, r.precinct, r.votes, r.election_day, r.provisional) for r in lines] == [
        ("Ada Able", "", 1_000, 990, 10),
        ("Ben Baker", "", 997, 987, 10),
    ]
    reason = f"Corrected by recount {request.receipt_number}"
    removed = Result.history.filter(history_type="-").order_by("candidate__name", "precinct")
    assert [(h.candidate.name, h.precinct, h.votes, h.history_change_reason) for h in removed] == [
        ("Ada Able", "P1", 600, reason),
        ("Ada Able", "P2", 400, reason),
        ("Ben Baker", "P1", 500, reason),
        ("Ben Baker", "P2", 495, reason),
    ]


def test_the_place_and_time_cannot_change_once_counting_has_begun(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    county_count_schedule(
        county_recount=fulton_part, by=fulton, count_place="Fulton Annex", count_starts_at=at(2017, 12, 13, 8, 0)
    )
    fulton_part.refresh_from_db()
    worksheet_save(county_recount=fulton_part, by=clerk_of("Fulton"), version=fulton_part.version, entries={})

    with pytest.raises(RecountError, match="count has begun"):
        county_count_schedule(
            county_recount=fulton_part, by=fulton, count_place="Elsewhere", count_starts_at=at(2017, 12, 13, 9, 0)
        )
    fulton_part.refresh_from_db()
    assert (fulton_part.count_place, fulton_part.count_starts_at) == ("Fulton Annex", at(2017, 12, 13, 8, 0))


def test_a_worksheet_without_a_scanner_test_is_not_submitted(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    entries = {tally.pk: TallyEntry(recounted=tally.original) for tally in fulton_part.tallies.all()}
    tapes = {tally.candidate_id: tally.original for tally in fulton_part.tallies.all()}
    worksheet_save(
        county_recount=fulton_part, by=fulton, version=fulton_part.version, entries=entries, tabulator_tapes=tapes
    )
    fulton_part.refresh_from_db()

    with pytest.raises(RecountError) as error:
        worksheet_submit(county_recount=fulton_part, by=fulton, version=fulton_part.version)

    assert str(error.value) == (
        "The worksheet cannot be submitted yet: Test at least one scanner with its test deck first (Rule 183-1-15-.03)."
    )


def test_a_sign_off_of_a_worksheet_changed_since_it_was_read_is_refused(fulton_part, superintendents):
    fulton = superintendents["Fulton"]
    submitted = count(fulton_part, {}, when=at(2017, 12, 13, 18, 0))
    read = submitted.version
    worksheet_reopen(county_recount=submitted, by=fulton, reason="A box was found")
    submitted.refresh_from_db()
    worksheet_submit(county_recount=submitted, by=clerk_of("Fulton"), version=submitted.version)

    with pytest.raises(RecountError, match="was saved by fulton-clerk on"):
        worksheet_sign_off(county_recount=submitted, by=fulton, version=read, attested=True)
    submitted.refresh_from_db()
    assert submitted.status == CountyRecountStatus.SUBMITTED


def test_a_city_running_its_own_election_is_not_recounted_on_an_empty_worksheet(superintendents):
    contest = build_atlanta_runoff()
    contest.superintendent_jurisdiction = Jurisdiction.objects.create(kind="municipality", name="Atlanta")
    contest.save()
    certification_record(
        election=contest.election,
        jurisdiction=contest.superintendent_jurisdiction,
        certified_at=at(2017, 12, 11, 16),
        by=None,
    )
    request = file(contest.candidates.get(name="Mary Norwood"), at(2017, 12, 12, 10, 0))
    assert [a.jurisdiction.name for a in request.authorities.all()] == ["Atlanta"]
    city = make_superintendent_staff(username="atlanta", county_name="Fulton")
    StaffMembership.objects.create(
        user=city, jurisdiction=contest.superintendent_jurisdiction, role=StaffRole.SUPERINTENDENT
    )

    with pytest.raises(RecountError, match="runs its own election, counted in its counties"):
        recount_order(
            request=request,
            county=contest.superintendent_jurisdiction,
            by=city,
            count_place="City Hall",
            count_starts_at=at(2017, 12, 13, 9, 0),
        )
    assert not CountyRecount.objects.exists()
