"""Importing returns in the browser, for the Secretary of State's staff and administrators: the form
(the file and the election it is for), then one page per import that shows it as it stands (the
files being read, the preview with "check your answers" and the confirmation, the import's progress,
the result), following the task while one is at work: its script asks `progress.json` every 2
seconds, moves the bar, and reloads the page when the job's status changes (without JavaScript, the
person refreshes the page). The work is `recounts.services.imports`'."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from elections.models import Election
from recounts import permissions, queries
from recounts.enums import ImportJobStatus
from recounts.forms import ReturnsImportForm
from recounts.models import ImportJob
from recounts.services.cases import RecountError
from recounts.services.imports import (
    PHASES,
    STALLED,
    JobProgress,
    import_job_confirm,
    import_job_start,
    job_progress,
)
from recounts.views.cases import refused

#: How many earlier imports the form's page lists.
RECENT_JOBS = 10


def _may_import(request: HttpRequest) -> None:
    decision = permissions.decide(request.user, "returns_import", None)
    if not decision:
        raise PermissionDenied(decision.reason)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def returns_import(request: HttpRequest) -> HttpResponse:
    """The file and the election's details; on upload, the job's page (where the preview appears)."""
    _may_import(request)
    form = ReturnsImportForm(request.POST, request.FILES) if request.method == "POST" else ReturnsImportForm()
    if form.is_bound and form.is_valid():
        try:
            job = import_job_start(
                upload=form.cleaned_data["upload"],
                details=form.details(),
                replace=form.cleaned_data["replace"],
                by=request.user,
            )
        except RecountError as error:
            form.add_error(None, str(error))
        else:
            return redirect("recounts:returns_import_job", pk=job.pk)
    return render(
        request,
        "recounts/imports/start.html",
        {
            "form": form,
            "jobs": queries.import_jobs()[:RECENT_JOBS],
            "limit_mb": settings.RETURNS_UPLOAD_MAX_BYTES // 1_048_576,
        },
    )


def _election_page(request: HttpRequest, election: Election | None) -> str | None:
    """Where the user reads the election: its page on the desk when they may see its contests, else
    its page in the admin when they may view elections there."""
    if election is None:
        return None
    if queries.elections_visible_to(request.user).filter(pk=election.pk).exists():
        return reverse("recounts:election", args=[election.slug])
    if request.user.is_staff and request.user.has_perm("elections.view_election"):
        return reverse("admin:elections_election_change", args=[election.pk])
    return None


def _totals(report: dict | None) -> dict[str, int]:
    """What the report adds up to, for the page's summaries."""
    report = report or {}
    files = report.get("files") or []
    contests = report.get("contests") or []
    return {
        "files": len(files),
        "rows": sum(entry.get("rows") or 0 for entry in files),
        "results": sum(entry.get("results") or 0 for entry in files),
        "counties": len(report.get("counties") or []),
        "contests": sum(1 for contest in contests if not contest.get("question")),
        "questions": sum(1 for contest in contests if contest.get("question")),
        "choices": sum(len(contest.get("choices") or []) for contest in contests if not contest.get("question")),
    }


#: What the page says of each phase: while no figure is read yet, and once every byte is read.
PROGRESS_WORDS = {
    "preview": ("Waiting for the files to be read…", "preparing the preview…"),
    "import": ("Waiting for the import to start…", "saving the returns and declaring each contest's outcome…"),
}


def _progress_words(at_work: JobProgress) -> str:
    """How far the task has read, in words (the bar's label)."""
    waiting, finishing = PROGRESS_WORDS[at_work.phase]
    progress = at_work.progress
    if progress is None or progress.total <= 0:
        return waiting
    if progress.percent == 100:
        return f"All {filesizeformat(progress.total)} read; {finishing}"
    return f"{progress.percent}% read: {filesizeformat(progress.done)} of {filesizeformat(progress.total)}"


@require_safe
@login_required
def returns_import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One import, as it stands now."""
    _may_import(request)
    job = get_object_or_404(queries.import_jobs(), pk=pk)
    at_work = job_progress(job=job, now=timezone.now())
    return render(
        request,
        "recounts/imports/job.html",
        {
            "job": job,
            "statuses": ImportJobStatus,
            "at_work": at_work,
            "progress_words": _progress_words(at_work) if at_work else "",
            # The statuses this page is drawn the same for: its script reloads it on any other.
            "same_page": " ".join(status for status, phase in PHASES.items() if at_work and phase == at_work.phase),
            "stalled_words": STALLED,
            "report": job.report or {},
            "totals": _totals(job.report),
            "election_page": _election_page(request, job.election),
        },
    )


@require_safe
@login_required
@never_cache
def returns_import_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """The job's status and progress, for its page's script: what the page shows of them, as JSON."""
    _may_import(request)
    job = get_object_or_404(ImportJob, pk=pk)
    at_work = job_progress(job=job, now=timezone.now())
    progress = at_work.progress if at_work else None
    return JsonResponse(
        {
            "state": job.status,
            "done": progress.done if progress else 0,
            "total": progress.total if progress else 0,
            "percent": progress.percent if progress else 0,
            "words": _progress_words(at_work) if at_work else "",
            "stalled": bool(at_work and at_work.stalled),
            "warning": STALLED if at_work and at_work.stalled else "",
        }
    )


@require_POST
@login_required
def returns_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The person has checked the preview: import the returns."""
    back = reverse("recounts:returns_import_job", args=[pk])
    if stop := refused(request, "returns_import", None, back=back):
        return stop
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        import_job_confirm(job=job, by=request.user)
    except RecountError as error:
        messages.error(request, str(error))
    return redirect(back)
