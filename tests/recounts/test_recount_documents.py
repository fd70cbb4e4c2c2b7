"""The recount's PDF documents read back as text: the order, the directive, the notice, the outcome."""

import datetime
import io

import pytest
from pypdf import PdfReader

from elections.enums import DeclaredStatus, Level, VoteType
from elections.models import Candidate
from elections.services import candidate_declare, certification_record, contest_outcome_from_votes
from recounts.documents import count_notice_pdf, recertification_pdf, recount_directive_pdf, recount_order_pdf
from recounts.enums import DiscrepancyReason, RequestStatus, TallyLine
from recounts.services.outcomes import declarations_record, named_declarations, recertification_note
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    EASTERN,
    build_race,
    county,
    georgia_counties,
    make_county_recount,
    make_ordered_request,
    make_tally,
    make_user,
)
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION

pytestmark = pytest.mark.django_db

DECIDED_AT = datetime.datetime(2017, 12, 14, 9, 0, tzinfo=EASTERN)
COUNT_STARTS_AT = datetime.datetime(2017, 12, 18, 9, 0, tzinfo=EASTERN)
FINISH_BY = datetime.datetime(2017, 12, 20, 17, 0, tzinfo=EASTERN)
RECERTIFIED_AT = datetime.datetime(2017, 12, 21, 15, 30, tzinfo=EASTERN)
FULTON_PLACE = "Fulton County Elections Preparation Center, 1365 English Street NW, Atlanta"


def pdf_lines(pdf: bytes) -> list[str]:
    """The document's text, line by line, without the running footer and the audit chain's head
    (`tests/recounts/test_anchors.py`)."""
    reader = PdfReader(io.BytesIO(pdf))
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    return [line for line in lines if not line.startswith(("Recount Desk · ", "Audit chain head: "))]


@pytest.fixture
def superintendent():
    return make_user(username="barron", first_name="Richard", last_name="Barron")


@pytest.fixture
def case(norwood, superintendent):
    return make_ordered_request(
        norwood, filed_at=DAY_AFTER_CERTIFICATION, decided_by=superintendent, decided_at=DECIDED_AT
    )


@pytest.fixture
def fulton_part(case, superintendent):
    return make_county_recount(
        request=case,
        county_name="Fulton",
        ordered_by=superintendent,
        ordered_at=DECIDED_AT,
        count_place=FULTON_PLACE,
        count_starts_at=COUNT_STARTS_AT,
        finish_by=FINISH_BY,
    )


@pytest.fixture
def recounted(case, fulton_part, superintendent, bottoms, norwood, clock):
    """The issue's scenario, finished: Fulton finds Bottoms −6 and Norwood +5, DeKalb no change; Fulton recertifies."""
    make_tally(
        county_recount=fulton_part, candidate=bottoms, original=42_887, recounted=42_881, reason="scanner_misread"
    )
    make_tally(
        county_recount=fulton_part, candidate=norwood, original=40_668, recounted=40_673, reason="ballots_missed"
    )
    dekalb = make_county_recount(request=case, county_name="DeKalb", ordered_by=superintendent, ordered_at=DECIDED_AT)
    make_tally(county_recount=dekalb, candidate=bottoms, original=3_780, recounted=3_780)
    make_tally(county_recount=dekalb, candidate=norwood, original=5_167, recounted=5_167)
    clock.move_to(RECERTIFIED_AT, tick=False)
    certification_record(
        election=case.contest.election, jurisdiction=fulton_part.county, certified_at=RECERTIFIED_AT, by=superintendent
    )
    case.status, case.finished_at = RequestStatus.RECERTIFIED, RECERTIFIED_AT
    case.save()
    return case


