"""History in the words of the pages (issue 12): every tracked field of a case and of a county's recount
named as the pages name it, its values as the pages write them; a whole case run through the services
shows no internal value on its timeline, on its page or on the admin's history page."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import FileField, JSONField, TextChoices
from django.urls import reverse
from simple_history.models import DeletedObject

from elections import enums as election_enums
from recounts import enums as recount_enums
from recounts import queries, rules
from recounts.enums import (
    ClosedDayKind,
    CountyRecountStatus,
    DenialReason,
    DiscrepancyReason,
    ImportJobStatus,
    RequestChannel,
    RequestStatus,
    Route,
    Signatory,
    TallyLine,
)
from recounts.history_words import UNLISTED, WORDS, Wording, change_in_words
from recounts.models import (
    ClosedDay,
    CountyRecount,
    ImportJob,
    PartyChair,
    RecountRequest,
    RecountRule,
    RecountTally,
    ScannerTest,
)
from recounts.services.decisions import request_deny
from recounts.services.outcomes import case_finish
from recounts.services.worksheets import scanner_test_record, worksheet_reopen, worksheet_submit
from tests.factories import EASTERN, record_outcome, withdraw_in_writing
from tests.recounts.test_recount_views import (  # noqa: F401 (statewide_recorded: a fixture, asked by name)
    clerk_of,
    counted,
    file,
    order,
    signed_off,
    statewide_recorded,
)
from tests.recounts.test_views import text_of

User = get_user_model()


def at(*when: int) -> datetime.datetime:
    return datetime.datetime(*when, tzinfo=EASTERN)


@pytest.fixture
def filed(norwood, norwood_user) -> RecountRequest:
    return file(norwood)


@pytest.fixture
def fulton_part(filed, fulton_superintendent) -> CountyRecount:
    return order(filed, fulton_superintendent)


TEN = at(2017, 12, 12, 10, 0)
TEN_IN_WORDS = "Tuesday, December 12, 2017, 10:00 a.m. Eastern"
MIDNIGHT = at(2017, 12, 14, 0, 0)
MIDNIGHT_IN_WORDS = "midnight at the end of Wednesday, December 13, 2017 Eastern"
DECLARED_BEFORE = {"returns_before": [["Ada Able", "elected"]], "in_force_before": [["Ada Able", "elected"]]}
DECLARED_AT_THE_FINISH = {
    "in_force": [["Ben Baker", "elected"]],
    "returns_before": [["Ada Able", "elected"]],
    "returns_after": [["Ben Baker", "elected"]],
}

# The statuses as the pages show them (the badges, the county table, the dashboard): the enums' labels.
CASE_STATUS_WORDS = {
    RequestStatus.FILED: "Filed",
    RequestStatus.ORDERED: "Recount ordered",
    RequestStatus.COUNTING: "Counting",
    RequestStatus.COUNTED: "Counted",
    RequestStatus.RECERTIFIED: "Recertified",
    RequestStatus.CONFIRMED: "Confirmed",
    RequestStatus.DENIED: "Denied",
    RequestStatus.WITHDRAWN: "Withdrawn",
}
COUNTY_STATUS_WORDS = {
    CountyRecountStatus.ORDERED: "Ordered",
    CountyRecountStatus.SCANNER_TESTING: "Scanner testing",
    CountyRecountStatus.COUNTING: "Counting",
    CountyRecountStatus.SUBMITTED: "Submitted",
    CountyRecountStatus.APPROVED: "Signed off",
    CountyRecountStatus.CONFIRMED: "Confirmed: no difference",
    CountyRecountStatus.RECERTIFIED: "Corrected and recertified",
}


def test_the_statuses_read_as_the_pages_call_them():
    assert {status: status.label for status in RequestStatus} == CASE_STATUS_WORDS
    assert {status: status.label for status in CountyRecountStatus} == COUNTY_STATUS_WORDS


@pytest.mark.parametrize(
    ("model", "words", "moves"),
    [
        (RecountRequest, CASE_STATUS_WORDS, rules.CASE_MOVES),
        (CountyRecount, COUNTY_STATUS_WORDS, rules.COUNTY_MOVES),
    ],
)
def test_every_status_move_reads_in_the_words_of_the_pages(model, words, moves):
    said = {
        (before, after): str(change_in_words(model, "status", before.value, after.value))
        for before, afters in moves.items()
        for after in afters
    }
    assert said == {
        (before, after): f"Status: {words[before]} → {words[after]}"
        for before, afters in moves.items()
        for after in afters
    }


# (model, field, old, new, the change in words): every field the history lists.
FIELDS = [
    (RecountRequest, "channel", RequestChannel.PAPER, RequestChannel.EMAIL,
     "Made: Received on paper (entered by staff) → Received by email (entered by staff)"),
    (RecountRequest, "filed_at", TEN, MIDNIGHT, f"Filed: {TEN_IN_WORDS} → {MIDNIGHT_IN_WORDS}"),
    (RecountRequest, "recorded_at", TEN, MIDNIGHT, f"Recorded: {TEN_IN_WORDS} → {MIDNIGHT_IN_WORDS}"),
    (RecountRequest, "statement", "", "Recount, please.", "Statement: no statement → Recount, please."),
    (RecountRequest, "signature", "", "Mary Norwood", "Signed: not signed → Mary Norwood"),
    (RecountRequest, "signatory", Signatory.CANDIDATE, Signatory.AGENT,
     "Signed by: The candidate → The candidate's authorised agent"),
    (RecountRequest, "agent_name", "", "Ann Agent", "Agent: no agent → Ann Agent"),
    (RecountRequest, "letter_name", "", "letter.pdf", "Signed letter or scan: no letter → letter.pdf"),
    (RecountRequest, "letter_sha256", "", "ab" * 32, f"Letter's SHA-256: no letter → {'ab' * 32}"),
    (RecountRequest, "receipt_number", "2017-ATL-MAYOR-001", "2017-ATL-MAYOR-002",
     "Receipt number: 2017-ATL-MAYOR-001 → 2017-ATL-MAYOR-002"),
    (RecountRequest, "route", Route.SUPERINTENDENT, Route.SECRETARY_OF_STATE,
     "Route: Superintendent → Secretary of State"),
    (RecountRequest, "eligible", False, True, "Eligible on the certified returns: no → yes"),
    (RecountRequest, "late", False, True, "Deadline: met → missed: the request was late"),
    (RecountRequest, "status", RequestStatus.COUNTED, RequestStatus.RECERTIFIED, "Status: Counted → Recertified"),
    (RecountRequest, "withdrawal_reason", "", "Conceded.", "Reason for the withdrawal: none given → Conceded."),
    (RecountRequest, "withdrawn_at", None, TEN, f"Withdrawn: not withdrawn → {TEN_IN_WORDS}"),
    (RecountRequest, "withdrawal_signature", "", "Mary Norwood", "Withdrawal signed: not signed → Mary Norwood"),
    (RecountRequest, "withdrawal_signatory", "", Signatory.CANDIDATE, "Withdrawal signed by: no one → The candidate"),
    (RecountRequest, "withdrawal_agent_name", "", "Ann Agent", "Agent who signed the withdrawal: no agent → Ann Agent"),
    (RecountRequest, "decided_at", None, TEN, f"Decided: not decided → {TEN_IN_WORDS}"),
    (RecountRequest, "denial_reason", "", DenialReason.LATE,
     "Statutory reason for the denial: not denied → Made after the deadline"),
    (RecountRequest, "ruling", "", "Granted though late.", "Ruling: no ruling → Granted though late."),
    (RecountRequest, "window_starts_at", None, TEN, f"Statewide window starts: not set → {TEN_IN_WORDS}"),
    (RecountRequest, "finish_by", None, MIDNIGHT, f"Every county finishes by: not set → {MIDNIGHT_IN_WORDS}"),
    (RecountRequest, "outcome_changed", False, True, "Outcome: as certified → changed by the recount"),
    (RecountRequest, "declarations_kept", False, True, "Declarations: follow the returns → need an official"),
    (RecountRequest, "finish_declarations", {}, DECLARED_BEFORE,
     "Who is declared: not recorded yet → Declared before the recount: Ada Able (elected); "
     "the certified returns declare: Ada Able (elected)"),
    (RecountRequest, "finish_declarations", DECLARED_BEFORE, DECLARED_AT_THE_FINISH,
     "Who is declared: Declared before the recount: Ada Able (elected); the certified returns declare: Ada Able "
     "(elected) → The certified returns declare: Ada Able (elected); the corrected returns declare: Ben Baker "
     "(elected); declared at the finish: Ben Baker (elected)"),
    (RecountRequest, "finished_at", None, TEN, f"Finished: not finished → {TEN_IN_WORDS}"),
    (CountyRecount, "status", CountyRecountStatus.SUBMITTED, CountyRecountStatus.APPROVED,
     "Status: Submitted → Signed off"),
    (CountyRecount, "ordered_at", TEN, MIDNIGHT, f"Ordered: {TEN_IN_WORDS} → {MIDNIGHT_IN_WORDS}"),
    (CountyRecount, "count_place", "", "Fulton County Elections Hub",
     "Place of the count: not set → Fulton County Elections Hub"),
    (CountyRecount, "count_starts_at", None, TEN, f"The count starts: not set → {TEN_IN_WORDS}"),
    (CountyRecount, "finish_by", TEN, None, f"Finish by: {TEN_IN_WORDS} → not set"),
    (CountyRecount, "hand_count", False, True, "Count: by scanner → by hand"),
    (CountyRecount, "submitted_at", None, TEN, f"Submitted: not submitted → {TEN_IN_WORDS}"),
    (CountyRecount, "signed_off_at", TEN, None, f"Signed off: {TEN_IN_WORDS} → not signed off"),
    (CountyRecount, "official_name", "", "Fay Fulton", "Signed off by: no one → Fay Fulton"),
    (CountyRecount, "official_title", "Superintendent, Fulton County", "",
     "Signed off as: Superintendent, Fulton County → not signed off"),
    (ScannerTest, "scanner", "ICP-001", "ICP-002", "Scanner: ICP-001 → ICP-002"),
    (ScannerTest, "machine_marked", 75, 1_075, "Machine-marked ballots: 75 → 1,075"),
    (ScannerTest, "hand_marked", 25, 30, "Hand-marked ballots: 25 → 30"),
    (ScannerTest, "precincts", 3, 4, "Precincts: 3 → 4"),
    (ScannerTest, "hand_count", 100, 105, "The deck counted by hand: 100 → 105"),
    (ScannerTest, "machine_count", 99, 100, "The deck as the scanner counted it: 99 → 100"),
    (ScannerTest, "passed", False, True, "Result: failed → passed"),
    (ScannerTest, "tested_at", TEN, MIDNIGHT, f"Tested: {TEN_IN_WORDS} → {MIDNIGHT_IN_WORDS}"),
    (RecountTally, "vote_type", election_enums.VoteType.UNSPECIFIED, election_enums.VoteType.ELECTION_DAY,
     f"Vote type: {election_enums.VoteType.UNSPECIFIED.label} → Election day"),
    (RecountTally, "line", TallyLine.RETURNS, TallyLine.UOCAVA_ARRIVED,
     "Line: Recount of the returns → Military and overseas ballots that arrived in time"),
    (RecountTally, "original", 40_668, 40_673, "Certified figure: 40,668 → 40,673"),
    (RecountTally, "recounted", None, 40_673, "Recounted figure: not entered → 40,673"),
    (RecountTally, "reason", "", DiscrepancyReason.SCANNER_MISREAD,
     "Reason for the difference: none given → Ballot misread by the scanner"),
    (RecountTally, "note", "", "Box 12", "Note: no note → Box 12"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "field", "old", "new", "words"), FIELDS)
def test_each_field_s_change_reads_in_the_words_of_the_pages(model, field, old, new, words):
    # The history hands over raw values: a status as its stored text.
    raw = [value.value if isinstance(value, TextChoices) else value for value in (old, new)]
    assert str(change_in_words(model, field, *raw)) == words


# The desk's other models in the admin: worded by their fields' kinds and names.
FALLBACK = [
    (RecountRule, "cutoff_time", datetime.time(17, 0), datetime.time(9, 30), "Cutoff time: 5:00 p.m. → 9:30 a.m."),
    (RecountRule, "cutoff_time", datetime.time(0, 0), datetime.time(12, 0), "Cutoff time: midnight → noon"),
    (RecountRule, "effective_to", None, datetime.date(2019, 4, 1),
     "Effective to: not set → Monday, April 1, 2019"),
    (RecountRule, "threshold_percent", Decimal("1.000"), Decimal("0.500"), "Threshold percent: 1.000 → 0.500"),
    (ClosedDay, "kind", ClosedDayKind.CLOSED, ClosedDayKind.OPEN,
     "Kind: Closed (added to the holidays) → Open (removed from the holidays)"),
    (PartyChair, "user", None, User(username="chair", first_name="Carla", last_name="Chair"),
     "User: not set → Carla Chair"),
    (PartyChair, "user", User(username="chair"), DeletedObject(User, 5), "User: chair → a user since deleted"),
    (ImportJob, "status", ImportJobStatus.PREVIEWED, ImportJobStatus.IMPORTED,
     "Status: Read: waiting for confirmation → Imported"),
    (ImportJob, "replace", False, True, "Replace: no → yes"),
    (ImportJob, "upload_size", 1_048_576, 2_097_152, "Upload size: 1,048,576 → 2,097,152"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "field", "old", "new", "words"), FALLBACK)
def test_the_other_models_changes_read_in_words_too(model, field, old, new, words):
    raw = [value.value if isinstance(value, TextChoices) else value for value in (old, new)]
    assert str(change_in_words(model, field, *raw)) == words


def test_every_structured_field_the_admin_shows_is_told_as_a_sentence_or_left_out():
    """A JSON or file field has no words of its own: each is worded as a sentence, or not listed."""
    structured = {
        (model, field.name)
        for model in apps.get_app_config("recounts").get_models()
        if hasattr(model, "history")
        for field in model._meta.fields
        if isinstance(field, JSONField | FileField)
    }
    assert {
        (model, name)
        for model, name in structured
        if name not in UNLISTED.get(model, {}) and WORDS.get(model, {}).get(name, Wording("")).structured is None
    } == set()


def test_every_field_is_worded_or_left_out_for_a_reason():
    models = [RecountRequest, CountyRecount, ScannerTest, RecountTally]
    assert {model: {field.name for field in model._meta.fields} for model in models} == {
        model: set(WORDS[model]) | set(UNLISTED[model]) for model in models
    }
    assert all(not set(WORDS[model]) & set(UNLISTED[model]) for model in models)
    assert {(model, field) for model, field, *_ in FIELDS} == {
        (model, field) for model in models for field in WORDS[model]
    }
    assert {model: sorted(fields) for model, fields in UNLISTED.items()} == {
        RecountRequest: ["candidate", "contest", "decided_by", "filed_by", "id", "letter", "snapshot", "withdrawn_by"],
        CountyRecount: [
            "county", "id", "ordered_by", "request", "signed_off_by", "submitted_by", "tabulator_tapes", "tally_draft",
            "version",
        ],
        ScannerTest: ["county_recount", "id"],
        RecountTally: ["candidate", "county_recount", "id"],
        ImportJob: ["id", "report", "upload"],
    }  # fmt: skip


# A whole case, through the services.

#: Every stored value of every choice the desk keeps (statuses, channels, reasons, lines…).
RAW_VALUES = {
    value
    for module in (recount_enums, election_enums)
    for enum in vars(module).values()
    if isinstance(enum, type) and issubclass(enum, TextChoices) and enum is not TextChoices
    for value in enum.values
}
INTERNALS = ("True", "False", "None", "{", "}", "[", "]", "—", "_")


def internals_in(timeline: list[queries.TimelineEntry]) -> list[str]:
    """What a timeline shows that is not in words: a value that is a stored choice, or a Python literal,
    a raw structure, a dash for nothing, an identifier."""
    shown = [value for entry in timeline for change in entry.changes for value in (change.old, change.new)]
    texts = [str(change) for entry in timeline for change in entry.changes] + [entry.reason for entry in timeline]
    return [value for value in shown if value in RAW_VALUES] + [
        text for text in texts if any(internal in text for internal in INTERNALS)
    ]


def rows(timeline: list[queries.TimelineEntry]) -> list[tuple[str, str, str, list[str]]]:
    return [
        (entry.subject, entry.by.get_username(), entry.reason, [str(change) for change in entry.changes])
        for entry in timeline
    ]


def run_atlanta_case(filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent, clock):
    """Atlanta's case from filing to recertification: Fulton's first scanner fails (a hand count), the next
    passes; Fulton finds Norwood +5 and Bottoms −6; both counties sign off; Fulton reopens and signs off
    again at midnight; each superintendent records the county's outcome, and the last closes the case."""
    clock.move_to(at(2017, 12, 12, 11, 0), tick=False)
    scanner_test_record(
        county_recount=fulton_part, by=fulton_user, version=fulton_part.version, scanner="ICP-002",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=99,
    )  # fmt: skip
    clock.move_to(at(2017, 12, 12, 12, 0), tick=False)
    counted(fulton_part, fulton_user, {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_673})
    clock.move_to(at(2017, 12, 12, 13, 0), tick=False)
    signed_off(fulton_part, fulton_superintendent)
    clock.move_to(at(2017, 12, 12, 13, 30), tick=False)
    dekalb_part = order(filed, dekalb_superintendent, "DeKalb")
    clock.move_to(at(2017, 12, 12, 15, 0), tick=False)
    counted(dekalb_part, clerk_of("DeKalb"))
    clock.move_to(at(2017, 12, 12, 16, 0), tick=False)
    signed_off(dekalb_part, dekalb_superintendent)
    clock.move_to(at(2017, 12, 12, 17, 0), tick=False)
    fulton_part.refresh_from_db()
    worksheet_reopen(county_recount=fulton_part, by=fulton_superintendent, reason="A box was found")
    clock.move_to(at(2017, 12, 12, 17, 30), tick=False)
    fulton_part.refresh_from_db()
    worksheet_submit(county_recount=fulton_part, by=fulton_user, version=fulton_part.version)
    clock.move_to(at(2017, 12, 13, 0, 0), tick=False)
    signed_off(fulton_part, fulton_superintendent)
    clock.move_to(at(2017, 12, 13, 9, 0), tick=False)
    record_outcome(fulton_part, by=fulton_superintendent)
    clock.move_to(at(2017, 12, 13, 9, 30), tick=False)
    dekalb_part.refresh_from_db()
    record_outcome(dekalb_part, by=dekalb_superintendent)
    filed.refresh_from_db()
    assert filed.status == RequestStatus.RECERTIFIED


