import datetime
import hashlib
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from elections.enums import DeclaredStatus, ElectionKind, Level, VoteType
from elections.importers import returns as openelections
from elections.importers.returns import ImportRejected, import_openelections_csv
from elections.models import Candidate, Contest, Election, ImportBatch, ImportFile, Result
from elections.services import certification_record
from tests.factories import county, make_candidate, make_contest, make_election, make_result, make_user

DATA = Path(__file__).parent / "data"
EASTERN = ZoneInfo("America/New_York")
ELECTION_DAY = datetime.date(2020, 11, 3)
HEADER = "county,precinct,office,district,party,candidate,votes"
ED, ADV, ABS, PROV, MIL, UNSPEC = (
    VoteType.ELECTION_DAY,
    VoteType.ADVANCE_IN_PERSON,
    VoteType.ABSENTEE_BY_MAIL,
    VoteType.PROVISIONAL,
    VoteType.MILITARY_OVERSEAS,
    VoteType.UNSPECIFIED,
)

pytestmark = pytest.mark.django_db


def run(content: bytes | str, **arguments):
    """Import `content` (text is encoded as UTF-8) with the arguments of a 2020 general election."""
    data = content.encode() if isinstance(content, str) else content
    arguments = {
        "file_name": "returns.csv",
        "election_name": "2020 General",
        "date": ELECTION_DAY,
        "kind": ElectionKind.GENERAL,
        **arguments,
    }
    return import_openelections_csv(source=io.BytesIO(data), **arguments)


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def fixture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def results() -> list[tuple]:
    """(candidate, county, precinct, vote type, votes, batch) for each vote type of each line imported."""
    return sorted(
        (result.candidate.name, result.county.name, result.precinct, vote_type, votes, result.import_batch_id)
        for result in Result.objects.select_related("candidate", "county")
        for vote_type, votes in result.by_type().items()
    )


def counts() -> dict[str, int]:
    models = (Election, Contest, Candidate, Result, ImportBatch, ImportFile)
    return {model.__name__: model.objects.count() for model in models} | {
        "history": sum(model.history.count() for model in (Election, Contest, Candidate, Result)),
    }


def rejected(content: bytes | str, **arguments) -> str:
    """Import a bad file; return the message, having checked that nothing at all was written."""
    before = counts()
    with pytest.raises(ImportRejected) as error:
        run(content, **arguments)
    assert counts() == before
    message = str(error.value)
    file_name = arguments.get("file_name", "returns.csv")
    if message.startswith((f"{file_name}, ", f"{file_name}: ")):
        # A refusal names its file first and says, last, that nothing was imported.
        assert message.endswith("; nothing was imported.")
        return message[len(file_name) + 2 : -len("; nothing was imported.")]
    return message


# -- Happy paths -----------------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2020, 11, 10, 14, 30, tzinfo=EASTERN), tick=False)
def test_precinct_file_with_vote_types_and_numbered_splits():
    clerk = make_user(username="clerk")
    data = fixture("precinct_vote_types.csv")

    summary = run(data, file_name="precinct_vote_types.csv", by=clerk)

    election = Election.objects.get()
    batch = ImportBatch.objects.get()
    assert summary == openelections.ImportSummary(
        election=election,
        batch=batch,
        row_count=8,
        result_count=6,
        contest_count=2,
        candidate_count=4,
        skipped_rows=2,
        warnings=(
            'Columns "advance_in_person_1", "advance_in_person_2" all hold advance in person votes; they were added '
            "together.",
        ),
    )
    assert (election.name, election.slug, election.date, election.kind) == (
        "2020 General",
        "2020-general",
        ELECTION_DAY,
        ElectionKind.GENERAL,
    )
    b = batch.pk
    assert results() == [
        ("Ada Able", "Fulton", "Adams Park", ABS, 45, b),
        ("Ada Able", "Fulton", "Adams Park", ADV, 100, b),
        ("Ada Able", "Fulton", "Adams Park", ED, 100, b),
        ("Ada Able", "Fulton", "Adams Park", PROV, 5, b),
        ("David Perdue", "DeKalb", "", ABS, 20, b),
        ("David Perdue", "DeKalb", "", ADV, 20, b),
        ("David Perdue", "DeKalb", "", ED, 20, b),
        ("David Perdue", "DeKalb", "", PROV, 0, b),
        ("David Perdue", "Fulton", "Adams Park", ABS, 25, b),
        ("David Perdue", "Fulton", "Adams Park", ADV, 30, b),
        ("David Perdue", "Fulton", "Adams Park", ED, 40, b),
        ("David Perdue", "Fulton", "Adams Park", PROV, 5, b),
        ("Jon Ossoff", "DeKalb", "", ABS, 0, b),
        ("Jon Ossoff", "DeKalb", "", ADV, 0, b),
        ("Jon Ossoff", "DeKalb", "", ED, 0, b),
        ("Jon Ossoff", "DeKalb", "", PROV, 0, b),
        ("Jon Ossoff", "Fulton", "Adams Park", ABS, 90, b),
        ("Jon Ossoff", "Fulton", "Adams Park", ADV, 100, b),
        ("Jon Ossoff", "Fulton", "Adams Park", ED, 100, b),
        ("Jon Ossoff", "Fulton", "Adams Park", PROV, 10, b),
        ("Write-ins", "Fulton", "Adams Park", ABS, 1, b),
        ("Write-ins", "Fulton", "Adams Park", ADV, 0, b),
        ("Write-ins", "Fulton", "Adams Park", ED, 1, b),
        ("Write-ins", "Fulton", "Adams Park", PROV, 0, b),
    ]
    assert [
        (c.office, c.district, c.level, c.seats, sorted(c.counties.values_list("name", flat=True)))
        for c in Contest.objects.order_by("office")
    ] == [
        ("State House", "55", Level.STATE, 1, ["Fulton"]),
        ("U.S. Senate", "", Level.FEDERAL, 1, ["DeKalb", "Fulton"]),
    ]
    assert list(
        Candidate.objects.order_by("contest__office", "ballot_order").values_list(
            "contest__office", "name", "party", "ballot_order", "write_in_aggregate", "declared_status"
        )
    ) == [
        ("State House", "Ada Able", "DEM", 1, False, DeclaredStatus.ELECTED),
        ("U.S. Senate", "David Perdue", "REP", 1, False, DeclaredStatus.NONE),
        ("U.S. Senate", "Jon Ossoff", "DEM", 2, False, DeclaredStatus.ELECTED),
        ("U.S. Senate", "Write-ins", "", 3, True, DeclaredStatus.NONE),
    ]
    assert (
        batch.file_name,
        batch.sha256,
        batch.row_count,
        batch.result_count,
        batch.imported_by,
        batch.imported_at,
    ) == (
        "precinct_vote_types.csv",
        hashlib.sha256(data).hexdigest(),
        8,
        6,
        clerk,
        datetime.datetime(2020, 11, 10, 14, 30, tzinfo=EASTERN),
    )