def test_the_superintendents_order_names_the_case_the_decision_and_the_count(fulton_part):
    assert pdf_lines(recount_order_pdf(fulton_part)) == [
        "RECOUNT DESK",
        "Order to recount",
        "2017-ATL-MAYOR-001",
        "The superintendent of Fulton County orders the votes cast in Fulton County for Mayor, City of",
        "Atlanta, in the Atlanta Mayoral Runoff 2017, to be counted again, as Mary Norwood asked in",
        "writing (O.C.G.A. § 21-2-495(c)).",
        "The order",
        "Receipt number 2017-ATL-MAYOR-001",
        "Contest Mayor, City of Atlanta",
        "Election Atlanta Mayoral Runoff 2017",
        "County Fulton County",
        "Ordered Thursday, December 14, 2017, 9:00 a.m. Eastern",
        "Ordered by Richard Barron",
        "The decision",
        "Requested by Mary Norwood",
        "Filed Tuesday, December 12, 2017, 10:00 a.m. Eastern",
        "Decided Thursday, December 14, 2017, 9:00 a.m. Eastern",
        "Decided by Richard Barron",
        "The count",
        "Place Fulton County Elections Preparation Center, 1365 English Street",
        "NW, Atlanta",
        "Starts Monday, December 18, 2017, 9:00 a.m. Eastern",
        "Finish by Wednesday, December 20, 2017, 5:00 p.m. Eastern",
        "Each candidate in the contest and each party chair receive a written notice of the place and time before",
        "the count begins.",
    ]


def test_an_order_on_a_late_request_carries_the_ruling(norwood, superintendent):
    ruling = "Filed one minute after the deadline.\nGranted: the office was open and received it in person."
    late = make_ordered_request(
        norwood,
        filed_at=datetime.datetime(2017, 12, 13, 17, 1, tzinfo=EASTERN),
        decided_by=superintendent,
        decided_at=DECIDED_AT,
        ruling=ruling,
    )
    dekalb_part = make_county_recount(
        request=late, county_name="DeKalb", ordered_by=superintendent, ordered_at=DECIDED_AT
    )

    lines = pdf_lines(recount_order_pdf(dekalb_part))

    assert lines[lines.index("The decision") + 1 :] == [
        "Requested by Mary Norwood",
        "Filed Wednesday, December 13, 2017, 5:01 p.m. Eastern",
        "Decided Thursday, December 14, 2017, 9:00 a.m. Eastern",
        "Decided by Richard Barron",
        "Late made after the filing deadline; granted on the ruling below",
        "The ruling",
        "Filed one minute after the deadline.",
        "Granted: the office was open and received it in person.",
        "The count",
        "Place not set",
        "Starts not set",
        "Finish by not set",
        "Each candidate in the contest and each party chair receive a written notice of the place and time before",
        "the count begins.",
    ]


@pytest.fixture
def statewide_case(clock):
    """A state office voted in three counties: the Secretary of State's route."""
    counties = georgia_counties("Fulton", "DeKalb", "Cobb")
    contest = build_race(
        slug="psc-2017",
        name="2017 Special Runoff",
        office="Public Service Commissioner",
        district="District 3",
        level=Level.STATE,
        counties=counties,
        votes={
            "Ada Able": [
                {VoteType.UNSPECIFIED: 30_000},
                {VoteType.UNSPECIFIED: 20_000},
                {VoteType.UNSPECIFIED: 10_000},
            ],
            "Ben Baker": [
                {VoteType.UNSPECIFIED: 29_900},
                {VoteType.UNSPECIFIED: 20_000},
                {VoteType.UNSPECIFIED: 9_900},
            ],
        },
    )
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    director = make_user(username="harvey", first_name="Chris", last_name="Harvey")
    case = make_ordered_request(
        contest.candidates.get(name="Ben Baker"),
        filed_at=DAY_AFTER_CERTIFICATION,
        decided_by=director,
        decided_at=DECIDED_AT,
    )
    case.window_starts_at, case.finish_by = COUNT_STARTS_AT, FINISH_BY
    case.save()
    for place in counties:
        make_county_recount(
            request=case,
            county_name=place.name,
            ordered_by=director,
            ordered_at=DECIDED_AT,
            **({"count_place": FULTON_PLACE, "count_starts_at": COUNT_STARTS_AT} if place.name == "Fulton" else {}),
        )
    return case


