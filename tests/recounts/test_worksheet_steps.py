"""The worksheet's steps through their services and forms: a scanner test corrected until the tallies
are saved, tallies kept as typed while a line is wrong, the tapes on their own, and where each step
stands."""

import pytest

from recounts.enums import CountyRecountStatus, DiscrepancyReason, TallyLine, WorksheetStepStatus
from recounts.forms import TapesForm, WorksheetForm
from recounts.models import CountyRecount, RecountTally
from recounts.queries import worksheet_tallies
from recounts.services.cases import RecountError
from recounts.services.decisions import recount_order
from recounts.services.worksheets import (
    TallyEntry,
    scanner_test_correct,
    scanner_test_record,
    tally_draft_save,
    tapes_save,
    worksheet_problems,
    worksheet_save,
    worksheet_steps,
)
from tests.factories import georgia_counties
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION
from tests.recounts.test_views import file_online

pytestmark = pytest.mark.django_db

DECK = {"machine_marked": 75, "hand_marked": 25, "precincts": 3, "hand_count": 100}


@pytest.fixture
def part(clock, norwood, norwood_user, fulton_superintendent) -> CountyRecount:
    (fulton,) = georgia_counties("Fulton")
    return recount_order(
        request=file_online(norwood),
        county=fulton,
        by=fulton_superintendent,
        count_place="Fulton County Elections Hub",
        count_starts_at=DAY_AFTER_CERTIFICATION,
    )


def lines(part: CountyRecount) -> dict[str, RecountTally]:
    return {tally.candidate.name: tally for tally in part.tallies.filter(line=TallyLine.RETURNS)}


def test_a_scanner_test_is_corrected_its_result_and_the_hand_count_follow(part, fulton_user):
    test = scanner_test_record(
        county_recount=part, by=fulton_user, version=1, scanner="ICP-1", machine_count=10, **DECK
    )
    part.refresh_from_db()
    assert (test.passed, part.hand_count) == (False, True)

    corrected = scanner_test_correct(
        scanner_test=test, by=fulton_user, version=2, reason="  Mistyped  ", scanner="ICP-1 ", machine_count=100, **DECK
    )

    part.refresh_from_db()
    assert (corrected.machine_count, corrected.passed, corrected.tested_at) == (100, True, test.tested_at)
    assert (part.hand_count, part.version, part.status) == (False, 3, CountyRecountStatus.SCANNER_TESTING)
    assert [(h.history_change_reason, h.history_user) for h in (corrected.history.first(), part.history.first())] == [
        ("Corrected (Mistyped): Passed", fulton_user),
        ("Scanner ICP-1 test corrected: Mistyped; passed", fulton_user),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": " "}, "Say why the scanner test is corrected (for example, a figure was mistyped)."),
        ({"scanner": "ICP-2"}, "Scanner ICP-2 is already tested on this worksheet."),
        ({"version": 1}, "Fulton County's worksheet was saved by fulton on "),
    ],
)
def test_a_correction_is_refused_with_a_reason_a_person_can_act_on(part, fulton_user, change, message):
    test = scanner_test_record(
        county_recount=part, by=fulton_user, version=1, scanner="ICP-1", machine_count=10, **DECK
    )
    scanner_test_record(county_recount=part, by=fulton_user, version=2, scanner="ICP-2", machine_count=100, **DECK)
    arguments = {"version": 3, "reason": "Mistyped", "scanner": "ICP-1", "machine_count": 100, **DECK} | change

    with pytest.raises(RecountError) as refused:
        scanner_test_correct(scanner_test=test, by=fulton_user, **arguments)

    assert str(refused.value).startswith(message)
    test.refresh_from_db()
    assert (test.machine_count, test.history.count()) == (10, 1)


def test_once_a_tally_is_saved_no_scanner_test_is_corrected(part, fulton_user):
    test = scanner_test_record(
        county_recount=part, by=fulton_user, version=1, scanner="ICP-1", machine_count=10, **DECK
    )
    worksheet_save(county_recount=part, by=fulton_user, version=2, entries={})

    with pytest.raises(RecountError) as refused:
        scanner_test_correct(
            scanner_test=test, by=fulton_user, version=3, reason="Mistyped", scanner="ICP-1", machine_count=100, **DECK
        )

    assert str(refused.value) == (
        "Fulton County's tallies are saved: its scanner tests can no longer be corrected, as the figures were counted "
        "after them."
    )


def test_a_draft_keeps_what_was_typed_until_the_tallies_are_saved(part, fulton_user):
    bottoms, norwood = lines(part)["Keisha Lance Bottoms"], lines(part)["Mary Norwood"]

    tally_draft_save(
        county_recount=part,
        by=fulton_user,
        version=1,
        draft={
            bottoms.pk: {"recounted": "42881", "reason": ""},
            norwood.pk: {"recounted": "many", "note": "x" * 2_000},
        },
    )
    part.refresh_from_db()
    kept = part.tally_draft
    problems = worksheet_problems(part)
    worksheet_save(
        county_recount=part,
        by=fulton_user,
        version=2,
        entries={bottoms.pk: TallyEntry(42_887), norwood.pk: TallyEntry(40_668)},
    )
    part.refresh_from_db()

    assert kept == {
        str(bottoms.pk): {"recounted": "42881", "reason": "", "note": ""},
        str(norwood.pk): {"recounted": "many", "reason": "", "note": "x" * 1_000},
    }
    assert "Some tallies were typed but not saved: correct the lines marked on the tallies and save them." in problems
    assert (part.tally_draft, part.version) == ({}, 3)
    assert [h.history_change_reason for h in part.history.all()[:2]] == [
        "Worksheet saved",
        "Tallies kept as typed: some lines need correcting",
    ]


