"""Returns imported through the browser: the upload is kept, read for a preview, and imported once
someone confirms it; the reading and the import each run as a task (Django's tasks framework: at
once in development and tests, by `manage.py db_worker` in production, settings `TASKS`).

Nothing reaches the election before the confirmation: the preview is the importer's dry run
(`elections.importers.returns.import_returns(dry_run=True)`), whose transaction is rolled back. The
import is one transaction: a refused file writes nothing. The job's own status is saved outside that
transaction, before and after it, so that its page sees it move; `import_job_move` is the one
function that changes it.

Files. The upload is kept in the "imports" storage (`recounts.storage`: this machine's disk, or a
bucket that every web server and worker shares); the task copies it to a temporary file on its own
machine to read it (a zip archive is read out of order), and removes the copy when it is done.

Progress. While the importer reads, what it has read so far is written to a small JSON file beside
the stored upload, in the same storage (`<upload>.progress.json`), saved over whole each time
(`recounts.storage.replace`), and the job's page reads it (when it is drawn, and every 2 seconds
from its script, through `progress.json`), from whichever machine answers. It is kept out of the
database because the import's transaction would hide it until the end (and on SQLite no other
connection may write while the import holds the database's lock). The time in the file is also the
task's sign of life: a job at work that has not been heard from for `STALLED_AFTER` (a worker
killed mid-import, or none running) says so on its page (`job_progress`).

On PostgreSQL the page follows the import as it runs. On SQLite with the database queue it cannot:
every request saves its session (`SESSION_SAVE_EVERY_REQUEST`), which waits for the import's write
lock, so the page answers once the import commits (or fails with "database is locked" after
SQLite's 5-second wait: the page's script then stops and offers to refresh the page). With the
immediate backend (development, tests) the tasks run inside the request and nothing waits.
"""

import datetime
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from elections.importers.returns import (
    ElectionDetails,
    ImportRejected,
    ImportReport,
    import_returns,
    sources_from_upload,
)
from elections.models import Election
from elections.services import save_with_history
from recounts.enums import ImportJobStatus, ImportLevel
from recounts.models import IMPORT_SUFFIXES, ImportJob
from recounts.services.cases import RecountError, require
from recounts.storage import replace

logger = logging.getLogger(__name__)

#: Where a job may go from each status.
IMPORT_MOVES: dict[ImportJobStatus, frozenset[ImportJobStatus]] = {
    ImportJobStatus.UPLOADED: frozenset({ImportJobStatus.PREVIEWING}),
    ImportJobStatus.PREVIEWING: frozenset({ImportJobStatus.PREVIEWED, ImportJobStatus.REFUSED, ImportJobStatus.FAILED}),
    ImportJobStatus.PREVIEWED: frozenset({ImportJobStatus.IMPORTING}),
    ImportJobStatus.REFUSED: frozenset(),
    ImportJobStatus.IMPORTING: frozenset({ImportJobStatus.IMPORTED, ImportJobStatus.FAILED}),
    ImportJobStatus.IMPORTED: frozenset(),
    ImportJobStatus.FAILED: frozenset(),
}
#: The statuses in which a task is (or is about to be) at work, and the phase of its work in each, as
#: the progress file names it: the job's page follows it.
PHASES = {
    ImportJobStatus.UPLOADED: "preview",
    ImportJobStatus.PREVIEWING: "preview",
    ImportJobStatus.IMPORTING: "import",
}
#: A job at work with no sign of its task for longer than this: the worker seems to have stopped.
STALLED_AFTER = datetime.timedelta(minutes=10)
STALLED = (
    "Nothing has moved for more than 10 minutes: the worker that reads and imports the files seems to have "
    "stopped. Ask the desk's administrator to check that manage.py db_worker is running. Nothing is written to "
    "the election unless the import finishes, so starting again with the same files is safe."
)