def test_the_directive_lists_every_county_and_the_statewide_window(statewide_case):
    assert pdf_lines(recount_directive_pdf(statewide_case)) == [
        "RECOUNT DESK",
        "Directive to recount",
        "2017-D3-PSC-001",
        "The Secretary of State directs the superintendent of every county listed below to count again",
        "the votes cast in the county for Public Service Commissioner, District 3, in the 2017 Special",
        "Runoff, as Ben Baker asked in writing (O.C.G.A. § 21-2-495(c)).",
        "The directive",
        "Receipt number 2017-D3-PSC-001",
        "Contest Public Service Commissioner, District 3",
        "Election 2017 Special Runoff",
        "Counties 3",
        "The decision",
        "Requested by Ben Baker",
        "Filed Tuesday, December 12, 2017, 10:00 a.m. Eastern",
        "Decided Thursday, December 14, 2017, 9:00 a.m. Eastern",
        "Decided by Chris Harvey",
        "The statewide window",
        "Counting starts Monday, December 18, 2017, 9:00 a.m. Eastern",
        "Every county finishes by Wednesday, December 20, 2017, 5:00 p.m. Eastern",
        "The counties",
        "Cobb County place and time to be set by the superintendent",
        "DeKalb County place and time to be set by the superintendent",
        "Fulton County Fulton County Elections Preparation Center, 1365 English Street",
        "NW, Atlanta, from Monday, December 18, 2017, 9:00 a.m.",
        "Eastern",
        "Each superintendent gives written notice of the place and time of the count to each candidate in the",
        "contest and each party chair before the count begins.",
    ]


@pytest.mark.parametrize("addressee", ["Mary Norwood", "Jane Doe, Chair, Democratic Party of Georgia"])
def test_the_written_notice_gives_the_place_and_time_and_who_may_watch(fulton_part, addressee):
    lines = pdf_lines(count_notice_pdf(fulton_part, addressee=addressee))

    assert lines == [
        "RECOUNT DESK",
        "Notice of a recount",
        "2017-ATL-MAYOR-001",
        f"To {addressee}",
        "From The superintendent of Fulton County",
        "Date Thursday, December 14, 2017, 9:00 a.m. Eastern",
        "The votes cast in Fulton County for Mayor, City of Atlanta, in the Atlanta Mayoral Runoff 2017,",
        "will be counted again, at the written request of Mary Norwood (receipt 2017-ATL-MAYOR-001).",
        "Place and time of the count",
        "Place Fulton County Elections Preparation Center, 1365 English Street",
        "NW, Atlanta",
        "Starts Monday, December 18, 2017, 9:00 a.m. Eastern",
        "Finish by Wednesday, December 20, 2017, 5:00 p.m. Eastern",
        "Who may watch",
        "Each candidate in the contest may be present, and each political party may have up to two",
        "representatives present, to watch the count.",
    ]


def test_a_county_without_its_own_deadline_gives_the_cases(statewide_case):
    cobb_part = statewide_case.county_recounts.get(county__name="Cobb")

    lines = pdf_lines(count_notice_pdf(cobb_part, addressee="Ada Able"))

    assert lines[lines.index("Place and time of the count") + 1 :][:3] == [
        "Place not set",
        "Starts not set",
        "Finish by Wednesday, December 20, 2017, 5:00 p.m. Eastern",
    ]