def test_county_file_with_only_votes_and_municipal_level():
    summary = run(fixture("county_votes.csv"), election_name="Atlanta Mayoral Runoff 2017", municipal=True)

    assert (summary.row_count, summary.result_count, summary.contest_count, summary.candidate_count) == (4, 4, 1, 2)
    b = summary.batch.pk
    assert results() == [
        ("Keisha Lance Bottoms", "DeKalb", "", UNSPEC, 3780, b),
        ("Keisha Lance Bottoms", "Fulton", "", UNSPEC, 42887, b),
        ("Mary Norwood", "DeKalb", "", UNSPEC, 5167, b),
        ("Mary Norwood", "Fulton", "", UNSPEC, 40668, b),
    ]
    contest = Contest.objects.get()
    assert (contest.office, contest.level, sorted(contest.counties.values_list("name", flat=True))) == (
        "Mayor",
        Level.MUNICIPAL,
        ["DeKalb", "Fulton"],
    )
    assert dict(Candidate.objects.values_list("name", "declared_status")) == {
        "Keisha Lance Bottoms": DeclaredStatus.ELECTED,
        "Mary Norwood": DeclaredStatus.NONE,
    }


def test_a_local_office_is_one_county_contest_per_county_unless_municipal():
    run(fixture("county_votes.csv"))

    contests = Contest.objects.order_by("home_county__name")
    assert [(str(c), c.level, [county.name for county in c.counties.all()]) for c in contests] == [
        ("Mayor (DeKalb County)", Level.COUNTY, ["DeKalb"]),
        ("Mayor (Fulton County)", Level.COUNTY, ["Fulton"]),
    ]


def test_each_partys_primary_is_its_own_contest_with_its_own_nominee():
    run(
        csv_text(
            HEADER,
            "Cobb,,Governor,,REP,Brian Kemp,700",
            "Cobb,,Governor,,REP,Vernon Jones,100",
            "Cobb,,Governor,,DEM,Stacey Abrams,650",
            "Fulton,,Governor,,DEM,Stacey Abrams,900",
            "Fulton,,Governor,,REP,Brian Kemp,300",
            "Fulton,,Governor,,REP,Vernon Jones,20",
            "Fulton,,Supreme Court,,NP,Ann Justice,400",
        ),
        election_name="2022 Primary",
        kind=ElectionKind.PRIMARY,
    )

    assert sorted(
        (str(c), c.party, [(x.name, x.declared_status) for x in c.candidates.all()]) for c in Contest.objects.all()
    ) == [
        ("Governor (DEM primary)", "DEM", [("Stacey Abrams", "nominated")]),
        ("Governor (REP primary)", "REP", [("Brian Kemp", "nominated"), ("Vernon Jones", "none")]),
        ("Supreme Court", "", [("Ann Justice", "nominated")]),
    ]


def test_a_general_election_keeps_one_contest_whatever_the_parties():
    run(csv_text(HEADER, "Cobb,,Governor,,REP,Brian Kemp,700", "Cobb,,Governor,,DEM,Stacey Abrams,650"))

    assert [(str(c), c.party) for c in Contest.objects.all()] == [("Governor", "")]