UNEXPECTED = (
    "The import stopped on an unexpected error, and nothing was written to the election. Try again; if it "
    "happens again, tell the desk's administrators (the error is in the server's log)."
)
READ_CHUNK = 1 << 16
#: Why a job cannot be confirmed, by its status.
NOT_CONFIRMABLE = {
    ImportJobStatus.UPLOADED: "The files are still being read: confirm once you have checked the preview.",
    ImportJobStatus.PREVIEWING: "The files are still being read: confirm once you have checked the preview.",
    ImportJobStatus.REFUSED: "The files were refused: nothing can be imported until they are fixed.",
    ImportJobStatus.IMPORTING: "These returns are being imported already.",
    ImportJobStatus.IMPORTED: "These returns are imported already.",
    ImportJobStatus.FAILED: "This import did not go through: start again with the files.",
}
#: Seconds between two writes of the progress file (the last one is always written).
PROGRESS_INTERVAL = 0.5


def import_job_move(*, job: ImportJob, to: ImportJobStatus, by: AbstractBaseUser | None, reason: str) -> ImportJob:
    """Move the job to `to` (`IMPORT_MOVES`) and save it, with the other fields set on it, in a history row
    naming who and why. Nothing else assigns a job's status."""
    current, new = ImportJobStatus(job.status), ImportJobStatus(to)
    if new not in IMPORT_MOVES[current]:
        raise RecountError(f"The import is {current.label.lower()}; it cannot become {new.label.lower()}.")
    job.status = new
    save_with_history(job, by=by, reason=reason)
    return job


# -- The upload -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A checked upload: the file, its size and SHA-256, and the name it was uploaded under."""

    file: UploadedFile
    name: str
    size: int
    sha256: str


def upload_check(upload: UploadedFile) -> Upload:
    """Accept a .zip, .csv or .xml file of at most `RETURNS_UPLOAD_MAX_BYTES`, and hash it. What is
    inside is the importer's to judge, in the preview."""
    name = os.path.basename((upload.name or "").replace("\\", "/")).strip()[-255:]
    if os.path.splitext(name)[1].lower() not in IMPORT_SUFFIXES:
        raise RecountError(
            f"“{name}” is not a .zip, .csv or .xml file: upload a zip of the counties' files, or one .csv or .xml file."
        )
    limit = settings.RETURNS_UPLOAD_MAX_BYTES
    if not upload.size:
        raise RecountError(f"“{name}” is an empty file.")
    if upload.size > limit:
        raise RecountError(f"“{name}” is {upload.size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB.")
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(READ_CHUNK), b""):
        digest.update(chunk)
    upload.seek(0)
    return Upload(file=upload, name=name, size=upload.size, sha256=digest.hexdigest())


def import_job_start(*, upload: Upload, details: ElectionDetails, replace: bool, by: AbstractBaseUser) -> ImportJob:
    """Keep the upload and the election's details as a new job, and have its files read for the
    preview (a task, once the job is saved)."""
    require(by, "returns_import", None)
    job = ImportJob(
        started_by=by,
        created_at=timezone.now(),
        election_name=details.name,
        election_date=details.date,
        election_kind=details.kind,
        election_slug=details.slug or "",
        seats=details.seats,
        level=ImportLevel.MUNICIPAL if details.municipal else ImportLevel.COUNTY,
        replace=replace,
        upload_name=upload.name,
        upload_size=upload.size,
        upload_sha256=upload.sha256,
    )
    job.upload.save(upload.name, upload.file, save=False)
    try:
        with transaction.atomic():
            save_with_history(job, by=by, reason=f"Uploaded {upload.name}")
            transaction.on_commit(partial(preview_import.enqueue, job.pk))
    except Exception:
        job.upload.delete(save=False)
        raise
    return job


def import_job_confirm(*, job: ImportJob, by: AbstractBaseUser) -> ImportJob:
    """The person confirms the preview: the import runs (a task, once the confirmation is saved).
    Only a job read without a refusal, and only once."""
    require(by, "returns_import", None)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJobStatus.PREVIEWED or job.refusals:
            raise RecountError(NOT_CONFIRMABLE.get(job.status, NOT_CONFIRMABLE[ImportJobStatus.REFUSED]))
        job.confirmed_by, job.confirmed_at = by, timezone.now()
        import_job_move(job=job, to=ImportJobStatus.IMPORTING, by=by, reason="Confirmed: import the returns")
        transaction.on_commit(partial(run_import.enqueue, job.pk))
    return job


