"""Files for several web servers (issue 13): letters, scans, uploaded returns and the imports' progress
files go through the named storages of `STORAGES` ("letters", "imports"; recounts/storage.py), never
through a path on disk, so that a bucket shared by every machine can hold them.

The tests swap in Django's `InMemoryStorage`, made to have no path at all (`path()` raises, as a
bucket's storage does): any code that still reached for a file on disk would fail here, and nothing
may appear in PRIVATE_FILES_ROOT."""

import datetime
import hashlib
import io
import json
import logging
import os
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils._os import safe_join

from recounts.enums import ImportJobStatus
from recounts.models import ImportJob, RecountRequest
from recounts.services.imports import progress_name, progress_read
from recounts.services.requests import Letter, Signature, request_file
from recounts.storage import PrivateFileStorage, replace
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    make_candidate_account,
    make_pdf_bytes,
    make_secretary_of_state_staff,
    make_superintendent_staff,
)
from tests.test_security import run_with

#: The day after Atlanta's runoff was certified: a request may be filed.
DAY_AFTER_CERTIFICATION = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
IN_MEMORY = {"BACKEND": "tests.test_storage.PathlessStorage"}
HEADER = (
    "county,precinct,office,district,party,candidate,votes,election_day_votes,advance_voting_votes,"
    "absentee_by_mail_votes,provisional_votes"
)
SENATE = [
    "Appling,1B,U.S. Senate,,DEM,Raphael Warnock,100,40,30,20,10",
    "Appling,1B,U.S. Senate,,REP,Herschel Walker,200,80,60,40,20",
]


class PathlessStorage(InMemoryStorage):
    """Files in memory, with no path on disk to reach for (the memory's own names are worked out as
    Django's `InMemoryStorage` does, without `path()`)."""

    def path(self, name: str) -> str:
        raise NotImplementedError("This storage has no files on disk.")

    def _relative_path(self, name: str) -> str:
        return os.path.relpath(safe_join(self.location, name), self.location)


@pytest.fixture
def in_memory(settings) -> dict[str, InMemoryStorage]:
    """Both named storages swapped for memory, as a deployment swaps them for a bucket."""
    settings.STORAGES = {**settings.STORAGES, "letters": IN_MEMORY, "imports": IN_MEMORY}
    return {"letters": storages["letters"], "imports": storages["imports"]}


@pytest.fixture
def private_root(settings) -> Path:
    return Path(settings.PRIVATE_FILES_ROOT)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def all_names(storage: InMemoryStorage, folder: str) -> list[str]:
    return sorted(f"{folder}/{name}" for name in storage.listdir(folder)[1])


# -- Letters ----------------------------------------------------------------------------------------


@pytest.fixture
def filed(db, time_machine, in_memory) -> RecountRequest:
    time_machine.move_to(DAY_AFTER_CERTIFICATION, tick=False)
    norwood = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    user = make_candidate_account(norwood, username="norwood")
    content = make_pdf_bytes()
    letter = Letter(
        file=SimpleUploadedFile("signed letter.pdf", content, content_type="application/pdf"),
        sha256=hashlib.sha256(content).hexdigest(),
        name="signed letter.pdf",
    )
    return request_file(candidate=norwood, by=user, signature=Signature(name="Mary Norwood"), letter=letter)


def letter_url(recount_request: RecountRequest) -> str:
    return reverse("recounts:letter", args=[recount_request.pk])


def test_a_filed_letter_is_kept_in_the_letters_storage_and_nowhere_on_disk(filed, in_memory, private_root):
    stored = in_memory["letters"]

    assert all_names(stored, "requests") == [filed.letter.name]
    assert stored.open(filed.letter.name).read() == make_pdf_bytes()
    assert in_memory["imports"].listdir("") == ([], [])
    assert not private_root.exists()
    with pytest.raises(NotImplementedError):
        filed.letter.path  # noqa: B018 (the storage has no path: nothing may rely on one)