def recount_atlanta(case, fulton_part, superintendent, clock, *, bottoms_fulton: int, norwood_fulton: int) -> None:
    """Fulton's worksheet with the figures given, DeKalb's unchanged; Fulton recertifies if anything changed."""
    bottoms, norwood = (
        Candidate.objects.get(contest=case.contest, name=name) for name in ("Keisha Lance Bottoms", "Mary Norwood")
    )
    for candidate, original, recounted in [(bottoms, 42_887, bottoms_fulton), (norwood, 40_668, norwood_fulton)]:
        make_tally(
            county_recount=fulton_part,
            candidate=candidate,
            original=original,
            recounted=recounted,
            reason="" if recounted == original else "scanner_misread",
        )
    dekalb = make_county_recount(request=case, county_name="DeKalb", ordered_by=superintendent, ordered_at=DECIDED_AT)
    make_tally(county_recount=dekalb, candidate=bottoms, original=3_780, recounted=3_780)
    make_tally(county_recount=dekalb, candidate=norwood, original=5_167, recounted=5_167)
    clock.move_to(RECERTIFIED_AT, tick=False)
    changed = (bottoms_fulton, norwood_fulton) != (42_887, 40_668)
    if changed:
        certification_record(
            election=case.contest.election,
            jurisdiction=fulton_part.county,
            certified_at=RECERTIFIED_AT,
            by=superintendent,
            note=recertification_note(case),
        )
    case.status = RequestStatus.RECERTIFIED if changed else RequestStatus.CONFIRMED
    case.finished_at = RECERTIFIED_AT
    # As the case's close keeps it (the results themselves are not corrected here: the outcome stands).
    outcome = named_declarations(case.contest, contest_outcome_from_votes(case.contest))
    case.finish_declarations = declarations_record(case.contest, outcome, outcome)
    case.save()


def test_atlanta_2017_recertified_with_the_winner_unchanged(case, fulton_part, superintendent, clock):
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_881, norwood_fulton=40_673)

    assert pdf_lines(recertification_pdf(case)) == [
        "RECOUNT DESK",
        "Recertification after a recount",
        "2017-ATL-MAYOR-001",
        "The recount found differences; the returns of Fulton County were corrected and certified again.",
        "The outcome did not change: Keisha Lance Bottoms (elected), as the certified returns declared.",
        "The case",
        "Receipt number 2017-ATL-MAYOR-001",
        "Contest Mayor, City of Atlanta",
        "Election Atlanta Mayoral Runoff 2017",
        "Requested by Mary Norwood",
        "Outcome Recertified",
        "Finished Thursday, December 21, 2017, 3:30 p.m. Eastern",
        "The totals",
        "Candidate Certified Difference Corrected",
        "Keisha Lance Bottoms 46,667 −6 46,661",
        "Mary Norwood 45,835 +5 45,840",
        "Total 92,502 −1 92,501",
        "The margin",
        "Certified Mary Norwood 832 votes behind Keisha Lance Bottoms (0.899%",
        "of the total)",
        "Corrected Mary Norwood 821 votes behind Keisha Lance Bottoms (0.888%",
        "of the total)",
        "Counties whose returns changed",
        "Fulton County Keisha Lance Bottoms −6; Mary Norwood +5",
        "New certifications",
        "Fulton County version 2, Thursday, December 21, 2017, 3:30 p.m. Eastern",
    ]


def test_only_the_recertifications_of_this_recount_are_listed(norwood, superintendent, clock):
    election = norwood.contest.election
    cobb, fulton = county("Cobb"), county("Fulton")
    for place, at in [
        (cobb, ATLANTA_CERTIFIED_AT),  # another contest's county, recertified for its own recount
        (cobb, DAY_AFTER_CERTIFICATION),
        (fulton, DAY_AFTER_CERTIFICATION - datetime.timedelta(hours=1)),  # a correction before the request
    ]:
        certification_record(election=election, jurisdiction=place, certified_at=at, by=None)
    # Another contest's recount, in the same election and county, after this request was filed.
    certification_record(
        election=election,
        jurisdiction=fulton,
        certified_at=DAY_AFTER_CERTIFICATION,
        by=None,
        note="Recertified after recount 2017-FUL-SHERIFF-001",
    )
    case = make_ordered_request(
        norwood, filed_at=DAY_AFTER_CERTIFICATION, decided_by=superintendent, decided_at=DECIDED_AT
    )
    fulton_part = make_county_recount(
        request=case, county_name="Fulton", ordered_by=superintendent, ordered_at=DECIDED_AT
    )
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_881, norwood_fulton=40_673)

    lines = pdf_lines(recertification_pdf(case))

    assert lines[lines.index("New certifications") + 1 :] == [
        "Fulton County version 4, Thursday, December 21, 2017, 3:30 p.m. Eastern",
    ]