def test_same_county_office_in_a_statewide_file_is_a_contest_per_county_and_a_state_office_is_one():
    run(
        csv_text(
            "county,precinct,office,district,party,candidate,votes",
            "Cobb,,Sheriff,,REP,Ann Cobb,100",
            "Cobb,,Sheriff,,DEM,Bob Cobb,90",
            "Fulton,,Sheriff,,DEM,Cal Fulton,300",
            "Fulton,,Sheriff,,REP,Dee Fulton,310",
            "Cobb,,Superior Court Judge,Cobb Circuit,,Eve Judge,5",
            "Cobb,,State Senate,District 6,REP,Fay State,40",
            "Fulton,,State Senate,District 6,REP,Fay State,60",
        )
    )

    assert sorted(
        (str(c), c.level, [county.name for county in c.counties.all()], [x.name for x in c.candidates.all()])
        for c in Contest.objects.all()
    ) == [
        ("Sheriff (Cobb County)", Level.COUNTY, ["Cobb"], ["Ann Cobb", "Bob Cobb"]),
        ("Sheriff (Fulton County)", Level.COUNTY, ["Fulton"], ["Cal Fulton", "Dee Fulton"]),
        ("State Senate, District 6", Level.STATE, ["Cobb", "Fulton"], ["Fay State"]),
        ("Superior Court Judge, Cobb Circuit", Level.STATE, ["Cobb"], ["Eve Judge"]),
    ]
    assert Candidate.objects.get(name="Dee Fulton").declared_status == "elected"


def test_the_other_spelling_of_vote_type_columns():
    summary = run(fixture("other_spelling.csv"))

    b = summary.batch.pk
    assert results() == [
        ("Brian Kemp", "Cobb", "Acworth 1A", ABS, 30, b),
        ("Brian Kemp", "Cobb", "Acworth 1A", ADV, 20, b),
        ("Brian Kemp", "Cobb", "Acworth 1A", ED, 10, b),
        ("Brian Kemp", "Cobb", "Acworth 1A", PROV, 0, b),
        ("Stacey Abrams", "Cobb", "Acworth 1A", ABS, 31, b),
        ("Stacey Abrams", "Cobb", "Acworth 1A", ADV, 21, b),
        ("Stacey Abrams", "Cobb", "Acworth 1A", ED, 11, b),
        ("Stacey Abrams", "Cobb", "Acworth 1A", PROV, 1, b),
    ]
    assert Contest.objects.get().level == Level.STATE


def test_military_overseas_and_splits_of_the_other_spelling():
    summary = run(
        csv_text(
            "county,precinct,office,district,party,candidate,advanced_votes_1,advanced_votes_2,military_overseas",
            "Cobb,Acworth 1A,Governor,,REP,Brian Kemp,4,5,1",
        )
    )

    assert results() == [
        ("Brian Kemp", "Cobb", "Acworth 1A", ADV, 9, summary.batch.pk),
        ("Brian Kemp", "Cobb", "Acworth 1A", MIL, 1, summary.batch.pk),
    ]


def test_a_utf8_byte_order_mark_is_fine():
    data = b"\xef\xbb\xbf" + csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10").encode()

    summary = run(data)

    assert results() == [("Ada Able", "Fulton", "", UNSPEC, 10, summary.batch.pk)]
    assert summary.batch.sha256 == hashlib.sha256(data).hexdigest()


def test_counties_are_matched_in_any_case_with_or_without_county():
    summary = run(
        csv_text(
            HEADER,
            "fulton,P0,Mayor,,,Ada Able,1",
            "FULTON COUNTY,P1,Mayor,,,Ada Able,2",
            " Fulton  County ,P2,Mayor,,,Ada Able,3",
            "De Kalb,,Mayor,,,Ada Able,4",
        ).replace("De Kalb", "DeKalb")
    )

    assert results() == [
        ("Ada Able", "DeKalb", "", UNSPEC, 4, summary.batch.pk),
        ("Ada Able", "Fulton", "P0", UNSPEC, 1, summary.batch.pk),
        ("Ada Able", "Fulton", "P1", UNSPEC, 2, summary.batch.pk),
        ("Ada Able", "Fulton", "P2", UNSPEC, 3, summary.batch.pk),
    ]


def test_write_in_lines_are_aggregates_never_declared():
    run(
        csv_text(
            HEADER,
            "Fulton,,Mayor,,,Write-ins,9",
            "Fulton,,Mayor,,,Ada Able,10",
            "Fulton,,Council,,,Write-In,1",
            "Fulton,,Council,,,Ben Baker,2",
            "Fulton,,School Board,,,write in,3",
            "Fulton,,School Board,,,Cy Carter,4",
        )
    )

    assert list(
        Candidate.objects.order_by("contest__office", "ballot_order").values_list(
            "contest__office", "name", "write_in_aggregate", "declared_status"
        )
    ) == [
        ("Council", "Write-In", True, DeclaredStatus.NONE),
        ("Council", "Ben Baker", False, DeclaredStatus.ELECTED),
        ("Mayor", "Write-ins", True, DeclaredStatus.NONE),
        ("Mayor", "Ada Able", False, DeclaredStatus.ELECTED),
        ("School Board", "write in", True, DeclaredStatus.NONE),
        ("School Board", "Cy Carter", False, DeclaredStatus.ELECTED),
    ]


