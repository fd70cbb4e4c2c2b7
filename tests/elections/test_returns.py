"""Returns as they are really published, through the one import service: many files into one
election, archives and folders, ballot questions, names and parties written several ways, Clarity
XML, and Georgia's 2022 returns as published."""

import datetime
import io
import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from elections.enums import DeclaredStatus, ElectionKind, Level
from elections.importers import sources as sources_module
from elections.importers.returns import (
    ElectionDetails,
    ImportRejected,
    Source,
    gather_sources,
    import_returns,
    sources_from_upload,
)
from elections.models import Candidate, Contest, Election, ImportBatch, ImportFile, Result
from recounts.permissions import decide
from tests.factories import make_candidate_account

DATA = Path(__file__).parent / "data"
GA_2022 = Path(__file__).parents[1] / "data" / "ga-2022"
HEADER = "county,precinct,office,district,party,candidate,votes"
GENERAL = ElectionDetails(name="2022 General", date=datetime.date(2022, 11, 8), kind=ElectionKind.GENERAL)

pytestmark = pytest.mark.django_db


def source(name: str, text: str) -> Source:
    data = text.encode()
    return Source(name, lambda: io.BytesIO(data), len(data))


def lines(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Election, Contest, Candidate, Result, ImportBatch)}


def votes(office: str, election: str = "2022-general") -> dict[str, int]:
    return dict(
        Candidate.objects.filter(contest__election__slug=election, contest__office=office)
        .annotate(total=Sum("results__votes"))
        .values_list("name", "total")
    )


# -- Many files, one election --------------------------------------------------------------------


def test_a_states_county_files_are_one_election_in_one_batch():
    report = import_returns(
        sources=[
            source("appling.csv", lines("Appling,1B,U.S. Senate,,Rep,Herschel Walker,721")),
            source("fulton.csv", lines("Fulton,01A,U.S. Senate,,REP,Herschel Walker,161")),
        ],
        details=GENERAL,
    )

    contest = Contest.objects.get()
    assert (contest.office, contest.level, sorted(contest.counties.values_list("name", flat=True))) == (
        "U.S. Senate",
        Level.FEDERAL,
        ["Appling", "Fulton"],
    )
    batch = ImportBatch.objects.get()
    assert (batch.file_name, batch.row_count, batch.result_count) == ("2 files: appling.csv … fulton.csv", 2, 2)
    assert list(batch.files.values_list("name", "row_count", "result_count", "file_format")) == [
        ("appling.csv", 1, 1, "openelections_csv"),
        ("fulton.csv", 1, 1, "openelections_csv"),
    ]
    assert report.as_json()["contests"] == [
        {
            "name": "U.S. Senate",
            "level": "federal",
            "question": False,
            "counties": 2,
            "total": 882,
            "choices": [{"name": "Herschel Walker", "party": "REP", "votes": 882}],
        }
    ]
    assert (report.counties, report.as_json()["batch"]) == (["Appling", "Fulton"], batch.pk)


def test_every_refused_file_is_listed_and_nothing_is_written():
    with pytest.raises(ImportRejected) as error:
        import_returns(
            sources=[
                source("good.csv", lines("Appling,1B,Mayor,,,Ada Able,1")),
                source("bad.csv", lines("Fulton,01A,Mayor,,,Ada Able,12x")),
                source("worse.csv", "county,office,candidate,undervotes\nFulton,Mayor,Ada Able,1\n"),
            ],
            details=GENERAL,
        )

    assert counts() == dict.fromkeys(counts(), 0)
    assert str(error.value) == (
        'bad.csv, line 2, column "votes": "12x" is not a whole number (and 1 more refusal); nothing was imported.'
    )
    assert [(p.file, p.line, p.column) for p in error.value.report.refusals] == [
        ("bad.csv", 2, "votes"),
        ("worse.csv", 1, "undervotes"),
    ]


def test_a_dry_run_reports_everything_and_writes_nothing():
    report = import_returns(
        sources=[source("a.csv", lines("Appling,1B,Mayor,,,Ada Able,3", "Appling,1B,Mayor,,,Ben Baker,x"))],
        details=GENERAL,
        dry_run=True,
    )

    assert counts() == dict.fromkeys(counts(), 0)
    assert [refusal.as_json() for refusal in report.refusals] == [
        {"file": "a.csv", "line": 3, "column": "votes", "message": '"x" is not a whole number'}
    ]
    assert report.as_json()["batch"] is None