def test_an_outcome_that_flips_is_said_loudly(case, fulton_part, superintendent, clock, bottoms, norwood):
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_487, norwood_fulton=41_168)
    candidate_declare(candidate=norwood, status=DeclaredStatus.ELECTED, by=None, reason="Recount (test)")
    candidate_declare(candidate=bottoms, status=DeclaredStatus.NONE, by=None, reason="Recount (test)")
    case.outcome_changed = True
    case.finish_declarations = {
        "in_force": [["Mary Norwood", "elected"]],
        "returns_before": [["Keisha Lance Bottoms", "elected"]],
        "returns_after": [["Mary Norwood", "elected"]],
    }
    case.save()

    lines = pdf_lines(recertification_pdf(case))

    assert lines[:7] == [
        "RECOUNT DESK",
        "Recertification after a recount",
        "2017-ATL-MAYOR-001",
        "THE RECOUNT CHANGED THE OUTCOME: the corrected returns",
        "declare Mary Norwood (elected); the certified returns declared Keisha Lance",
        "Bottoms (elected).",
        "The recount found differences; the returns of Fulton County were corrected and certified again.",
    ]
    assert lines[lines.index("The margin") :][3:5] == [
        "Corrected Keisha Lance Bottoms 68 votes behind Mary Norwood (0.073% of",
        "the total)",
    ]


def test_declarations_an_official_must_review_are_said_so(case, fulton_part, superintendent, clock):
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_487, norwood_fulton=41_168)
    case.declarations_kept = True
    case.finish_declarations = {
        "in_force": [["Keisha Lance Bottoms", "elected"]],
        "returns_before": [["Keisha Lance Bottoms", "elected"]],
        "returns_after": [["Mary Norwood", "elected"]],
    }
    case.save()

    text = " ".join(pdf_lines(recertification_pdf(case)))

    assert (
        "THE DECLARATIONS NEED AN OFFICIAL: the declarations in force (Keisha Lance Bottoms (elected)) are not "
        "what the returns declare by Georgia's rule (they were made by hand, or under a rule the desk does not "
        "model), so the recount left them as they were. By that rule the certified returns declared Keisha Lance "
        "Bottoms (elected); the corrected returns declare Mary Norwood (elected). An official must confirm the "
        "declarations or declare again."
    ) in text
    assert "did not change" not in text
    assert "Mary Norwood 68 votes ahead of Keisha Lance Bottoms" in text


def test_a_later_declaration_does_not_rewrite_the_document(case, fulton_part, superintendent, clock, norwood):
    """The document says what stood when the case was finished, however often it is downloaded."""
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_887, norwood_fulton=40_668)
    before = pdf_lines(recertification_pdf(case))

    candidate_declare(candidate=norwood, status=DeclaredStatus.ELECTED, by=None, reason="Later, by hand (test)")

    assert pdf_lines(recertification_pdf(case))[:5] == before[:5]


def test_a_recount_without_a_difference_confirms_the_returns(case, fulton_part, superintendent, clock):
    recount_atlanta(case, fulton_part, superintendent, clock, bottoms_fulton=42_887, norwood_fulton=40_668)

    lines = pdf_lines(recertification_pdf(case))

    assert lines[:5] == [
        "RECOUNT DESK",
        "Confirmation of the returns after a recount",
        "2017-ATL-MAYOR-001",
        "The recount found no difference in any county: the certified returns stand. The outcome did not",
        "change: Keisha Lance Bottoms (elected), as the certified returns declared.",
    ]
    assert lines[lines.index("The totals") :] == [
        "The totals",
        "Candidate Certified Difference Corrected",
        "Keisha Lance Bottoms 46,667 0 46,667",
        "Mary Norwood 45,835 0 45,835",
        "Total 92,502 0 92,502",
        "The margin",
        "Certified Mary Norwood 832 votes behind Keisha Lance Bottoms (0.899%",
        "of the total)",
        "Corrected Mary Norwood 832 votes behind Keisha Lance Bottoms (0.899%",
        "of the total)",
    ]


