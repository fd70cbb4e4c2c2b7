import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from elections.enums import ElectionKind, Level
from elections.models import Candidate, Contest, Election, ImportBatch, Result
from tests.factories import make_user

DATA = Path(__file__).parent / "data"
ARGUMENTS = ["--election-name", "Atlanta Mayoral Runoff 2017", "--date", "2017-12-05", "--kind", "runoff"]

pytestmark = pytest.mark.django_db


def import_results(*arguments: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_results", *arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> list[int]:
    return [model.objects.count() for model in (Election, Contest, Candidate, Result, ImportBatch)]


def test_imports_and_ends_with_the_slug():
    out, err = import_results(str(DATA / "county_votes.csv"), *ARGUMENTS, "--level", "municipal")

    assert out.splitlines() == [
        "Imported 1 file into “Atlanta Mayoral Runoff 2017”: 4 rows read, 4 results, 1 contests (0 ballot "
        "questions), 2 candidates and choices, 2 counties, 0 rows skipped (not candidates' votes).",
        "atlanta-mayoral-runoff-2017",
    ]
    assert err == ""
    election = Election.objects.get()
    assert (election.slug, election.date, election.kind, Contest.objects.get().level) == (
        "atlanta-mayoral-runoff-2017",
        datetime.date(2017, 12, 5),
        ElectionKind.RUNOFF,
        Level.MUNICIPAL,
    )


def test_slug_seats_by_and_replace_are_passed_on():
    clerk = make_user(username="clerk")
    path = str(DATA / "county_votes.csv")
    import_results(path, *ARGUMENTS, "--slug", "atl-2017")

    out, _ = import_results(
        str(DATA / "other_spelling.csv"), *ARGUMENTS, "--slug", "atl-2017", "--seats", "2", "--by", "clerk", "--replace"
    )

    assert out.splitlines()[-1] == "atl-2017"
    assert list(Contest.objects.values_list("office", "seats", "level")) == [("Governor", 2, Level.STATE)]
    assert ImportBatch.objects.order_by("-imported_at").first().imported_by == clerk


def test_warnings_go_to_stderr(tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text("county,precinct,office,district,party,candidate,votes,notes\nFulton,,Mayor,,,Ada Able,1,x\n")

    out, err = import_results(str(path), *ARGUMENTS)

    assert (out.splitlines()[-1], err) == (
        "atlanta-mayoral-runoff-2017",
        'Warning: extra.csv, line 1: Column "notes" does not hold votes; it was ignored.\n',
    )


def test_a_progress_bar_only_on_a_terminal(monkeypatch, capsys):
    class Terminal(StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    call_command("import_results", str(DATA / "county_votes.csv"), *ARGUMENTS, stdout=out)

    bar = capsys.readouterr().err
    assert (out.getvalue().splitlines()[-1], "returns: 100%" in bar) == ("atlanta-mayoral-runoff-2017", True)


def test_a_bad_file_is_a_command_error_and_changes_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("county,precinct,office,district,party,candidate,votes\nFulton,,Mayor,,,Ada Able,12x\n")

    with pytest.raises(CommandError) as error:
        import_results(str(path), *ARGUMENTS)

    assert (str(error.value), counts()) == (
        'bad.csv, line 2, column "votes": "12x" is not a whole number; nothing was imported.',
        [0, 0, 0, 0, 0],
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("--date", "2017-12-32"),
            "Error: argument --date: “2017-12-32” is not a date; write it as YYYY-MM-DD, e.g. 2017-12-05",
        ),
        (
            ("--kind", "midterm"),
            "Error: argument --kind: invalid choice: 'midterm' (choose from 'general', 'primary', 'runoff', "
            "'primary_runoff', 'special')",
        ),
        (
            ("--seats", "0"),
            "Error: argument --seats: “0” is not a number of seats; give a whole number from 1 up",
        ),
        (
            ("--seats", "two"),
            "Error: argument --seats: “two” is not a number of seats; give a whole number from 1 up",
        ),
        (
            ("--level", "state"),
            "Error: argument --level: invalid choice: 'state' (choose from 'county', 'municipal')",
        ),
        (("--by", "nobody"), "No user “nobody”; give the username of an existing account."),
    ],
)
def test_bad_arguments(change, message):
    with pytest.raises(CommandError) as error:
        import_results(str(DATA / "county_votes.csv"), *ARGUMENTS, *change)

    assert (str(error.value), counts()) == (message, [0, 0, 0, 0, 0])


def test_a_bad_slug():
    with pytest.raises(CommandError) as error:
        import_results(str(DATA / "county_votes.csv"), *ARGUMENTS, "--slug", "Not a slug")

    assert str(error.value) == (
        "“Not a slug” cannot be the election's slug: use lower-case letters, digits and hyphens (at most 100), "
        "e.g. 2017-atlanta-general."
    )


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError) as error:
        import_results(str(tmp_path / "nowhere.csv"), *ARGUMENTS)

    assert str(error.value) == f"{tmp_path / 'nowhere.csv'}: no such file or folder."