def test_the_same_file_twice_in_one_import_is_recognised_by_its_hash():
    text = lines("Appling,1B,Mayor,,,Ada Able,3")

    with pytest.raises(ImportRejected) as error:
        import_returns(sources=[source("a.csv", text), source("copy/a.csv", text)], details=GENERAL)

    assert [refusal.message for refusal in error.value.report.refusals] == [
        "the same bytes as a.csv: the same file twice"
    ]


def test_a_file_imported_before_is_recognised_by_its_hash_in_a_later_import():
    import_returns(sources=[source("a.csv", lines("Appling,1B,Mayor,,,Ada Able,3"))], details=GENERAL)

    with pytest.raises(ImportRejected) as error:
        import_returns(
            sources=[
                source("b.csv", lines("Fulton,P,Mayor,,,Ada Able,3")),
                source("renamed.csv", lines("Appling,1B,Mayor,,,Ada Able,3")),
            ],
            details=GENERAL,
            replace=True,
        )

    (refusal,) = error.value.report.refusals
    assert (refusal.file, refusal.message.split(" (")[0]) == ("renamed.csv", "this file")
    assert "already imported into this election" in refusal.message
    assert ImportFile.objects.count() == 1


# -- Folders and archives ------------------------------------------------------------------------


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_folders_and_archives_are_read_in_order_and_other_files_passed_over(tmp_path):
    folder = tmp_path / "returns"
    (folder / "b").mkdir(parents=True)
    (folder / "b" / "two.csv").write_text("x")
    (folder / "one.csv").write_text("x")
    (folder / "README.md").write_text("x")
    (folder / ".hidden.csv").write_text("x")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("detail.xml", "<ElectionResult/>")
    archive = write_zip(
        tmp_path / "state.zip",
        {"z.csv": b"x", "a.csv": b"x", "__MACOSX/._a.csv": b"x", "notes.txt": b"x", "detailxml.zip": inner.getvalue()},
    )

    found = gather_sources([folder, archive])

    assert [item.name for item in found] == [
        "returns/b/two.csv",
        "returns/one.csv",
        "state.zip/a.csv",
        "state.zip/detailxml.zip/detail.xml",
        "state.zip/z.csv",
    ]
    with found[3].open() as stream:
        assert stream.read() == b"<ElectionResult/>"


def test_an_archive_with_too_many_members_or_too_many_bytes_is_refused_before_reading(tmp_path, monkeypatch):
    archive = write_zip(tmp_path / "big.zip", {f"{n}.csv": b"0123456789" for n in range(3)})
    monkeypatch.setattr(sources_module, "MAX_MEMBERS", 2)
    with pytest.raises(ImportRejected, match=r"^big.zip holds 3 files; at most 2 can be imported at once.$"):
        gather_sources([archive])

    monkeypatch.setattr(sources_module, "MAX_MEMBERS", 10)
    monkeypatch.setattr(sources_module, "MAX_UNPACKED_BYTES", 20)
    with pytest.raises(ImportRejected, match=r"^big.zip would unpack to 0.0 GiB; at most 0 GiB"):
        gather_sources([archive])


def test_nothing_to_import_and_a_damaged_archive_are_said_plainly(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ImportRejected) as error:
        gather_sources([tmp_path])
    assert str(error.value) == (
        f"There is no file of returns to import (a .csv or .xml file, or a .zip of them); passed over: "
        f"{tmp_path.name}/notes.txt."
    )

    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(write_zip(tmp_path / "ok.zip", {"a.csv": b"x" * 100}).read_bytes()[:-30])
    with pytest.raises(ImportRejected, match=r"^damaged.zip is not a readable .zip archive"):
        sources_from_upload(damaged, "damaged.zip")


# -- How returns are written -----------------------------------------------------------------------


def test_placeholder_precincts_are_county_level_lines_and_said_so():
    report = import_returns(
        sources=[source("c.csv", lines("Fulton,not available,Mayor,,,Ada Able,3", "DeKalb,,Mayor,,,Ada Able,2"))],
        details=GENERAL,
    )

    assert sorted(Result.objects.values_list("county__name", "precinct")) == [("DeKalb", ""), ("Fulton", "")]
    assert [str(warning) for warning in report.warnings] == [
        'c.csv, line 2, column "precinct": "not available" is not a precinct\'s name; its lines are county-level '
        "figures."
    ]