@pytest.fixture
def atlanta_recertified(filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent, clock):
    run_atlanta_case(filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent, clock)
    return filed


NOON = "Tuesday, December 12, 2017, noon Eastern"
DECLARED_BOTTOMS = "Keisha Lance Bottoms (elected)"


def test_a_whole_case_s_timeline_reads_in_the_words_of_the_pages(atlanta_recertified):
    timeline = queries.request_timeline(atlanta_recertified)

    assert internals_in(timeline) == []
    assert [entry.at for entry in timeline] == sorted(entry.at for entry in timeline)
    assert rows(timeline) == [
        ("The case", "norwood", "Filed online", []),
        ("The case", "fulton-superintendent", "Recount ordered in Fulton County",
         ["Status: Filed → Recount ordered", f"Decided: not decided → {TEN_IN_WORDS}"]),
        ("Fulton County", "fulton-superintendent", "Recount ordered by the superintendent of Fulton County", []),
        ("Fulton County", "fulton",
         "Scanner ICP-002 tested: failed; no scanner passed: the ballots are counted by hand",
         ["Status: Ordered → Scanner testing", "Count: by scanner → by hand"]),
        ("The case", "fulton", "Counting began in Fulton County", ["Status: Recount ordered → Counting"]),
        ("Fulton County", "fulton", "Scanner ICP-001 tested: passed", ["Count: by hand → by scanner"]),
        ("Fulton County", "fulton", "Worksheet saved", ["Status: Scanner testing → Counting"]),
        ("Fulton County", "fulton", "Submitted for sign-off",
         ["Status: Counting → Submitted", f"Submitted: not submitted → {NOON}"]),
        ("Fulton County", "fulton-superintendent", "Signed off by Fay Fulton, Superintendent, Fulton County",
         ["Status: Submitted → Signed off",
          "Signed off: not signed off → Tuesday, December 12, 2017, 1:00 p.m. Eastern",
          "Signed off by: no one → Fay Fulton", "Signed off as: not signed off → Superintendent, Fulton County"]),
        ("DeKalb County", "dekalb-superintendent", "Recount ordered by the superintendent of DeKalb County", []),
        ("DeKalb County", "dekalb-clerk", "Scanner ICP-001 tested: passed", ["Status: Ordered → Scanner testing"]),
        ("DeKalb County", "dekalb-clerk", "Worksheet saved", ["Status: Scanner testing → Counting"]),
        ("DeKalb County", "dekalb-clerk", "Submitted for sign-off",
         ["Status: Counting → Submitted", "Submitted: not submitted → Tuesday, December 12, 2017, 3:00 p.m. Eastern"]),
        ("The case", "dekalb-superintendent", "Every county's recount is signed off", ["Status: Counting → Counted"]),
        ("DeKalb County", "dekalb-superintendent", "Signed off by Dekalb Official, Superintendent, DeKalb County",
         ["Status: Submitted → Signed off",
          "Signed off: not signed off → Tuesday, December 12, 2017, 4:00 p.m. Eastern",
          "Signed off by: no one → Dekalb Official", "Signed off as: not signed off → Superintendent, DeKalb County"]),
        ("The case", "fulton-superintendent", "Fulton County reopened", ["Status: Counted → Counting"]),
        ("Fulton County", "fulton-superintendent", "Reopened: A box was found",
         ["Status: Signed off → Counting", "Signed off: Tuesday, December 12, 2017, 1:00 p.m. Eastern → not signed off",
          "Signed off by: Fay Fulton → no one", "Signed off as: Superintendent, Fulton County → not signed off"]),
        ("Fulton County", "fulton", "Submitted for sign-off",
         ["Status: Counting → Submitted",
          f"Submitted: {NOON} → Tuesday, December 12, 2017, 5:30 p.m. Eastern"]),
        ("The case", "fulton-superintendent", "Every county's recount is signed off", ["Status: Counting → Counted"]),
        ("Fulton County", "fulton-superintendent", "Signed off by Fay Fulton, Superintendent, Fulton County",
         ["Status: Submitted → Signed off",
          "Signed off: not signed off → midnight at the end of Tuesday, December 12, 2017 Eastern",
          "Signed off by: no one → Fay Fulton", "Signed off as: not signed off → Superintendent, Fulton County"]),
        ("The case", "fulton-superintendent", "Fulton County records its outcome",
         [f"Who is declared: not recorded yet → Declared before the recount: {DECLARED_BOTTOMS}; "
          f"the certified returns declare: {DECLARED_BOTTOMS}"]),
        ("Fulton County", "fulton-superintendent", "Returns corrected and recertified (version 2)",
         ["Status: Signed off → Corrected and recertified"]),
        ("The case", "dekalb-superintendent", "Returns corrected and recertified",
         ["Status: Counted → Recertified",
          f"Who is declared: Declared before the recount: {DECLARED_BOTTOMS}; the certified returns declare: "
          f"{DECLARED_BOTTOMS} → The certified returns declare: {DECLARED_BOTTOMS}; the corrected returns "
          f"declare: {DECLARED_BOTTOMS}; declared at the finish: {DECLARED_BOTTOMS}",
          "Finished: not finished → Wednesday, December 13, 2017, 9:30 a.m. Eastern"]),
        ("DeKalb County", "dekalb-superintendent", "The recount confirmed the returns",
         ["Status: Signed off → Confirmed: no difference"]),
    ]  # fmt: skip