def election_details(job: ImportJob) -> ElectionDetails:
    """The election's details as entered on the form."""
    return ElectionDetails(
        name=job.election_name,
        date=job.election_date,
        kind=job.election_kind,
        slug=job.election_slug or None,
        seats=job.seats,
        municipal=job.level == ImportLevel.MUNICIPAL,
    )


# -- The tasks ------------------------------------------------------------------------------------


@task
def preview_import(job_id: int) -> None:
    import_job_preview(job=ImportJob.objects.select_related("started_by").get(pk=job_id))


@task
def run_import(job_id: int) -> None:
    import_job_run(job=ImportJob.objects.select_related("confirmed_by").get(pk=job_id))


def _stopped(
    job: ImportJob, *, to: ImportJobStatus, by: AbstractBaseUser | None, error: str, report: ImportReport | None
) -> ImportJob:
    if report is not None:
        job.report = report.as_json()
    job.error = error
    job.finished_at = timezone.now()
    return import_job_move(job=job, to=to, by=by, reason=error)


def _read(job: ImportJob, *, phase: str, by: AbstractBaseUser | None) -> ImportReport:
    """The job's files through the import service: a dry run for the preview, the import itself
    otherwise, with its progress in the job's progress file."""
    with ProgressFile(job, phase=phase) as progress, local_copy(job) as path:
        return import_returns(
            sources=sources_from_upload(path, job.upload_name),
            details=election_details(job),
            by=by,
            replace=job.replace,
            dry_run=phase == "preview",
            progress=progress,
        )


@contextmanager
def local_copy(job: ImportJob) -> Iterator[Path]:
    """The job's upload, copied from its storage to a temporary file on this machine (with the
    upload's suffix, which tells the importer a zip archive), removed once read."""
    with tempfile.TemporaryDirectory(prefix="recount-import-") as folder:
        path = Path(folder) / f"upload{Path(job.upload.name).suffix}"
        with job.upload.storage.open(job.upload.name, "rb") as stored, path.open("wb") as copy:
            for chunk in stored.chunks(READ_CHUNK):
                copy.write(chunk)
        yield path