def test_a_candidate_written_several_ways_is_one_candidate_and_every_fold_is_listed():
    report = import_returns(
        sources=[
            source(
                "runoff.csv",
                lines(
                    "Appling,1,U.S. Senate,,(Dem,Raphael Warnock ,10",
                    "Fulton,1,U.S. Senate,,DEM,Raphael Warnock (I) (Dem),20",
                    "Cobb,1,U.S. Senate,,,RAPHAEL WARNOCK,5",
                    "Cobb,1,U.S. Senate,,,KAREN HANDEL (REP,4",
                ),
            )
        ],
        details=GENERAL,
    )

    assert list(Candidate.objects.order_by("name").values_list("name", "party")) == [
        ("KAREN HANDEL", "REP"),
        ("Raphael Warnock", "DEM"),
    ]
    assert votes("U.S. Senate") == {"Raphael Warnock": 35, "KAREN HANDEL": 4}
    assert [str(warning) for warning in report.warnings] == [
        'runoff.csv, line 3, column "candidate": "Raphael Warnock (I) (Dem)" was read as "Raphael Warnock" '
        "(U.S. Senate).",
        'runoff.csv, line 4, column "candidate": "RAPHAEL WARNOCK" was read as "Raphael Warnock" (U.S. Senate).',
        'runoff.csv, line 5, column "candidate": "KAREN HANDEL (REP" looks damaged (an unclosed bracket); it was '
        'read as "KAREN HANDEL".',
        'column "party": The party written "(Dem", "DEM" is read as DEM.',
    ]


def test_ballot_questions_are_questions_statewide_ones_one_contest_local_ones_their_countys():
    import_returns(
        sources=[
            source(
                "general.csv",
                lines(
                    "Appling,1,Constitutional Amendment #1,,,Yes,30",
                    "Appling,1,Constitutional Amendment #1,,,No,10",
                    "Gwinnett,1,Proposed Constitutional Amendment 1/ Enmiendas Constitucionales Propuestas 1,,,"
                    "Yes / Sí,20",
                    "Gwinnett,1,Proposed Constitutional Amendment 1/ Enmiendas Constitucionales Propuestas 1,,,No,25",
                    "Gwinnett,1,SPLOST,,,Yes,9",
                    "Gwinnett,1,SPLOST,,,No,9",
                    "Gwinnett,1,U.S. Senate,,Dem,Raphael Warnock,44",
                    "Gwinnett,1,U.S. Senate,,Rep,Herschel Walker,45",
                ),
            )
        ],
        details=GENERAL,
    )

    assert sorted(
        Contest.objects.values_list("office", "level", "is_question", "home_county__name").order_by("office")
    ) == [
        ("Constitutional Amendment 1", Level.STATE, True, None),
        ("SPLOST", Level.COUNTY, True, "Gwinnett"),
        ("U.S. Senate", Level.FEDERAL, False, None),
    ]
    assert votes("Constitutional Amendment 1") == {"Yes": 50, "No": 35}
    assert set(Candidate.objects.filter(contest__is_question=True).values_list("declared_status", flat=True)) == {
        DeclaredStatus.NONE
    }


def test_eligibility_marks_questions_and_never_finds_an_eligible_choice():
    import_returns(
        sources=[
            source(
                "q.csv",
                lines("Appling,1,Statewide Referendum A,,,Yes,50", "Appling,1,Statewide Referendum A,,,No,49"),
            )
        ],
        details=GENERAL,
    )
    contest = Contest.objects.get()
    Candidate.objects.filter(name="Yes").update(declared_status=DeclaredStatus.ELECTED)  # even if someone declared one

    out = StringIO()
    call_command("eligibility", "--election", "2022-general", "--json", stdout=out)

    (shown,) = json.loads(out.getvalue())["contests"]
    assert (shown["id"], shown["question"], [choice["eligible"] for choice in shown["candidates"]]) == (
        contest.pk,
        True,
        [False, False],
    )


# -- Clarity ---------------------------------------------------------------------------------------