def test_a_withdrawn_a_denied_and_a_directed_case_show_no_internal_value(
    request, norwood, norwood_user, fulton_superintendent, sos_user
):
    directed_case = request.getfixturevalue("statewide_recorded")
    withdrawn = file(norwood)
    withdraw_in_writing(withdrawn, by=norwood_user, reason="Conceded.")
    denied = file(norwood)
    request_deny(request=denied, by=fulton_superintendent, reason=DenialReason.NOT_ELIGIBLE, ruling="Not close enough.")
    case_finish(request=directed_case, by=sos_user)

    timelines = {case.pk: queries.request_timeline(case) for case in (withdrawn, denied, directed_case)}

    assert {pk: internals_in(timeline) for pk, timeline in timelines.items()} == {
        withdrawn.pk: [],
        denied.pk: [],
        directed_case.pk: [],
    }
    assert rows(timelines[withdrawn.pk])[1:] == [
        ("The case", "norwood", "Withdrawn in writing, signed Mary Norwood: Conceded.",
         ["Status: Filed → Withdrawn", "Reason for the withdrawal: none given → Conceded.",
          f"Withdrawn: not withdrawn → {TEN_IN_WORDS}", "Withdrawal signed: not signed → Mary Norwood",
          "Withdrawal signed by: no one → The candidate"]),
    ]  # fmt: skip
    assert rows(timelines[denied.pk])[1:] == [
        ("The case", "fulton-superintendent", "Denied: Not eligible on the certified returns",
         ["Status: Filed → Denied", f"Decided: not decided → {TEN_IN_WORDS}",
          "Statutory reason for the denial: not denied → Not eligible on the certified returns",
          "Ruling: no ruling → Not close enough."]),
    ]  # fmt: skip
    directed = rows(timelines[directed_case.pk])
    assert directed[1] == (
        "The case", "sos", "Recount directed by the Secretary of State",
        ["Status: Filed → Recount ordered", f"Decided: not decided → {TEN_IN_WORDS}",
         "Statewide window starts: not set → Thursday, December 14, 2017, 9:00 a.m. Eastern",
         "Every county finishes by: not set → Monday, December 18, 2017, 5:00 p.m. Eastern"],
    )  # fmt: skip
    assert [row[:3] for row in directed if row[0] == "The case"][-1] == (
        "The case",
        "sos",
        "Returns corrected and recertified",
    )