def test_an_open_case_has_no_outcome_document(case):
    with pytest.raises(ValueError, match="2017-ATL-MAYOR-001 is recount ordered, not finished"):
        recertification_pdf(case)


def test_ballots_counted_for_the_first_time_are_lines_of_their_own(case, fulton_part, superintendent, clock):
    """DeKalb counts 5 provisional ballots accepted after the count and 1 military and overseas ballot
    for Norwood (and none for Bottoms): each kind is its own line, named in words."""
    bottoms, norwood = (
        Candidate.objects.get(contest=case.contest, name=name) for name in ("Keisha Lance Bottoms", "Mary Norwood")
    )
    make_tally(county_recount=fulton_part, candidate=bottoms, original=42_887, recounted=42_887)
    make_tally(county_recount=fulton_part, candidate=norwood, original=40_668, recounted=40_668)
    dekalb = make_county_recount(request=case, county_name="DeKalb", ordered_by=superintendent, ordered_at=DECIDED_AT)
    make_tally(county_recount=dekalb, candidate=bottoms, original=3_780, recounted=3_780)
    make_tally(county_recount=dekalb, candidate=norwood, original=5_167, recounted=5_167)
    for candidate, vote_type, line, votes in [
        (norwood, VoteType.PROVISIONAL, TallyLine.PROVISIONAL_ADJUDICATED, 5),
        (norwood, VoteType.MILITARY_OVERSEAS, TallyLine.UOCAVA_ARRIVED, 1),
        (bottoms, VoteType.MILITARY_OVERSEAS, TallyLine.UOCAVA_ARRIVED, 0),
    ]:
        make_tally(
            county_recount=dekalb,
            candidate=candidate,
            vote_type=vote_type,
            line=line,
            original=0,
            recounted=votes,
            reason=DiscrepancyReason.LATE_BALLOTS,
        )
    clock.move_to(RECERTIFIED_AT, tick=False)
    certification_record(
        election=case.contest.election,
        jurisdiction=dekalb.county,
        certified_at=RECERTIFIED_AT,
        by=superintendent,
        note=recertification_note(case),
    )
    case.status, case.finished_at = RequestStatus.RECERTIFIED, RECERTIFIED_AT
    outcome = named_declarations(case.contest, contest_outcome_from_votes(case.contest))
    case.finish_declarations = declarations_record(case.contest, outcome, outcome)
    case.save()

    lines = pdf_lines(recertification_pdf(case))

    assert lines[lines.index("The totals") : lines.index("The margin")] == [
        "The totals",
        "Candidate Certified Difference Corrected",
        "Keisha Lance Bottoms 46,667 0 46,667",
        "Mary Norwood 45,835 +6 45,841",
        "Total 92,502 +6 92,508",
    ]
    assert lines[lines.index("Counties whose returns changed") :] == [
        "Counties whose returns changed",
        "DeKalb County Mary Norwood +6",
        "Ballots counted for the first time",
        "The certified returns did not hold them; the corrected returns count each kind in its own vote",
        "type.",
        "DeKalb County, Mary",
        "Norwood",
        "Provisional ballots accepted after the count: 5 (the returns'",
        "“Provisional” line)",
        "DeKalb County, Mary",
        "Norwood",
        "Military and overseas ballots that arrived in time: 1 (the returns'",
        "“Military and overseas” line)",
        "New certifications",
        "DeKalb County version 2, Thursday, December 21, 2017, 3:30 p.m. Eastern",
    ]