def test_a_clarity_statewide_file_imports_county_level_results_with_its_question():
    report = import_returns(
        sources=gather_sources([DATA / "clarity" / "ga-statewide-detail.xml"]),
        details=GENERAL,
    )

    assert report.files[0]["format"] == "clarity_xml"
    assert set(Result.objects.values_list("precinct", flat=True)) == {""}
    contests = {contest["name"]: contest for contest in report.as_json()["contests"]}
    assert contests["Constitutional Amendment 1"]["question"] is True
    assert contests["US Senate"]["question"] is False
    assert [choice["name"] for choice in contests["US Senate"]["choices"]][:2] == ["Raphael Warnock", "Herschel Walker"]
    assert Result.objects.filter(election_day__isnull=False, advance_in_person__isnull=False).count() == (
        Result.objects.count()
    )


def test_a_clarity_county_file_in_its_zip_imports_precinct_results(tmp_path):
    archive = write_zip(
        tmp_path / "detailxml.zip", {"detail.xml": (DATA / "clarity" / "fulton-detail.xml").read_bytes()}
    )

    report = import_returns(sources=sources_from_upload(archive, "detailxml.zip"), details=GENERAL)

    assert report.counties == ["Fulton"]
    assert sorted(set(Result.objects.values_list("precinct", flat=True))) == ["01A", "01B", "AP01A"]
    assert Contest.objects.get(office="Constitutional Amendment 1").is_question


def test_a_clarity_file_with_an_unknown_vote_type_is_refused_naming_it(tmp_path):
    text = (DATA / "clarity" / "fulton-detail.xml").read_text().replace("Provisional Votes", "Robot Votes", 1)

    with pytest.raises(ImportRejected) as error:
        import_returns(sources=[source("detail.xml", text)], details=GENERAL)

    (refusal,) = error.value.report.refusals
    assert (refusal.file, refusal.column, refusal.message.split(";")[0]) == (
        "detail.xml",
        "Robot Votes",
        "not a vote type the desk knows",
    )
    assert counts() == dict.fromkeys(counts(), 0)


# -- Georgia's 2022 returns, as published ------------------------------------------------------------