def import_job_preview(*, job: ImportJob) -> ImportJob:
    """Read the files as the import would, and write nothing (the importer's dry run): the report is
    the preview. A file refused, or the same files imported before, refuse the job."""
    if job.status != ImportJobStatus.UPLOADED:
        logger.warning("Import job %s is %s: its files are not read again", job.pk, job.status)
        return job
    by = job.started_by
    job = import_job_move(job=job, to=ImportJobStatus.PREVIEWING, by=by, reason="Reading the files for the preview")
    try:
        report = _read(job, phase="preview", by=by)
    except ImportRejected as rejected:
        return _stopped(job, to=ImportJobStatus.REFUSED, by=by, error=str(rejected), report=rejected.report)
    except Exception:
        logger.exception("The preview of import job %s stopped", job.pk)
        _stopped(job, to=ImportJobStatus.FAILED, by=by, error=UNEXPECTED, report=None)
        raise
    job.report = report.as_json()
    job.previewed_at = timezone.now()
    refusals = len(job.refusals)
    if refusals:
        job.error = (
            f"{'A problem was' if refusals == 1 else f'{refusals:,} problems were'} found in the files: nothing "
            "can be imported until they are fixed."
        )
        return import_job_move(job=job, to=ImportJobStatus.REFUSED, by=by, reason=job.error)
    return import_job_move(job=job, to=ImportJobStatus.PREVIEWED, by=by, reason="Read for the preview")


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Import the files into the election, all or nothing, as the person who confirmed it."""
    if job.status != ImportJobStatus.IMPORTING:
        logger.warning("Import job %s is %s: it is not imported again", job.pk, job.status)
        return job
    by = job.confirmed_by
    try:
        report = _read(job, phase="import", by=by)
    except ImportRejected as rejected:
        return _stopped(job, to=ImportJobStatus.FAILED, by=by, error=str(rejected), report=rejected.report)
    except Exception:
        logger.exception("Import job %s stopped", job.pk)
        _stopped(job, to=ImportJobStatus.FAILED, by=by, error=UNEXPECTED, report=None)
        raise
    job.report = report.as_json()
    job.election = Election.objects.filter(slug=job.report["election"]["slug"]).first()
    job.finished_at = timezone.now()
    return import_job_move(
        job=job, to=ImportJobStatus.IMPORTED, by=by, reason=f"Imported into “{job.report['election']['name']}”"
    )


# -- Progress, in a file beside the upload, in its storage -------------------------------------------


@dataclass(frozen=True)
class ImportProgress:
    """What a task has read of the files so far: in the preview ("preview") or the import ("import")."""

    phase: str
    done: int
    total: int
    updated_at: datetime.datetime

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total > 0 else 0


def progress_name(job: ImportJob) -> str:
    """The name of the job's progress file in the upload's storage."""
    return f"{job.upload.name}.progress.json"


def progress_read(job: ImportJob) -> ImportProgress | None:
    """The job's progress as last written, or None (not begun, or the file cannot be read)."""
    try:
        with job.upload.storage.open(progress_name(job), "rb") as stored:
            written = json.loads(stored.read())
        updated_at = datetime.datetime.fromisoformat(written["updated_at"])
        if timezone.is_naive(updated_at):
            raise ValueError("the progress file's time has no time zone")
        return ImportProgress(
            phase=str(written["phase"]),
            done=int(written["done"]),
            total=int(written["total"]),
            updated_at=updated_at,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class JobProgress:
    """A job at work as its page shows it: how far its task has read in the job's current phase (None:
    not begun), when the task was last heard from (the progress file's time, else when the work was
    asked for: the upload, or the confirmation), and whether that was so long ago (`STALLED_AFTER`)
    that the worker seems to have stopped."""

    phase: str
    progress: ImportProgress | None
    last_heard_at: datetime.datetime
    stalled: bool


def job_progress(*, job: ImportJob, now: datetime.datetime) -> JobProgress | None:
    """How the job's work stands at `now`, or None when no task is at work on it. A progress file
    of the other phase (the preview's, once the import is confirmed) is no news of this one."""
    phase = PHASES.get(job.status)
    if phase is None:
        return None
    progress = progress_read(job)
    if progress is not None and progress.phase != phase:
        progress = None
    asked_at = (job.confirmed_at if phase == "import" else None) or job.created_at
    last_heard_at = max(asked_at, progress.updated_at) if progress is not None else asked_at
    return JobProgress(
        phase=phase, progress=progress, last_heard_at=last_heard_at, stalled=now - last_heard_at > STALLED_AFTER
    )


class ProgressFile:
    """A `progress(done, total)` callback that writes the progress file at most every
    `PROGRESS_INTERVAL` seconds (and always the last figure); a file that cannot be written is
    logged, never a reason to stop the import."""

    def __init__(self, job: ImportJob, *, phase: str) -> None:
        self.storage = job.upload.storage
        self.name = progress_name(job)
        self.phase = phase
        self.last_written = 0.0
        self.last: tuple[int, int] | None = None

    def __enter__(self) -> "ProgressFile":
        self.write(0, 0)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.last is not None:
            self.write(*self.last)

    def __call__(self, done: int, total: int) -> None:
        self.last = (done, total)
        if done >= total or time.monotonic() - self.last_written >= PROGRESS_INTERVAL:
            self.write(done, total)

    def write(self, done: int, total: int) -> None:
        self.last_written = time.monotonic()
        written = {"phase": self.phase, "done": done, "total": total, "updated_at": timezone.now().isoformat()}
        try:
            replace(self.storage, self.name, ContentFile(json.dumps(written).encode()))
        except Exception:  # a disk's OSError, a bucket's client or network error: the import goes on
            logger.warning("Could not write the progress file %s", self.name, exc_info=True)