def test_lines_that_are_not_candidates_votes_are_skipped_and_counted():
    summary = run(
        csv_text(
            HEADER,
            "Fulton,P1,Registered Voters,,,,1000",
            "Fulton,P1,BALLOTS CAST,,,,700",
            "Fulton,P1,Mayor,,,Ada Able,400",
            "Fulton,P1,Mayor,,,Over Votes,1",
            "Fulton,P1,Mayor,,,Under  Votes,2",
            "Fulton,P1,Mayor,,,Overvotes,3",
            "Fulton,P1,Mayor,,,undervotes,4",
            "Fulton,P1,Mayor,,,Total,400",
            "Fulton,P1,Mayor,,,Total Votes,400",
            "Fulton,P1,Mayor,,,Blank,5",
        )
    )

    assert (summary.row_count, summary.skipped_rows, summary.result_count, summary.candidate_count) == (10, 9, 1, 1)
    assert results() == [("Ada Able", "Fulton", "P1", UNSPEC, 400, summary.batch.pk)]
    assert sorted(openelections.NOT_CANDIDATE_VOTES["candidate"]) == [
        "blank",
        "over votes",
        "overvotes",
        "total",
        "total votes",
        "under votes",
        "undervotes",
    ]
    assert sorted(openelections.NOT_CANDIDATE_VOTES["office"]) == ["ballots cast", "registered voters"]


def test_empty_vote_type_cells_are_not_given_and_zeros_are_figures():
    summary = run(
        csv_text(
            "county,precinct,office,district,party,candidate,votes,election_day,absentee_by_mail,provisional",
            "Fulton,P1,Mayor,,,Ada Able,7,7,,0",
            "Fulton,P2,Mayor,,,Ada Able,5,,,",
            "Fulton,P3,Mayor,,,Ada Able,0,0,0,0",
        )
    )

    b = summary.batch.pk
    assert results() == [
        ("Ada Able", "Fulton", "P1", ED, 7, b),
        ("Ada Able", "Fulton", "P1", PROV, 0, b),
        ("Ada Able", "Fulton", "P2", UNSPEC, 5, b),
        ("Ada Able", "Fulton", "P3", ABS, 0, b),
        ("Ada Able", "Fulton", "P3", ED, 0, b),
        ("Ada Able", "Fulton", "P3", PROV, 0, b),
    ]
    assert summary.result_count == 3
    stored = Result.objects.order_by("precinct").values_list(
        "precinct", "votes", "election_day", "advance_in_person", "absentee_by_mail", "provisional", "military_overseas"
    )
    assert list(stored) == [
        ("P1", 7, 7, None, None, 0, None),
        ("P2", 5, None, None, None, None, None),
        ("P3", 0, 0, None, 0, 0, None),
    ]


def test_without_a_votes_column_a_line_s_votes_are_its_types_added_up():
    run(
        csv_text(
            "county,precinct,office,district,party,candidate,election_day,provisional", "Fulton,P1,Mayor,,,Ada Able,7,"
        )
    )

    assert list(Result.objects.values_list("votes", "election_day", "provisional")) == [(7, 7, None)]


def test_party_comes_from_the_first_non_empty_value():
    run(
        csv_text(
            HEADER,
            "Fulton,P1,U.S. House,5,,Nikema Williams,10",
            "Fulton,P2,U.S. House,5,DEM,Nikema Williams,20",
            "Fulton,P3,U.S. House,5,,Nikema Williams,30",
            "Fulton,P4,U.S. House,5,dem,Nikema Williams,40",
        )
    )

    candidate = Candidate.objects.get()
    assert (candidate.party, list(candidate.history.values_list("party", flat=True))) == ("DEM", ["DEM", "DEM"])


def test_unknown_columns_are_listed_in_the_warnings():
    summary = run(csv_text(HEADER + ",notes,", "Fulton,,Mayor,,,Ada Able,10,recounted,"))

    assert summary.warnings == (
        'Column "notes" does not hold votes; it was ignored.',
        "Column 9 has no name; it was ignored.",
    )
    assert summary.result_count == 1


def test_an_unknown_column_is_refused_by_name_with_the_vocabulary():
    message = rejected(csv_text(HEADER + ",early_mail_ballots", "Fulton,,Mayor,,,Ada Able,10,3"))

    assert message.startswith(
        'line 1, column "early_mail_ballots": not a column of returns the desk knows; the known columns are '
        "county: county, county_name, parish; precinct: precinct,"
    )
    assert "advance in person: advance_in_person, advance, advanced, advance_voting," in message
    assert message.endswith("a vote type may be split over numbered columns (name_1, name_2…)")