def import_command(path: Path, *arguments: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("import_results", str(path), *arguments, stdout=out, stderr=err)
    return out.getvalue()


def test_the_2022_general_and_runoff_import_from_their_159_files_each_with_the_known_totals():
    general = import_command(
        GA_2022 / "20221108__ga__general__precinct.zip",
        *("--election-name", "2022 General", "--date", "2022-11-08", "--kind", "general"),
    )
    runoff = import_command(
        GA_2022 / "20221206__ga__general_runoff__precinct.zip",
        *("--election-name", "2022 General Runoff", "--date", "2022-12-06", "--kind", "runoff"),
    )

    assert general.startswith("Imported 159 files into “2022 General”: 118,346 rows read")
    assert runoff.startswith("Imported 159 files into “2022 General Runoff”: 5,656 rows read")
    assert votes("U.S. Senate") == {"Raphael Warnock": 1_946_117, "Herschel Walker": 1_908_442, "Chase Oliver": 81_365}
    assert set(
        Candidate.objects.filter(contest__election__slug="2022-general", contest__office="U.S. Senate")
        .exclude(name="Chase Oliver")
        .values_list("declared_status", flat=True)
    ) == {DeclaredStatus.RUNOFF}
    assert votes("U.S. Senate", "2022-general-runoff") == {"Raphael Warnock": 1_820_633, "Herschel Walker": 1_721_244}
    senate = Contest.objects.get(election__slug="2022-general", office="U.S. Senate")
    assert senate.counties.count() == 159
    statewide_questions = Contest.objects.filter(election__slug="2022-general", is_question=True, level=Level.STATE)
    assert sorted(statewide_questions.values_list("office", flat=True)) == [
        "Constitutional Amendment 1",
        "Constitutional Amendment 2",
        "Statewide Referendum A",
        "Statewide Referendum B",
    ]
    assert all(question.counties.count() == 159 for question in statewide_questions)
    assert not Contest.objects.filter(election__slug="2022-general", office__contains="/").filter(
        level__in=[Level.FEDERAL, Level.STATE]
    )


def test_a_refused_import_from_the_command_lists_every_refusal(tmp_path):
    (tmp_path / "a.csv").write_text(lines("Fulton,1,Mayor,,,Ada Able,x"))
    (tmp_path / "b.csv").write_text(lines("Atlantis,1,Mayor,,,Ada Able,1"))
    err = StringIO()

    with pytest.raises(CommandError, match=r"\(and 1 more refusal\); nothing was imported.$"):
        call_command(
            "import_results",
            str(tmp_path),
            *("--election-name", "X", "--date", "2022-11-08", "--kind", "general"),
            stdout=StringIO(),
            stderr=err,
        )

    assert err.getvalue().splitlines() == [
        f'Refused: {tmp_path.name}/a.csv, line 2, column "votes": "x" is not a whole number',
        f'Refused: {tmp_path.name}/b.csv, line 2, column "county": "Atlantis" is not a Georgia county',
    ]


def test_no_one_files_for_a_ballot_questions_choice():
    import_returns(
        sources=[
            source(
                "q.csv", lines("Appling,1,Statewide Referendum A,,,Yes,50", "Appling,1,Statewide Referendum A,,,No,49")
            )
        ],
        details=GENERAL,
    )
    no = Candidate.objects.get(name="No")
    account = make_candidate_account(no, username="no-campaign")

    decision = decide(account, "file", no)

    assert (decision.allowed, decision.reason, decision.forbidden) == (
        False,
        "Statewide Referendum A is a ballot question: § 21-2-495(c) gives a recount to candidates, not to a "
        "question's choices.",
        False,
    )


def test_an_encrypted_member_or_one_compressed_an_unreadable_way_is_refused_before_reading(tmp_path):
    path = write_zip(tmp_path / "returns.zip", {"a.csv": b"county,office,candidate,votes\n", "README": b"x"})
    data = bytearray(path.read_bytes())
    header = data.index(b"PK\x01\x02")  # the central directory's entry for a.csv: flag bits at +8, method at +10
    encrypted, deflate64 = bytearray(data), bytearray(data)
    encrypted[header + 8] |= 0x1
    deflate64[header + 10 : header + 12] = (9).to_bytes(2, "little")
    for damaged, message in (
        (encrypted, "returns.zip/a.csv is encrypted; make the archive again without a password."),
        (
            deflate64,
            "returns.zip/a.csv is compressed in a way that cannot be read here; make the archive again with the "
            "usual method (Deflate), as any zip tool does by default.",
        ),
    ):
        path.write_bytes(damaged)
        with pytest.raises(ImportRejected) as error:
            sources_from_upload(path, "returns.zip")
        assert str(error.value) == message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<?xml version='1.0'?>\n<Results><Row/></Results>\n", "ElectionResult"),
        ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<ElectionResult/>\n', "DTD"),
    ],
)
def test_xml_that_is_not_clarity_s_is_refused_as_such(text, problem):
    with pytest.raises(ImportRejected) as error:
        import_returns(sources=[source("detail.xml", text)], details=GENERAL)

    (refusal,) = error.value.report.refusals
    assert problem in refusal.message
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path):
    named = tmp_path / "fulton-returns.txt"
    named.write_text(lines("Fulton,1,Mayor,,,Ada Able,3"))

    found = gather_sources([named])

    assert [(item.name, item.size) for item in found] == [("fulton-returns.txt", named.stat().st_size)]


def test_a_damaged_member_is_refused_by_name_and_the_others_still_read(tmp_path):
    good = lines("Appling,1,Mayor,,,Ada Able,3").encode()
    damaged = lines("Fulton,1,Mayor,,,Ada Able,4", "Fulton,2,Mayor,,,Ada Able,5").encode()
    path = tmp_path / "returns.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.csv", damaged)
        archive.writestr("b.csv", good)
    data = bytearray(path.read_bytes())
    data[data.index(b"Fulton,2")] = ord("G")  # stored as is: the member's CRC no longer matches
    path.write_bytes(data)

    with pytest.raises(ImportRejected) as error:
        import_returns(sources=sources_from_upload(path, "returns.zip"), details=GENERAL)

    assert [(p.file, p.message) for p in error.value.report.refusals] == [
        ("returns.zip/a.csv", "cannot be read: Bad CRC-32 for file 'a.csv'")
    ]
    assert counts() == dict.fromkeys(counts(), 0)