def test_the_letter_is_streamed_from_its_storage_to_the_candidate_and_the_county(filed, db):
    norwood = filed.candidate.accounts.get()
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton", superintendent=True)

    served = []
    for user in (norwood, fulton):
        response = logged_in(user).get(letter_url(filed))
        body = b"".join(response.streaming_content)  # each read to the end before the next request
        served.append((response.status_code, response.streaming, response["Content-Disposition"], body))

    assert served == [(200, True, 'attachment; filename="2017-ATL-MAYOR-001-signed_letter.pdf"', make_pdf_bytes())] * 2


def test_a_letter_changed_in_its_storage_is_not_served(filed, in_memory, caplog):
    stored = in_memory["letters"]
    stored.delete(filed.letter.name)
    stored.save(filed.letter.name, ContentFile(make_pdf_bytes(pages=3)))

    with caplog.at_level(logging.ERROR, logger="recounts.views"):
        response = logged_in(filed.candidate.accounts.get()).get(letter_url(filed))

    assert response.status_code == 404
    assert caplog.messages == [
        f"The letter of request 2017-ATL-MAYOR-001 does not match its recorded SHA-256 {filed.letter_sha256}; "
        "not served."
    ]


def test_a_letter_missing_from_its_storage_is_404(filed, in_memory, caplog):
    in_memory["letters"].delete(filed.letter.name)

    with caplog.at_level(logging.ERROR, logger="recounts.views"):
        response = logged_in(filed.candidate.accounts.get()).get(letter_url(filed))

    assert response.status_code == 404
    assert caplog.messages == ["The letter of request 2017-ATL-MAYOR-001 is missing from the private store."]


# -- Imports ----------------------------------------------------------------------------------------


def runoff_zip() -> SimpleUploadedFile:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as written:
        written.writestr("appling.csv", "\n".join([HEADER, *SENATE, ""]))
    return SimpleUploadedFile("runoff.zip", archive.getvalue(), content_type="application/zip")


def test_returns_are_uploaded_previewed_and_imported_through_the_imports_storage(
    db, time_machine, in_memory, private_root, django_capture_on_commit_callbacks
):
    time_machine.move_to(datetime.datetime(2022, 12, 20, 10, 0, tzinfo=EASTERN), tick=False)
    client = logged_in(make_secretary_of_state_staff(username="sos"))
    details = {
        "election_name": "2022 General Runoff",
        "election_date": "2022-12-06",
        "kind": "runoff",
        "slug": "",
        "seats": "1",
        "level": "county",
    }
    uploaded = runoff_zip()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recounts:returns_import"), {**details, "upload": uploaded})
    job = ImportJob.objects.get()
    previewed = (job.status, job.error, progress_read(job).phase)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("recounts:returns_import_confirm", args=[job.pk]))
    job.refresh_from_db()
    progress = progress_read(job)
    stored = in_memory["imports"]

    assert previewed == (ImportJobStatus.PREVIEWED, "", "preview")
    assert (job.status, job.error, progress.phase, progress.done == progress.total > 0) == (
        ImportJobStatus.IMPORTED,
        "",
        "import",
        True,
    )
    assert all_names(stored, "imports") == sorted([job.upload.name, progress_name(job)])
    assert hashlib.sha256(stored.open(job.upload.name).read()).hexdigest() == job.upload_sha256
    assert in_memory["letters"].listdir("") == ([], [])
    assert not private_root.exists()


# -- Saving over a file -------------------------------------------------------------------------------


def test_replace_saves_over_a_file_in_a_storage_that_does_not_overwrite(in_memory):
    stored = in_memory["imports"]
    replace(stored, "imports/a.progress.json", ContentFile(b'{"done": 1}'))
    replace(stored, "imports/a.progress.json", ContentFile(b'{"done": 2}'))

    assert (all_names(stored, "imports"), stored.open("imports/a.progress.json").read()) == (
        ["imports/a.progress.json"],
        b'{"done": 2}',
    )