@pytest.mark.parametrize(
    ("seats", "kind", "statuses"),
    [
        # Ada has 500 of 1,900 votes cast (write-ins count): no majority, so Ada and Ben go to a runoff.
        (1, ElectionKind.GENERAL, ["runoff", "runoff", "none", "none"]),
        (2, ElectionKind.GENERAL, ["elected", "elected", "none", "none"]),
        (1, ElectionKind.PRIMARY, ["runoff", "runoff", "none", "none"]),
        (1, ElectionKind.RUNOFF, ["elected", "none", "none", "none"]),
        (2, ElectionKind.PRIMARY_RUNOFF, ["nominated", "nominated", "none", "none"]),
    ],
)
def test_declared_statuses_follow_the_votes_and_seats(seats, kind, statuses):
    run(
        csv_text(
            HEADER,
            "Fulton,,City Council,,,Ben Baker,300",
            "Fulton,,City Council,,,Ada Able,500",
            "Fulton,,City Council,,,Write-ins,1000",
            "Fulton,,City Council,,,Cy Carter,100",
        ),
        seats=seats,
        kind=kind,
    )

    assert list(Candidate.objects.order_by("name").values_list("name", "declared_status")) == list(
        zip(["Ada Able", "Ben Baker", "Cy Carter", "Write-ins"], statuses, strict=True)
    )
    assert Contest.objects.get().seats == seats
    assert list(Candidate.history.exclude(declared_status="none").values_list("history_change_reason", flat=True)) == [
        "Declared from imported returns (returns.csv)"
    ] * (len(statuses) - statuses.count("none"))