# The pages that show history.


def history_rows(html: str) -> list[list[str]]:
    """The case page's History table: each row's cells as text, a cell's lines joined by " | "."""
    table = html.split('<h2 class="h5">History</h2>', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            " | ".join(" ".join(unescape(re.sub(r"<[^>]+>", " ", line)).split()) for line in cell.split("<br>"))
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_case_page_shows_the_history_in_words(
    filed, fulton_part, fulton_user, fulton_superintendent, fulton_superintendent_client
):
    counted(fulton_part, fulton_user, {"Mary Norwood": 40_673})
    signed_off(fulton_part, fulton_superintendent)

    response = fulton_superintendent_client.get(reverse("recounts:request", args=[filed.pk]))

    assert response.status_code == 200
    assert history_rows(response.content.decode()) == [
        [TEN_IN_WORDS, "Mary Norwood", "Filed online", "Recorded", "The case"],
        [TEN_IN_WORDS, "Fay Fulton", "Recount ordered in Fulton County",
         f"Status: Filed → Recount ordered | Decided: not decided → {TEN_IN_WORDS}", "The case"],
        [TEN_IN_WORDS, "Fulton Official", "Counting began in Fulton County", "Status: Recount ordered → Counting",
         "The case"],
        [TEN_IN_WORDS, "Fay Fulton", "Recount ordered by the superintendent of Fulton County", "Recorded",
         "Fulton County"],
        [TEN_IN_WORDS, "Fulton Official", "Scanner ICP-001 tested: passed", "Status: Ordered → Scanner testing",
         "Fulton County"],
        [TEN_IN_WORDS, "Fulton Official", "Worksheet saved", "Status: Scanner testing → Counting", "Fulton County"],
        [TEN_IN_WORDS, "Fulton Official", "Submitted for sign-off",
         f"Status: Counting → Submitted | Submitted: not submitted → {TEN_IN_WORDS}", "Fulton County"],
        [TEN_IN_WORDS, "Fay Fulton", "Signed off by Fay Fulton, Superintendent, Fulton County",
         f"Status: Submitted → Signed off | Signed off: not signed off → {TEN_IN_WORDS} | "
         "Signed off by: no one → Fay Fulton | Signed off as: not signed off → Superintendent, Fulton County",
         "Fulton County"],
    ]  # fmt: skip
    assert "Status: submitted → approved" not in text_of(response)


def test_the_case_page_names_a_change_with_no_one_recorded_and_no_reason(filed, fulton_part, client, sos_user):
    as_stored = CountyRecount.objects.get(pk=fulton_part.pk)
    as_stored.count_place = "Fulton County Government Center"
    as_stored.save()  # neither a user nor a reason: as a shell would leave it
    client.force_login(sos_user)

    response = client.get(reverse("recounts:request", args=[filed.pk]))

    assert history_rows(response.content.decode())[-1] == [
        TEN_IN_WORDS,
        "Not recorded",
        "No reason given",
        "Place of the count: Fulton County Elections Hub → Fulton County Government Center",
        "Fulton County",
    ]


def test_a_save_that_changes_only_what_is_not_listed_says_so(filed, fulton_part, client, sos_user):
    as_stored = CountyRecount.objects.get(pk=fulton_part.pk)
    as_stored.version += 1
    as_stored._change_reason = "Worksheet saved"
    as_stored.save()

    (last,) = [entry for entry in queries.request_timeline(filed) if entry.reason == "Worksheet saved"]
    assert (last.changes, last.first) == ([], False)
    client.force_login(sos_user)
    rows_shown = history_rows(client.get(reverse("recounts:request", args=[filed.pk])).content.decode())
    assert rows_shown[-1][2:] == ["Worksheet saved", "Nothing shown here changed", "Fulton County"]


def admin_rows(html: str) -> list[list[str]]:
    """The admin history page's table, newest first: each row's cells as text, a cell's items joined by " | "."""
    table = html.split('id="change-history"', 1)[1].split("</table>", 1)[0]
    return [
        [
            " | ".join(
                " ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
                for item in (re.findall(r"<li>(.*?)</li>", cell, re.S) or [cell])
            )
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    ]


def test_the_admin_history_of_a_county_recount_reads_in_words(
    filed, fulton_part, fulton_user, fulton_superintendent, admin_client
):
    counted(fulton_part, fulton_user)
    signed_off(fulton_part, fulton_superintendent)

    response = admin_client.get(reverse("admin:recounts_countyrecount_history", args=[fulton_part.pk]))

    assert response.status_code == 200
    assert admin_rows(response.content.decode()) == [
        [TEN_IN_WORDS, "Fay Fulton", "Signed off by Fay Fulton, Superintendent, Fulton County",
         f"Status: Submitted → Signed off | Signed off: not signed off → {TEN_IN_WORDS} | "
         "Signed off by: no one → Fay Fulton | Signed off as: not signed off → Superintendent, Fulton County"],
        [TEN_IN_WORDS, "Fulton Official", "Submitted for sign-off",
         f"Status: Counting → Submitted | Submitted: not submitted → {TEN_IN_WORDS}"],
        [TEN_IN_WORDS, "Fulton Official", "Worksheet saved", "Status: Scanner testing → Counting"],
        [TEN_IN_WORDS, "Fulton Official", "Scanner ICP-001 tested: passed", "Status: Ordered → Scanner testing"],
        [TEN_IN_WORDS, "Fay Fulton", "Recount ordered by the superintendent of Fulton County", "Recorded"],
    ]  # fmt: skip


def test_the_admin_history_of_a_case_reads_in_words(atlanta_recertified, admin_client):
    response = admin_client.get(reverse("admin:recounts_recountrequest_history", args=[atlanta_recertified.pk]))

    rows_shown = admin_rows(response.content.decode())
    assert [row[2:] for row in rows_shown] == [
        ["Returns corrected and recertified",
         f"Status: Counted → Recertified | Who is declared: Declared before the recount: {DECLARED_BOTTOMS}; the "
         f"certified returns declare: {DECLARED_BOTTOMS} → The certified returns declare: {DECLARED_BOTTOMS}; the "
         f"corrected returns declare: {DECLARED_BOTTOMS}; declared at the finish: {DECLARED_BOTTOMS} | "
         "Finished: not finished → Wednesday, December 13, 2017, 9:30 a.m. Eastern"],
        ["Fulton County records its outcome",
         f"Who is declared: not recorded yet → Declared before the recount: {DECLARED_BOTTOMS}; "
         f"the certified returns declare: {DECLARED_BOTTOMS}"],
        ["Every county's recount is signed off", "Status: Counting → Counted"],
        ["Fulton County reopened", "Status: Counted → Counting"],
        ["Every county's recount is signed off", "Status: Counting → Counted"],
        ["Counting began in Fulton County", "Status: Recount ordered → Counting"],
        ["Recount ordered in Fulton County",
         f"Status: Filed → Recount ordered | Decided: not decided → {TEN_IN_WORDS}"],
        ["Filed online", "Recorded"],
    ]  # fmt: skip
    assert [row[:2] for row in rows_shown][-2:] == [[TEN_IN_WORDS, "Fay Fulton"], [TEN_IN_WORDS, "Mary Norwood"]]
