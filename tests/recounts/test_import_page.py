"""The browser import of returns: the form and its error summary, who may use it, the preview that
writes nothing, the confirmation that imports, refused files, the same files twice, and the progress
read from its file on every reload (with the immediate task backend, and with the database queue).

The clock is pinned after the 2022 runoff; the tasks run at once (settings `TASKS`, immediate) when
the upload or the confirmation commits, or are queued where a test sets the database backend.
"""

import datetime
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from elections.importers.returns import ElectionDetails
from elections.models import Candidate, Contest, Election, ImportBatch, Result
from recounts import audit
from recounts.enums import ImportJobStatus, ImportLevel
from recounts.forms import ReturnsImportForm
from recounts.models import ImportJob
from recounts.services.imports import (
    STALLED,
    ProgressFile,
    import_job_preview,
    import_job_run,
    import_job_start,
    progress_name,
    progress_read,
    upload_check,
)
from recounts.storage import replace
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    make_candidate_account,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)

pytestmark = pytest.mark.django_db

RUNOFF_ZIP = Path(__file__).resolve().parents[1] / "data" / "ga-2022" / "20221206__ga__general_runoff__precinct.zip"
GENERAL_ZIP = RUNOFF_ZIP.with_name("20221108__ga__general__precinct.zip")
NOW = datetime.datetime(2022, 12, 20, 10, 0, tzinfo=EASTERN)
HEADER = (
    "county,precinct,office,district,party,candidate,votes,election_day_votes,advance_voting_votes,"
    "absentee_by_mail_votes,provisional_votes"
)
SENATE = [
    "Appling,1B,U.S. Senate,,DEM,Raphael Warnock,100,40,30,20,10",
    "Appling,1B,U.S. Senate,,REP,Herschel Walker,200,80,60,40,20",
    "Bacon,Alma,U.S. Senate,,DEM,Raphael Warnock,50,20,10,10,10",
    "Bacon,Alma,U.S. Senate,,REP,Herschel Walker,150,50,50,40,10",
]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def returns_csv(lines: list[str], name: str = "runoff.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join([HEADER, *lines, ""]).encode(), content_type="text/csv")


def details(**changes) -> dict:
    return {
        "election_name": "2022 General Runoff",
        "election_date": "2022-12-06",
        "kind": "runoff",
        "slug": "",
        "seats": "1",
        "level": "county",
        **changes,
    }


def text_of(response) -> str:
    """The page's text with tags dropped and white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Election, Contest, Candidate, Result, ImportBatch)}


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def sos(db, clock):
    return make_secretary_of_state_staff(username="sos", first_name="Sam", last_name="State")


@pytest.fixture
def sos_client(sos) -> Client:
    return logged_in(sos)


def upload(client: Client, file: SimpleUploadedFile, capture, **changes):
    """Post the form; the preview's task runs when the upload commits."""
    with capture(execute=True):
        return client.post(reverse("recounts:returns_import"), {**details(**changes), "upload": file})


def job_page(job: ImportJob) -> str:
    return reverse("recounts:returns_import_job", args=[job.pk])


def progress_url(job: ImportJob) -> str:
    return reverse("recounts:returns_import_progress", args=[job.pk])


def confirm_url(job: ImportJob) -> str:
    return reverse("recounts:returns_import_confirm", args=[job.pk])


# -- The form --------------------------------------------------------------------------------------


def error_links(response) -> list[tuple[str, str]]:
    summary = re.search(r'<div class="alert alert-danger error-summary".*?</div>', response.content.decode(), re.S)
    return [(href, unescape(text)) for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', summary[0])]


def test_an_empty_form_lists_every_problem_at_the_top_each_linking_to_its_field(sos_client):
    response = sos_client.post(reverse("recounts:returns_import"), {})

    assert response.status_code == 200
    links = error_links(response)
    assert links == [
        ("#id_upload", "Choose the file of returns to upload."),
        ("#id_election_name", "Enter the election's name."),
        ("#id_election_date", "Enter the election day."),
        ("#id_kind", "Choose the kind of election."),
        ("#id_seats", "Enter the number of seats in each contest, 1 unless they fill several."),
        ("#id_level_0", "Choose whether the local offices are county or municipal offices."),
    ]
    page = response.content.decode()
    assert [anchor for anchor, _ in links if f'id="{anchor[1:]}"' not in page] == []
    assert "<title>Error: Import returns · Recount Desk</title>" in page
    assert ImportJob.objects.count() == 0


def test_a_file_of_another_kind_and_a_bad_short_name_are_refused_on_the_form(sos_client):
    letter = SimpleUploadedFile("letter.pdf", b"%PDF-1.4 not returns", content_type="application/pdf")
    response = sos_client.post(reverse("recounts:returns_import"), {**details(slug="Runoff 2022"), "upload": letter})

    assert error_links(response) == [
        (
            "#id_upload",
            "“letter.pdf” is not a .zip, .csv or .xml file: upload a zip of the counties' files, or one .csv or .xml "
            "file.",
        ),
        ("#id_slug", "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    ]
    assert ImportJob.objects.count() == 0


def test_a_file_that_was_fine_is_asked_for_again_when_another_field_has_a_problem(sos_client):
    response = sos_client.post(
        reverse("recounts:returns_import"), {**details(election_name=""), "upload": returns_csv(SENATE)}
    )

    assert error_links(response) == [
        ("#id_upload", "Choose the file again: it has to be chosen again after a problem."),
        ("#id_election_name", "Enter the election's name."),
    ]
    assert ImportJob.objects.count() == 0


def test_the_form_states_its_limit_and_gives_the_importer_its_details(settings, sos):
    settings.RETURNS_UPLOAD_MAX_BYTES = 5 * 1_048_576
    form = ReturnsImportForm(
        details(slug="ga-runoff-2022", seats="2", level="municipal"), {"upload": returns_csv(SENATE)}
    )

    assert form.is_valid(), form.errors
    assert form.fields["upload"].help_text == (
        "A .zip of the counties' .csv or .xml files, or one .csv or .xml file; at most 5 MB."
    )
    assert form.details() == form.details().__class__(
        name="2022 General Runoff",
        date=datetime.date(2022, 12, 6),
        kind="runoff",
        slug="ga-runoff-2022",
        seats=2,
        municipal=True,
    )
    assert form.cleaned_data["upload"].sha256 == hashlib.sha256(("\n".join([HEADER, *SENATE, ""])).encode()).hexdigest()


def test_a_file_over_the_limit_is_refused_with_the_limit(settings, sos):
    settings.RETURNS_UPLOAD_MAX_BYTES = 1_048_576
    big = SimpleUploadedFile("big.csv", b"x" * (1_048_576 + 1), content_type="text/csv")
    form = ReturnsImportForm(details(), {"upload": big})

    assert form.errors == {"upload": ["“big.csv” is 1.0 MB; the limit is 1 MB."]}


# -- Who may ---------------------------------------------------------------------------------------


@pytest.fixture
def others(db, clock) -> dict[str, Client]:
    atlanta = build_atlanta_runoff()
    return {
        "county staff": logged_in(make_superintendent_staff(username="fulton-clerk", county_name="Fulton")),
        "superintendent": logged_in(
            make_superintendent_staff(username="fulton-super", county_name="Fulton", superintendent=True)
        ),
        "candidate": logged_in(make_candidate_account(atlanta.candidates.get(name="Mary Norwood"), username="mn")),
    }


def test_the_secretary_of_state_s_staff_and_administrators_may_import_and_no_one_else(sos_client, others, capture):
    admin = logged_in(make_user(username="admin", is_staff=True, is_superuser=True))
    upload(sos_client, returns_csv(SENATE), capture)
    job = ImportJob.objects.get()
    pages = [reverse("recounts:returns_import"), job_page(job), progress_url(job)]

    answers = {
        who: [client.get(page).status_code for page in pages] + [client.post(confirm_url(job)).status_code]
        for who, client in {"secretary of state": sos_client, "administrator": admin, **others}.items()
    }
    assert answers == {
        "secretary of state": [200, 200, 200, 302],
        "administrator": [200, 200, 200, 302],
        "county staff": [403, 403, 403, 403],
        "superintendent": [403, 403, 403, 403],
        "candidate": [403, 403, 403, 403],
    }
    assert [Client().get(page).url for page in pages] == [f"{reverse('login')}?next={page}" for page in pages]
    assert Client().post(confirm_url(job)).status_code == 302  # to the login page


def test_the_menu_offers_the_page_to_those_who_may_import(sos_client, others):
    link = f'href="{reverse("recounts:returns_import")}"'
    offered = {
        who: link in client.get(reverse("recounts:notices")).content.decode()
        for who, client in {"secretary of state": sos_client, **others}.items()
    }
    assert offered == {"secretary of state": True, "county staff": False, "superintendent": False, "candidate": False}


def test_the_wrong_method_is_refused(sos_client, capture):
    upload(sos_client, returns_csv(SENATE), capture)
    job = ImportJob.objects.get()
    answers = [
        sos_client.put(reverse("recounts:returns_import")).status_code,
        sos_client.post(job_page(job)).status_code,
        sos_client.get(confirm_url(job)).status_code,
        sos_client.post(progress_url(job)).status_code,
    ]
    assert answers == [405, 405, 405, 405]


# -- Preview, confirmation, refusals ---------------------------------------------------------------


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_the_preview_shows_what_the_files_hold_and_writes_nothing(sos_client, sos, capture):
    before = counts()
    response = upload(sos_client, returns_csv(SENATE), capture)

    job = ImportJob.objects.get()
    assert response.url == job_page(job)
    assert counts() == before
    assert (job.status, job.upload_name, job.upload_size, job.started_by, job.election) == (
        ImportJobStatus.PREVIEWED,
        "runoff.csv",
        len("\n".join([HEADER, *SENATE, ""])),
        sos,
        None,
    )
    assert job.report["batch"] is None
    assert [(c["name"], c["total"], [(x["name"], x["party"], x["votes"]) for x in c["choices"]]) for c in
            job.report["contests"]] == [
        ("U.S. Senate", 500, [("Herschel Walker", "REP", 350), ("Raphael Warnock", "DEM", 150)])
    ]  # fmt: skip
    page = sos_client.get(job_page(job))
    text = text_of(page)
    assert "Check the returns before you import them" in text
    assert "Check your answers" in text
    assert "Election name 2022 General Runoff Election day Tuesday, December 6, 2022 Kind of election Runoff" in text
    assert "Herschel Walker REP 350" in text
    assert "Raphael Warnock DEM 150" in text
    assert "Total 500" in text
    assert "2 counties" in text
    assert "Appling, Bacon" in text
    assert f'action="{confirm_url(job)}"' in page.content.decode()
    assert '<meta http-equiv="refresh"' not in page.content.decode()
    history = [(row.history_user, row.history_change_reason, row.status) for row in job.history.order_by("history_id")]
    assert history == [
        (sos, "Uploaded runoff.csv", ImportJobStatus.UPLOADED),
        (sos, "Reading the files for the preview", ImportJobStatus.PREVIEWING),
        (sos, "Read for the preview", ImportJobStatus.PREVIEWED),
    ]


def test_the_upload_is_kept_privately_under_a_name_no_one_can_guess(sos_client, capture, settings):
    upload(sos_client, returns_csv(SENATE), capture)
    job = ImportJob.objects.get()

    assert re.fullmatch(r"imports/[0-9a-f]{32}\.csv", job.upload.name)
    stored = Path(job.upload.path)
    assert stored.parent == Path(settings.PRIVATE_FILES_ROOT) / "imports"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == job.upload_sha256


def test_confirming_imports_the_runoff_s_159_files_and_links_the_election(sos_client, sos, capture):
    zipped = SimpleUploadedFile(RUNOFF_ZIP.name, RUNOFF_ZIP.read_bytes(), content_type="application/zip")
    upload(sos_client, zipped, capture, election_name="2022 General Runoff", slug="2022-general-runoff")
    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.PREVIEWED, job.error
    assert (len(job.report["files"]), len(job.report["counties"]), job.report["refusals"]) == (159, 159, [])
    assert Result.objects.count() == 0

    with capture(execute=True):
        response = sos_client.post(confirm_url(job))

    assert response.url == job_page(job)
    job.refresh_from_db()
    election = Election.objects.get(slug="2022-general-runoff")
    assert (job.status, job.election, job.confirmed_by, job.error) == (ImportJobStatus.IMPORTED, election, sos, "")
    assert job.report["batch"] == ImportBatch.objects.get(election=election).pk
    senate = next(contest for contest in job.report["contests"] if contest["name"] == "U.S. Senate")
    assert [(choice["name"], choice["votes"]) for choice in senate["choices"]] == [
        ("Raphael Warnock", 1_820_633),
        ("Herschel Walker", 1_721_244),
    ]
    assert Result.objects.filter(candidate__contest__election=election).count() == sum(
        entry["results"] for entry in job.report["files"]
    )
    page = sos_client.get(job_page(job))
    text = text_of(page)
    assert "Returns imported" in text
    assert "Raphael Warnock DEM 1,820,633" in text
    assert f'href="{reverse("recounts:election", args=[election.slug])}"' in page.content.decode()
    assert sos_client.get(reverse("recounts:election", args=[election.slug])).status_code == 200
    assert [row.history_change_reason for row in job.history.order_by("history_id")][-2:] == [
        "Confirmed: import the returns",
        "Imported into “2022 General Runoff”",
    ]

    assert audit.trail_verify().mismatch is None  # the job's history rows are chained like every other

    again = sos_client.post(confirm_url(job), follow=True)
    assert [str(message) for message in again.context["messages"]] == ["These returns are imported already."]
    assert ImportBatch.objects.count() == 1


def test_the_general_s_159_files_import_from_the_page_with_the_known_senate_totals(sos_client, capture):
    zipped = SimpleUploadedFile(GENERAL_ZIP.name, GENERAL_ZIP.read_bytes(), content_type="application/zip")
    upload(
        sos_client,
        zipped,
        capture,
        election_name="2022 General",
        slug="2022-general",
        election_date="2022-11-08",
        kind="general",
    )
    job = ImportJob.objects.get()
    assert (job.status, job.report["refusals"], len(job.report["files"])) == (ImportJobStatus.PREVIEWED, [], 159)

    with capture(execute=True):
        sos_client.post(confirm_url(job))

    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTED, job.error
    senate = next(contest for contest in job.report["contests"] if contest["name"] == "U.S. Senate")
    assert [(choice["name"], choice["party"], choice["votes"]) for choice in senate["choices"]] == [
        ("Raphael Warnock", "DEM", 1_946_117),
        ("Herschel Walker", "REP", 1_908_442),
        ("Chase Oliver", "LIB", 81_365),
    ]
    assert set(
        Candidate.objects.filter(contest__election__slug="2022-general", contest__office="U.S. Senate")
        .exclude(name="Chase Oliver")
        .values_list("declared_status", flat=True)
    ) == {"runoff"}
    questions = [
        contest["name"] for contest in job.report["contests"] if contest["question"] and contest["level"] == "state"
    ]
    assert sorted(questions) == [
        "Constitutional Amendment 1",
        "Constitutional Amendment 2",
        "Statewide Referendum A",
        "Statewide Referendum B",
    ]


def test_an_administrator_is_sent_to_the_election_in_the_admin(capture, clock):
    admin = make_user(username="admin", is_staff=True, is_superuser=True)
    client = logged_in(admin)
    upload(client, returns_csv(SENATE), capture)
    job = ImportJob.objects.get()
    with capture(execute=True):
        client.post(confirm_url(job))
    job.refresh_from_db()

    page = client.get(job_page(job)).content.decode()
    assert f'href="{reverse("admin:elections_election_change", args=[job.election.pk])}"' in page


def test_a_refused_file_shows_each_refusal_where_it_is_and_offers_no_confirmation(sos_client, capture):
    lines = [SENATE[0], "Appling,1B,U.S. Senate,,REP,Herschel Walker,many,80,60,40,20", SENATE[2], SENATE[3]]
    before = counts()
    upload(sos_client, returns_csv(lines, name="appling.csv"), capture)

    job = ImportJob.objects.get()
    assert job.status == ImportJobStatus.REFUSED
    assert job.refusals == [
        {"file": "appling.csv", "line": 3, "column": "votes", "message": '"many" is not a whole number'}
    ]
    page = sos_client.get(job_page(job))
    text = text_of(page)
    assert "These files cannot be imported" in text
    assert "Nothing was written to the election." in text
    assert 'File Line Column Problem appling.csv 3 votes "many" is not a whole number' in text
    assert f'action="{confirm_url(job)}"' not in page.content.decode()
    assert f'href="{reverse("recounts:returns_import")}"' in page.content.decode()

    refused = sos_client.post(confirm_url(job), follow=True)
    assert [str(message) for message in refused.context["messages"]] == [
        "The files were refused: nothing can be imported until they are fixed."
    ]
    assert counts() == before


def test_the_same_file_twice_is_recognised_by_its_hash(sos_client, capture):
    upload(sos_client, returns_csv(SENATE), capture)
    first = ImportJob.objects.get()
    with capture(execute=True):
        sos_client.post(confirm_url(first))
    first.refresh_from_db()
    assert first.status == ImportJobStatus.IMPORTED

    upload(sos_client, returns_csv(SENATE), capture, replace="on")
    second = ImportJob.objects.exclude(pk=first.pk).get()

    assert second.status == ImportJobStatus.REFUSED
    (refusal,) = second.refusals
    assert (refusal["file"], refusal["line"], refusal["column"]) == ("runoff.csv", None, None)
    assert refusal["message"].startswith(f"this file (SHA-256 {first.upload_sha256[:12]}…) was already imported")
    text = text_of(sos_client.get(job_page(second)))
    assert f"runoff.csv — — {refusal['message']}" in text
    assert ImportBatch.objects.count() == 1


def test_an_election_refused_before_reading_shows_the_importer_s_message(sos_client, capture):
    upload(sos_client, returns_csv(SENATE), capture)
    with capture(execute=True):
        sos_client.post(confirm_url(ImportJob.objects.get()))

    upload(sos_client, returns_csv(SENATE[:2]), capture, election_date="2022-12-07")
    job = ImportJob.objects.order_by("pk").last()

    assert (job.status, job.report) == (ImportJobStatus.REFUSED, None)
    assert job.error
    assert job.error in text_of(sos_client.get(job_page(job)))


# -- Progress -------------------------------------------------------------------------------------


def queued_job(client: Client, capture, settings) -> ImportJob:
    """A job uploaded with the database queue: its preview task is queued, not run."""
    settings.TASKS = DB_TASKS
    upload(client, returns_csv(SENATE), capture)
    return ImportJob.objects.get()


def test_a_job_waiting_for_the_worker_is_queued_and_its_page_follows_it(sos_client, capture, settings):
    job = queued_job(sos_client, capture, settings)

    assert job.status == ImportJobStatus.UPLOADED
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        ("recounts.services.imports.preview_import", {"args": [job.pk], "kwargs": {}})
    ]
    page = sos_client.get(job_page(job)).content.decode()
    assert '<meta http-equiv="refresh"' not in page
    assert f'data-import-progress="{progress_url(job)}" data-same-page="uploaded previewing"' in page
    assert '<script src="/static/js/import_progress.js" defer></script>' in page
    assert '<p id="import-progress-words" aria-live="polite">Waiting for the files to be read…</p>' in page
    # Without JavaScript, the page is refreshed by hand.
    assert f'<a href="{job_page(job)}">Refresh this page</a> to see how far it has got.' in page


def test_the_progress_file_is_read_again_on_every_reload(sos_client, capture, settings):
    job = queued_job(sos_client, capture, settings)
    with ProgressFile(job, phase="preview") as progress:
        progress.write(50, 200)
        first = text_of(sos_client.get(job_page(job)))
        progress(200, 200)  # the last figure is always written
        second = sos_client.get(job_page(job)).content.decode()

    assert "25% read: 50 bytes of 200 bytes" in first
    assert 'value="100"' in second
    assert "All 200 bytes read; preparing the preview…" in text_of(sos_client.get(job_page(job)))
    assert sorted(path.name for path in (Path(settings.PRIVATE_FILES_ROOT) / "imports").iterdir()) == sorted(
        [Path(job.upload.name).name, Path(progress_name(job)).name]
    )  # the temporary file was renamed over it


def test_the_page_s_script_reads_the_same_progress_as_json_never_cached(sos_client, capture, settings):
    job = queued_job(sos_client, capture, settings)
    waiting = sos_client.get(progress_url(job))
    with ProgressFile(job, phase="preview") as progress:
        progress.write(50, 200)
        reading = sos_client.get(progress_url(job)).json()
        progress.write(200, 200)
        read = sos_client.get(progress_url(job)).json()

    assert waiting["Content-Type"] == "application/json"
    assert "no-cache" in waiting["Cache-Control"]
    assert waiting.json() == {
        "state": "uploaded",
        "done": 0,
        "total": 0,
        "percent": 0,
        "words": "Waiting for the files to be read…",
        "stalled": False,
        "warning": "",
    }
    assert [(answer["done"], answer["total"], answer["percent"], answer["words"]) for answer in (reading, read)] == [
        (50, 200, 25, "25% read: 50\xa0bytes of 200\xa0bytes"),
        (200, 200, 100, "All 200\xa0bytes read; preparing the preview…"),
    ]


def stalled_warning(client: Client, job: ImportJob) -> tuple[bool, bool]:
    """Whether the job's page (in its notice, not in the copy its script keeps), and its JSON, say that
    the worker seems to have stopped."""
    page = client.get(job_page(job)).content.decode()
    (notice,) = re.findall(r'<div data-import-notice aria-live="polite">(.*?)</div>\s*<template', page, re.S)
    answer = client.get(progress_url(job)).json()
    assert answer["warning"] == (STALLED if answer["stalled"] else "")
    said = " ".join(unescape(re.sub(r"<[^>]+>", " ", notice)).split())
    assert said in ("", f"The work seems to have stopped {STALLED} Start again with the same files")
    return (bool(said), answer["stalled"])


def test_a_job_no_worker_has_taken_for_over_ten_minutes_says_the_worker_seems_stopped(
    sos_client, capture, settings, clock
):
    job = queued_job(sos_client, capture, settings)  # at NOW, and no worker takes it
    seen = {}
    for minutes in (0, 10):
        clock.move_to(NOW + datetime.timedelta(minutes=minutes), tick=False)
        seen[minutes] = stalled_warning(sos_client, job)
    clock.move_to(NOW + datetime.timedelta(minutes=10, seconds=1), tick=False)
    seen["10:01"] = stalled_warning(sos_client, job)

    assert seen == {0: (False, False), 10: (False, False), "10:01": (True, True)}
    page = sos_client.get(job_page(job)).content.decode()
    assert "Ask the desk's administrator to check that manage.py db_worker is running." in STALLED
    assert (
        f'<a class="alert-link" href="{reverse("recounts:returns_import")}">Start again with the same files</a>' in page
    )


def test_an_import_whose_progress_stopped_for_over_ten_minutes_says_the_worker_seems_stopped(
    sos_client, capture, settings, clock
):
    """A worker killed mid-import: the job stays "importing", and its progress file stops moving. The
    preview's progress file, older, is no news of the import: the import is heard from once confirmed."""
    job = queued_job(sos_client, capture, settings)
    import_job_preview(job=ImportJob.objects.get(pk=job.pk))  # at NOW: the preview's progress file
    clock.move_to(NOW + datetime.timedelta(minutes=30), tick=False)
    with capture(execute=True):
        sos_client.post(confirm_url(job))  # the import is queued
    seen = {"confirmed": stalled_warning(sos_client, job)}
    assert "Waiting for the import to start…" in text_of(sos_client.get(job_page(job)))

    clock.move_to(NOW + datetime.timedelta(minutes=35), tick=False)
    ProgressFile(ImportJob.objects.get(pk=job.pk), phase="import").write(100, 400)  # the worker, then killed
    clock.move_to(NOW + datetime.timedelta(minutes=45), tick=False)
    seen["10 minutes after"] = stalled_warning(sos_client, job)
    clock.move_to(NOW + datetime.timedelta(minutes=45, seconds=1), tick=False)
    seen["a second more"] = stalled_warning(sos_client, job)

    assert seen == {"confirmed": (False, False), "10 minutes after": (False, False), "a second more": (True, True)}
    job.refresh_from_db()
    assert job.status == ImportJobStatus.IMPORTING
    assert "25% read: 100 bytes of 400 bytes" in text_of(sos_client.get(job_page(job)))


def test_progress_is_written_at_most_every_half_second_and_always_at_the_end(sos, capture, settings, monkeypatch):
    job = queued_job(logged_in(sos), capture, settings)
    now = [100.0]
    monkeypatch.setattr("recounts.services.imports.time.monotonic", lambda: now[0])
    with ProgressFile(job, phase="import") as progress:
        progress(10, 100)
        now[0] += 0.1
        progress(20, 100)
        seen = progress_read(job)
        now[0] += 0.5
        progress(30, 100)
        later = progress_read(job)
        progress(40, 100)
    end = progress_read(job)

    assert [(seen.done, seen.phase), (later.done, later.phase), (end.done, end.total)] == [
        (0, "import"),
        (30, "import"),
        (40, 100),
    ]


def test_a_progress_file_that_cannot_be_read_shows_no_figure(sos_client, capture, settings):
    job = queued_job(sos_client, capture, settings)
    replace(job.upload.storage, progress_name(job), ContentFile(b"{not json"))

    assert progress_read(job) is None
    assert sos_client.get(job_page(job)).status_code == 200


def test_an_import_run_by_the_worker_shows_its_progress_while_it_runs(sos_client, sos, capture, settings):
    job = queued_job(sos_client, capture, settings)
    import_job_preview(job=ImportJob.objects.get(pk=job.pk))  # what the worker does with the first task
    with capture(execute=True):
        sos_client.post(confirm_url(job))

    job.refresh_from_db()
    assert (job.status, job.confirmed_by) == (ImportJobStatus.IMPORTING, sos)
    assert list(DBTaskResult.objects.order_by("enqueued_at").values_list("task_path", flat=True)) == [
        "recounts.services.imports.preview_import",
        "recounts.services.imports.run_import",
    ]
    waiting = text_of(sos_client.get(job_page(job)))
    assert "Importing the returns" in waiting
    assert "Waiting for the import to start…" in waiting

    replace(
        job.upload.storage,
        progress_name(job),
        ContentFile(json.dumps({"phase": "import", "done": 300, "total": 400, "updated_at": NOW.isoformat()})),
    )
    page = sos_client.get(job_page(job))
    assert 'value="75"' in page.content.decode()
    assert 'data-same-page="importing"' in page.content.decode()
    assert "75% read: 300 bytes of 400 bytes" in text_of(page)
    assert sos_client.get(progress_url(job)).json() == {
        "state": "importing",
        "done": 300,
        "total": 400,
        "percent": 75,
        "words": "75% read: 300\xa0bytes of 400\xa0bytes",
        "stalled": False,
        "warning": "",
    }

    import_job_run(job=ImportJob.objects.get(pk=job.pk))  # the second task
    import_job_run(job=ImportJob.objects.get(pk=job.pk))  # the same task again (a worker's retry): nothing
    job.refresh_from_db()
    assert (job.status, ImportBatch.objects.count()) == (ImportJobStatus.IMPORTED, 1)
    assert "data-import-progress" not in sos_client.get(job_page(job)).content.decode()
    assert sos_client.get(progress_url(job)).json() == {
        "state": "imported",
        "done": 0,
        "total": 0,
        "percent": 0,
        "words": "",
        "stalled": False,
        "warning": "",
    }


def test_the_level_and_seats_entered_reach_the_importer(sos_client, capture):
    upload(sos_client, returns_csv(SENATE), capture, seats="2", level="municipal", slug="runoff-2022")
    job = ImportJob.objects.get()

    assert (job.seats, job.level, job.election_slug, job.report["election"]["slug"]) == (
        2,
        ImportLevel.MUNICIPAL,
        "runoff-2022",
        "runoff-2022",
    )


def test_the_form_lists_recent_imports_in_the_same_queries_for_one_and_for_many(sos_client, sos):
    def start() -> ImportJob:
        return import_job_start(
            upload=upload_check(returns_csv(SENATE)),
            details=ElectionDetails(name="2022 General Runoff", date=datetime.date(2022, 12, 6), kind="runoff"),
            replace=False,
            by=sos,
        )

    start()
    with CaptureQueriesContext(connection) as one:
        assert sos_client.get(reverse("recounts:returns_import")).status_code == 200
    jobs = [start() for _ in range(4)]
    with CaptureQueriesContext(connection) as five:
        page = sos_client.get(reverse("recounts:returns_import")).content.decode()

    assert len(five) == len(one)
    assert [job.pk for job in jobs if f'href="{job_page(job)}"' in page] == [job.pk for job in jobs]


# -- The admin -------------------------------------------------------------------------------------


def test_the_admin_shows_the_imports_read_only_to_those_who_may_import(capture, clock):
    clients = {
        "secretary of state": logged_in(make_secretary_of_state_staff(username="sos", is_staff=True)),
        "administrator": logged_in(make_user(username="admin", is_staff=True, is_superuser=True)),
        "county staff": logged_in(make_superintendent_staff(username="clerk", county_name="Fulton", is_staff=True)),
    }
    upload(clients["secretary of state"], returns_csv(SENATE), capture)
    job = ImportJob.objects.get()
    listed = reverse("admin:recounts_importjob_changelist")
    shown = reverse("admin:recounts_importjob_change", args=[job.pk])
    refused = [
        reverse("admin:recounts_importjob_add"),
        reverse("admin:recounts_importjob_delete", args=[job.pk]),
    ]

    answers = {
        who: [client.get(url).status_code for url in [listed, shown, *refused]] for who, client in clients.items()
    }
    assert answers == {
        "secretary of state": [200, 200, 403, 403],
        "administrator": [200, 200, 403, 403],
        "county staff": [403, 403, 403, 403],
    }
    page = clients["secretary of state"].get(listed)
    assert "Created at Started by File Election Status" in text_of(page)
    assert "Dec. 20, 2022, 10 a.m. sos runoff.csv 2022 General Runoff Read: waiting for confirmation" in text_of(page)
    one = clients["secretary of state"].get(shown).content.decode()
    assert f'<a href="{job_page(job)}">runoff.csv</a>' in one
    assert 'name="_save"' not in one
    changed = clients["secretary of state"].post(shown, {"election_name": "Another"})
    assert changed.status_code == 403
    assert ImportJob.objects.get().election_name == "2022 General Runoff"