def test_the_disk_storage_saves_over_a_file_whole_and_leaves_no_temporary_file(settings, private_root):
    stored = PrivateFileStorage(allow_overwrite=True)
    replace(stored, "imports/a.progress.json", ContentFile(b'{"done": 1}'))
    replace(stored, "imports/a.progress.json", ContentFile(b'{"done": 2}'))

    assert sorted(path.name for path in (private_root / "imports").iterdir()) == ["a.progress.json"]
    assert (private_root / "imports" / "a.progress.json").read_bytes() == b'{"done": 2}'


def test_the_letters_storage_on_disk_never_saves_over_a_letter(private_root):
    stored = storages["letters"]
    first = stored.save("requests/a.pdf", ContentFile(b"first"))
    second = stored.save("requests/a.pdf", ContentFile(b"second"))

    assert (first, stored.open(first).read(), second == first, stored.open(second).read()) == (
        "requests/a.pdf",
        b"first",
        False,
        b"second",
    )
    with pytest.raises(ValueError, match="Private files have no public URL"):
        stored.url(first)


# -- Settings ---------------------------------------------------------------------------------------

PRINT_STORAGES = "import json; from config import settings as s; print(json.dumps(s.STORAGES, sort_keys=True))"


def test_by_default_both_storages_are_the_private_folder_on_this_machine():
    result = run_with({}, "-c", PRINT_STORAGES)

    assert json.loads(result.stdout) == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "letters": {"BACKEND": "recounts.storage.PrivateFileStorage"},
        "imports": {"BACKEND": "recounts.storage.PrivateFileStorage", "OPTIONS": {"allow_overwrite": True}},
    }


def test_an_s3_bucket_is_configured_from_the_environment(tmp_path):
    # A stand-in for django-storages, which is an optional extra: settings only check it is installed.
    (tmp_path / "storages").mkdir()
    (tmp_path / "storages" / "__init__.py").write_text("")
    env = {
        "PYTHONPATH": str(tmp_path),
        "RECOUNT_FILE_STORAGE": "s3",
        "RECOUNT_S3_BUCKET": "recount-desk-files",
        "RECOUNT_S3_PREFIX": "/desk/",
        "RECOUNT_S3_ENDPOINT_URL": "https://s3.example.org",
        "RECOUNT_S3_REGION": "us-east-1",
    }

    result = run_with(env, "-c", PRINT_STORAGES)

    shared = {
        "bucket_name": "recount-desk-files",
        "location": "desk",
        "endpoint_url": "https://s3.example.org",
        "region_name": "us-east-1",
        "default_acl": None,
        "querystring_auth": True,
    }
    assert json.loads(result.stdout) == {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "letters": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**shared, "file_overwrite": False}},
        "imports": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**shared, "file_overwrite": True}},
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RECOUNT_FILE_STORAGE": "s3"}, "RECOUNT_S3_BUCKET is required when RECOUNT_FILE_STORAGE is 's3'."),
        (
            {"RECOUNT_FILE_STORAGE": "s3", "RECOUNT_S3_BUCKET": "recount-desk-files"},
            "RECOUNT_FILE_STORAGE is 's3' but django-storages is not installed: pip install 'django-storages[s3]'.",
        ),
        ({"RECOUNT_FILE_STORAGE": "nfs"}, "RECOUNT_FILE_STORAGE must be 'disk' or 's3'; got 'nfs'."),
    ],
)
def test_a_storage_configuration_that_cannot_work_stops_start_up(env, message):
    # As if django-storages were not installed, whether or not it is here.
    result = run_with(env, "-c", "import sys; sys.modules['storages'] = None; import config.settings")

    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (
        1,
        f"django.core.exceptions.ImproperlyConfigured: {message}",
    )