def test_the_slug_defaults_to_the_name_slugified_or_is_given():
    first = run(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,1"), election_name="Atlanta General, 2017")
    second = run(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,2"), election_name="Other", slug="other-2017")

    assert (first.election.slug, second.election.slug) == ("atlanta-general-2017", "other-2017")


def test_contests_and_candidates_get_one_history_row_each_results_none():
    user = make_user(username="clerk")
    run(fixture("precinct_vote_types.csv"), by=user, file_name="ga.csv")

    assert sorted(Contest.history.values_list("office", "history_type", "history_user", "history_change_reason")) == [
        ("State House", "+", user.pk, "Imported from ga.csv"),
        ("U.S. Senate", "+", user.pk, "Imported from ga.csv"),
    ]
    assert sorted(
        (record.office, sorted(record.counties.values_list("jurisdiction__name", flat=True)))
        for record in Contest.history.all()
    ) == [("State House", ["Fulton"]), ("U.S. Senate", ["DeKalb", "Fulton"])]
    assert sorted(Candidate.history.values_list("name", "history_type", "history_change_reason")) == [
        ("Ada Able", "+", "Imported from ga.csv"),
        ("Ada Able", "~", "Declared from imported returns (ga.csv)"),
        ("David Perdue", "+", "Imported from ga.csv"),
        ("Jon Ossoff", "+", "Imported from ga.csv"),
        ("Jon Ossoff", "~", "Declared from imported returns (ga.csv)"),
        ("Write-ins", "+", "Imported from ga.csv"),
    ]
    assert Result.history.count() == 0


def test_a_long_file_name_is_shortened_in_the_history_reason():
    run(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,1"), file_name="x" * 200 + ".csv")

    (reason,) = Contest.history.values_list("history_change_reason", flat=True)
    assert (len(reason), reason[:16], reason[-1]) == (100, "Imported from xx", "…")


def test_progress_receives_the_bytes_read_so_far(monkeypatch):
    monkeypatch.setattr(openelections, "READ_CHUNK", 16)
    data = csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,1").encode()
    seen = []

    openelections.import_returns(
        sources=[openelections.Source("returns.csv", lambda: io.BytesIO(data), len(data))],
        details=openelections.ElectionDetails(name="2020 General", date=ELECTION_DAY, kind=ElectionKind.GENERAL),
        progress=lambda done, total: seen.append((done, total)),
    )

    assert (len(data), seen) == (81, [(16, 81), (32, 81), (48, 81), (64, 81), (80, 81), (81, 81)])


def test_queries_do_not_grow_with_the_rows():
    def queries(rows: int) -> int:
        lines = [f"{name},P{n},Mayor,,,{candidate},{n}" for n in range(rows) for name in ("Fulton", "DeKalb")
                 for candidate in ("Ada Able", "Ben Baker")]  # fmt: skip
        with CaptureQueriesContext(connection) as captured:
            run(csv_text(HEADER, *lines), slug=f"rows-{rows}")
        return len(captured)

    assert queries(5) == queries(500)


def test_rows_in_several_batches(monkeypatch):
    monkeypatch.setattr(openelections, "BATCH_LINES", 3)
    lines = [f"Fulton,P{n},Mayor,,,Ada Able,{n}" for n in range(10)]

    summary = run(csv_text(HEADER, *lines))

    assert results() == sorted(("Ada Able", "Fulton", f"P{n}", UNSPEC, n, summary.batch.pk) for n in range(10))


# -- Re-import ------------------------------------------------------------------------------------


def test_replace_removes_the_previous_results_and_imports_anew():
    first = run(
        csv_text(
            HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,,,Ben Baker,20", "Fulton,,Sheriff,,,Cy Carter,5"
        ),
        municipal=True,
    )
    ada = Candidate.objects.get(name="Ada Able")
    ada.accounts.add(make_user(username="ada"))

    second = run(
        csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,30", "DeKalb,,Mayor,,,Ada Able,1", "Fulton,,Mayor,,,Dee Dee,25"),
        replace=True,
        file_name="corrected.csv",
        municipal=True,
    )

    b = second.batch.pk
    assert results() == [
        ("Ada Able", "DeKalb", "", UNSPEC, 1, b),
        ("Ada Able", "Fulton", "", UNSPEC, 30, b),
        ("Dee Dee", "Fulton", "", UNSPEC, 25, b),
    ]
    assert list(Candidate.objects.order_by("ballot_order").values_list("pk", "name", "declared_status")) == [
        (ada.pk, "Ada Able", DeclaredStatus.ELECTED),
        (Candidate.objects.get(name="Dee Dee").pk, "Dee Dee", DeclaredStatus.NONE),
    ]
    assert list(ada.accounts.values_list("username", flat=True)) == ["ada"]
    contest = Contest.objects.get()
    assert (contest.office, sorted(contest.counties.values_list("name", flat=True))) == ("Mayor", ["DeKalb", "Fulton"])
    assert list(ImportBatch.objects.order_by("imported_at").values_list("pk", "file_name")) == [
        (first.batch.pk, "returns.csv"),
        (second.batch.pk, "corrected.csv"),
    ]
    assert sorted(Candidate.history.filter(history_type="-").values_list("name", "history_change_reason")) == [
        ("Ben Baker", "Not in the replacing file corrected.csv"),
        ("Cy Carter", "Not in the replacing file corrected.csv"),
    ]


def test_results_already_there_are_kept_unless_replace():
    run(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10"))

    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,11"))

    assert message == (
        "The election “2020-general” already has results; import with replace (--replace) to remove them "
        "and import this file instead."
    )


@time_machine.travel(datetime.datetime(2020, 11, 10, 14, 30, tzinfo=EASTERN), tick=False)
def test_the_same_file_twice_is_refused():
    data = csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10")
    run(data, file_name="first.csv")

    message = rejected(data, replace=True, file_name="again.csv")

    assert message == (
        f"this file (SHA-256 {hashlib.sha256(data.encode()).hexdigest()[:12]}…) was already imported into this "
        "election on 2020-11-10 at 14:30 EST as “first.csv”"
    )


def test_an_election_with_any_certification_is_refused():
    run(fixture("county_votes.csv"))
    certification_record(
        election=Election.objects.get(),
        jurisdiction=county("Fulton"),
        certified_at=datetime.datetime(2020, 11, 13, 17, 0, tzinfo=EASTERN),
        by=None,
    )

    message = rejected(fixture("other_spelling.csv"), replace=True)

    assert message == (
        "The election “2020-general” has certified returns; certified returns change only through a recount."
    )


def test_an_existing_election_with_other_name_date_or_kind_is_refused():
    make_election(name="2020 General Election", slug="2020-general", date=datetime.date(2020, 11, 4))

    message = rejected(fixture("county_votes.csv"), slug="2020-general")

    assert message == (
        "The election “2020-general” already exists with name “2020 General Election” (not “2020 General”), "
        "date 2020-11-04 (not 2020-11-03); give the same name, date and kind to import into it, or another "
        "slug for a new election."
    )


def test_an_existing_election_without_results_is_imported_into():
    election = make_election(name="2020 General", slug="2020-general", date=ELECTION_DAY)
    contest = make_contest(election=election, office="Mayor", level=Level.MUNICIPAL, counties=["Cobb"])
    ada = make_candidate(contest=contest, name="Ada Able", party="IND")

    run(csv_text(HEADER, "Fulton,,Mayor,,,ADA ABLE,10", "Fulton,,Mayor,,,Ben Baker,5"), municipal=True)

    assert list(Candidate.objects.order_by("ballot_order").values_list("pk", "name", "party", "declared_status")) == [
        (ada.pk, "Ada Able", "IND", DeclaredStatus.ELECTED),
        (ada.pk + 1, "Ben Baker", "", DeclaredStatus.NONE),
    ]
    assert (Contest.objects.get().level, list(Contest.objects.get().counties.values_list("name", flat=True))) == (
        Level.MUNICIPAL,
        ["Fulton"],
    )


# -- Bad files: the message names line, column and problem, and nothing is written ---------------


def test_a_missing_column():
    message = rejected(csv_text("county,precinct,district,party,candidate,votes", "Fulton,,,,Ada Able,1"))

    assert message == (
        'line 1, column "office": missing from the header (a file of returns has county, office, candidate, and '
        "total votes or vote-type columns; precinct, district and party when it has them)"
    )


def test_precinct_district_and_party_columns_may_be_absent():
    run(csv_text("county,office,candidate,total_votes", "Fulton,Mayor,Ada Able,10", "DeKalb,Mayor,Ada Able,4"))

    b = ImportBatch.objects.get().pk
    assert results() == [("Ada Able", "DeKalb", "", UNSPEC, 4, b), ("Ada Able", "Fulton", "", UNSPEC, 10, b)]


def test_no_vote_columns():
    message = rejected(csv_text("county,precinct,office,district,party,candidate", "Fulton,,Mayor,,,Ada Able"))

    assert message.startswith(
        'line 1, column "votes": missing from the header, and there are no vote-type columns either (county: '
    )


def test_a_column_twice():
    message = rejected(csv_text(HEADER + ",Votes", "Fulton,,Mayor,,,Ada Able,1,1"))

    assert message == 'line 1, column "Votes": a second column of total votes (besides "votes"); keep one'


def test_two_columns_of_one_vote_type_add_up():
    summary = run(
        csv_text(
            "county,precinct,office,district,party,candidate,votes,advance_in_person,advance_in_person_2,"
            "Election Day Votes",
            "Fulton,P1,Mayor,,,Ada Able,6,1,2,3",
        )
    )

    b = ImportBatch.objects.get().pk
    assert results() == [("Ada Able", "Fulton", "P1", ADV, 3, b), ("Ada Able", "Fulton", "P1", ED, 3, b)]
    assert summary.warnings == (
        'Columns "advance_in_person", "advance_in_person_2" all hold advance in person votes; they were added '
        "together.",
    )


def test_a_place_column_twice():
    message = rejected(csv_text(HEADER + ",candidate_name", "Fulton,,Mayor,,,Ada Able,1,Ada Able"))

    assert message == 'line 1, column "candidate_name": holds the candidate, as column "candidate" does; keep one'


def test_votes_that_are_not_a_whole_number():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,,,Ben Baker,12x"))

    assert message == 'line 3, column "votes": "12x" is not a whole number'


def test_votes_with_a_decimal_point():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10.0"))

    assert message == 'line 2, column "votes": "10.0" is not a whole number'


def test_negative_votes():
    message = rejected(
        csv_text(HEADER + ",election_day,provisional", "Fulton,,Mayor,,,Ada Able,10,13,-3"),
    )

    assert message == 'line 2, column "provisional": "-3" is negative; votes cannot be below zero'


def test_more_votes_than_can_be_stored():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,2147483648"))

    assert message == 'line 2, column "votes": 2147483648 is more votes than can be stored'


def test_vote_types_that_do_not_add_up_to_votes():
    message = rejected(
        csv_text(
            HEADER + ",election_day,advance_in_person_1,advance_in_person_2",
            "Fulton,P1,Mayor,,,Ada Able,10,5,3,2",
            "Fulton,P2,Mayor,,,Ada Able,10,5,3,3",
        )
    )

    assert message == 'line 3, column "votes": 10 is not the sum of the vote-type columns (11)'


def test_no_figure_at_all():
    message = rejected(csv_text(HEADER + ",election_day", "Fulton,,Mayor,,,Ada Able,,"))

    assert message == 'line 2, column "votes": empty, as are the other vote columns'


def test_an_unknown_county():
    message = rejected(
        csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,,,Ben Baker,5", "Narnia,,Mayor,,,Ada Able,1")
    )

    assert message == 'line 4, column "county": "Narnia" is not a Georgia county'


def test_an_empty_candidate():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,,10"))

    assert message == 'line 2, column "candidate": empty'


def test_a_different_party_for_the_same_candidate_keeps_the_most_given_and_warns():
    summary = run(
        csv_text(
            HEADER,
            "Fulton,P1,U.S. House,5,DEM,Ada Able,10",
            "DeKalb,P2,U.S. House,5,REP,Ada Able,10",
            "Cobb,P3,U.S. House,5,Dem,Ada Able,1",
        )
    )

    assert Candidate.objects.get().party == "DEM"
    assert summary.warnings == (
        "Ada Able (U.S. House, 5) is given as REP in 1 place (first on line 3 of returns.csv) but as DEM in 2; "
        "kept DEM.",
        'The party written "DEM", "Dem" is read as DEM.',
    )


def test_a_line_with_too_few_fields():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,Ben Baker,5"))

    assert message == "line 3: 5 fields, but the header has 7"


def test_a_row_twice_in_one_batch():
    message = rejected(
        csv_text(
            HEADER,
            "Fulton,P1,Mayor,,,Ada Able,10",
            "Fulton,P1,Mayor,,,Ben Baker,5",
            "fulton county,P1,Mayor,,,Ada Able,7",
        )
    )

    assert message == (
        "line 4: the same county, precinct, office, district and candidate as an earlier line "
        '(Fulton County, precinct "P1", Mayor (Fulton County), "Ada Able")'
    )


def test_a_row_twice_in_different_batches(monkeypatch):
    monkeypatch.setattr(openelections, "BATCH_LINES", 2)
    lines = [f"DeKalb,P{n},State House,84,,Ada Able,{n}" for n in range(7)] + ["DeKalb,P2,State House,84,,Ada Able,9"]

    message = rejected(csv_text(HEADER, *lines))

    assert message == (
        "line 9: the same county, precinct, office, district and candidate as an earlier line "
        '(DeKalb County, precinct "P2", State House, 84, "Ada Able")'
    )


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        pytest.param(
            ["Fulton,P1,Mayor,,,Ada Able,10", "Fulton,P2,Mayor,,,Ben Baker,5", "Fulton,,Mayor,,,Ada Able,15"],
            'line 4, column "precinct": empty (a county-level figure), but earlier lines give Fulton County\'s '
            "precincts for Mayor (Fulton County); the same votes would count twice. Import one or the other.",
            id="county-total-after-precincts",
        ),
        pytest.param(
            ["Fulton,,Mayor,,,Ada Able,15", "Fulton,P1,Mayor,,,Ben Baker,10"],
            'line 3, column "precinct": a precinct, but earlier lines give Fulton County\'s county-level figures '
            "for Mayor (Fulton County); the same votes would count twice. Import one or the other.",
            id="precincts-after-county-total",
        ),
    ],
)
def test_county_level_and_precinct_lines_for_one_county_and_contest(lines, message):
    assert rejected(csv_text(HEADER, *lines)) == message


def test_county_level_lines_in_one_county_and_precincts_in_another_are_fine():
    run(csv_text(HEADER, "Cobb,,U.S. House,11,,Ada Able,15", "Fulton,P1,U.S. House,11,,Ada Able,10"))

    assert Result.objects.count() == 2


def test_a_row_twice_once_broken_down_by_type_and_once_not():
    message = rejected(
        csv_text(
            "county,precinct,office,district,party,candidate,votes,election_day",
            "Fulton,P1,Mayor,,,Ada Able,10,10",
            "Fulton,P1,Mayor,,,Ada Able,10,",
        )
    )

    assert message == (
        "line 3: the same county, precinct, office, district and candidate as an earlier line "
        '(Fulton County, precinct "P1", Mayor (Fulton County), "Ada Able")'
    )


def test_a_county_level_row_twice():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,,,Ada Able,10"))

    assert message == (
        "line 3: the same county, precinct, office, district and candidate as an earlier line "
        '(Fulton County (county level), Mayor (Fulton County), "Ada Able")'
    )


def test_an_empty_file():
    assert rejected(b"") == "line 1: the file is empty; expected a header line naming the columns"


def test_a_header_only():
    assert rejected(csv_text(HEADER)) == "line 2: no data rows after the header"


def test_a_file_that_is_not_utf8():
    data = csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10", "Fulton,,Mayor,,,José Pérez,5").encode("latin-1")

    message = rejected(data)

    assert message == 'line 3, column "candidate": byte 0xe9 is not UTF-8 text; save the file as UTF-8'


def test_a_utf16_file():
    data = csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,10").encode("utf-16")

    assert rejected(data) == "line 1: byte 0xff is not UTF-8 text; save the file as UTF-8"


def test_a_quoted_field_running_over_lines():
    message = rejected(csv_text(HEADER, 'Fulton,,Mayor,,"Ada', 'Able",10', "Fulton,,Mayor,,,Ben Baker,5"))

    assert message == "lines 2–3: 6 fields, but the header has 7"


def test_a_line_that_is_not_csv():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ben Baker,5", 'Fulton,,Mayor,,,"Ada" Able,10'))

    assert message == "line 3: not a well-formed CSV line (',' expected after '\"')"


def test_a_nul_byte():
    message = rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada\0Able,10"))

    assert message == 'line 2, column "candidate": a NUL byte (0x00); is this a CSV text file?'


# -- Arguments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seats": 0}, "The number of seats must be a whole number from 1 up; got 0."),
        (
            {"kind": "midterm"},
            "“midterm” is not a kind of election; use one of general, primary, runoff, primary_runoff, special.",
        ),
        ({"election_name": "  "}, "Give the election a name."),
        (
            {"slug": "Not A Slug"},
            "“Not A Slug” cannot be the election's slug: use lower-case letters, digits and hyphens (at most "
            "100), e.g. 2017-atlanta-general.",
        ),
    ],
)
def test_bad_arguments(arguments, message):
    assert rejected(csv_text(HEADER, "Fulton,,Mayor,,,Ada Able,1"), **arguments) == message


def test_the_whole_file_is_refused_when_a_late_line_is_bad(monkeypatch):
    monkeypatch.setattr(openelections, "BATCH_LINES", 2)
    lines = [f"Fulton,P{n},Mayor,,,Ada Able,{n}" for n in range(9)] + ["Fulton,P9,Mayor,,,Ada Able,x"]
    make_result(votes=3)
    before = counts()

    message = rejected(csv_text(HEADER, *lines))

    assert (message, counts()) == ('line 11, column "votes": "x" is not a whole number', before)


@pytest.mark.parametrize("with_votes", [True, False], ids=["with-votes", "without-votes"])
def test_several_types_each_split_into_several_columns(with_votes):
    header = (
        "county,precinct,office,district,party,candidate,{}election_day_1,election_day_2,provisional,"
        "absentee_by_mail_1,absentee_by_mail_2,absentee_by_mail_3"
    )
    line = "Fulton,P1,Mayor,,,Ada Able,{}1,2,4,8,16,32"
    run(csv_text(header.format("votes," if with_votes else ""), line.format("63," if with_votes else "")))

    stored = Result.objects.values_list("votes", "election_day", "provisional", "absentee_by_mail", "advance_in_person")
    assert list(stored) == [(63, 3, 4, 56, None)]