def test_a_draft_of_lines_not_on_the_worksheet_is_refused(part, fulton_user):
    with pytest.raises(RecountError, match=r"Some lines are not on this worksheet; reload it\."):
        tally_draft_save(county_recount=part, by=fulton_user, version=1, draft={999_999: {"recounted": "1"}})
    part.refresh_from_db()
    assert (part.tally_draft, part.version) == ({}, 1)


def test_the_tapes_are_saved_on_their_own(part, fulton_user, norwood):
    tapes_save(county_recount=part, by=fulton_user, version=1, tabulator_tapes={norwood.pk: 40_668})
    part.refresh_from_db()

    assert (part.tabulator_tapes, part.status, part.history.first().history_change_reason) == (
        {str(norwood.pk): 40_668},
        CountyRecountStatus.COUNTING,
        "Tabulator tapes saved",
    )
    with pytest.raises(RecountError, match=r"A tabulator tape total cannot be negative\."):
        tapes_save(county_recount=part, by=fulton_user, version=2, tabulator_tapes={norwood.pk: -1})


def statuses(part: CountyRecount) -> list[tuple[str, WorksheetStepStatus]]:
    part.refresh_from_db()
    steps = worksheet_steps(
        part,
        tallies=worksheet_tallies(part),
        scanner_tests=list(part.scanner_tests.all()),
        candidates=list(part.request.contest.candidates.order_by("ballot_order")),
        problems=worksheet_problems(part),
    )
    return [(step.url_name, step.status) for step in steps]


def test_each_step_says_where_it_stands(part, fulton_user, norwood):
    status = WorksheetStepStatus
    ordered = statuses(part)
    scanner_test_record(county_recount=part, by=fulton_user, version=1, scanner="ICP-1", machine_count=99, **DECK)
    by_hand = statuses(part)
    tally_draft_save(county_recount=part, by=fulton_user, version=2, draft={lines(part)["Mary Norwood"].pk: {}})
    drafted = statuses(part)
    entries = {tally.pk: TallyEntry(tally.original) for tally in lines(part).values()}
    worksheet_save(county_recount=part, by=fulton_user, version=3, entries=entries)
    ready = statuses(part)

    names = ["recounts:scanner_test", "recounts:tallies", "recounts:late_ballots", "recounts:tapes", "recounts:submit"]
    assert ordered == list(zip(names, [status.NOT_STARTED] * 4 + [status.CANNOT_START], strict=True))
    assert by_hand == list(
        zip(
            names,
            [status.DONE, status.NOT_STARTED, status.NOT_STARTED, status.NOT_NEEDED, status.CANNOT_START],
            strict=True,
        )
    )
    assert drafted[1] == ("recounts:tallies", status.IN_PROGRESS)
    assert ready == list(
        zip(names, [status.DONE, status.DONE, status.NOT_STARTED, status.NOT_NEEDED, status.NOT_STARTED], strict=True)
    )


def test_the_tallies_form_wants_a_reason_for_a_difference_and_a_note_for_other(part):
    bottoms, norwood = lines(part)["Keisha Lance Bottoms"], lines(part)["Mary Norwood"]
    data = {
        "version": 1,
        f"recounted_{bottoms.pk}": "42881",
        f"reason_{bottoms.pk}": "",
        f"recounted_{norwood.pk}": "40673",
        f"reason_{norwood.pk}": DiscrepancyReason.OTHER,
        f"note_{norwood.pk}": " ",
    }

    form = WorksheetForm(data, county_recount=part, tallies=worksheet_tallies(part))

    assert form.errors == {
        f"reason_{bottoms.pk}": [f"{bottoms}: 42,881 differs from the certified 42,887; choose the reason."],
        f"note_{norwood.pk}": [f"{norwood}: say in the note what the other reason is."],
    }
    assert [line.difference for line in form.lines] == [-6, 5]
    assert form.fields[f"reason_{bottoms.pk}"].widget.attrs["class"] == "form-select form-select-sm is-invalid"
    assert WorksheetForm(
        WorksheetForm.typed_again(form.draft(), version=4), county_recount=part, tallies=worksheet_tallies(part)
    ).data == {
        "version": 4,
        f"recounted_{bottoms.pk}": "42881",
        f"reason_{bottoms.pk}": "",
        f"note_{bottoms.pk}": "",
        f"recounted_{norwood.pk}": "40673",
        f"reason_{norwood.pk}": "other",
        f"note_{norwood.pk}": " ",
    }


def test_the_tapes_form_reads_each_candidate_s_total(part, norwood, bottoms):
    form = TapesForm(
        {"version": 1, f"tape_{bottoms.pk}": "42887", f"tape_{norwood.pk}": ""},
        county_recount=part,
        candidates=[bottoms, norwood],
        sums={bottoms.pk: 42_887, norwood.pk: None},
    )

    assert form.is_valid(), form.errors
    assert form.tabulator_tapes() == {bottoms.pk: 42_887, norwood.pk: None}
