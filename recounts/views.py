"""The candidate's pages, the written request, and the receiving authority's inbox.

Thin: each view reads through `recounts.queries` (which also decides who sees what), binds a form,
calls one service, then sends a message and redirects, or renders.
"""

import hashlib
import io
import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from elections.models import Candidate
from recounts import queries, roles
from recounts.documents import request_receipt_pdf
from recounts.enums import RequestChannel
from recounts.forms import InviteForm, RequestFileForm, RequestRecordForm, WithdrawForm
from recounts.models import RecountRequest
from recounts.services import (
    WITHDRAWABLE,
    DuplicateRequest,
    RecountError,
    candidate_invite,
    request_file,
    request_record_received,
    request_withdraw,
)

logger = logging.getLogger(__name__)


def _file_name(text: str, suffix: str) -> str:
    """A download name made only of letters, digits, dots, dashes and underscores."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "document"
    return f"{stem[:100]}{suffix}"


def set_password_link(request: HttpRequest, user: AbstractBaseUser) -> str:
    """The absolute one-time link to set the account's password (Django's password-reset token)."""
    path = reverse(
        "password_set", args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]
    )
    return request.build_absolute_uri(path)


def _visible_request(request: HttpRequest, pk: int) -> RecountRequest:
    return get_object_or_404(
        queries.requests_visible_to(request.user).select_related(
            "contest__election", "contest__home_county", "candidate", "filed_by"
        ),
        pk=pk,
    )


@require_safe
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a login lands: staff on the elections, a candidate on their contests, an administrator
    with no other role on the admin."""
    if roles.is_staff_of_an_authority(request.user):
        return redirect("elections:list")
    if queries.has_candidacies(request.user):
        return redirect("recounts:mine")
    if request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("This account has no role in the recount desk yet.")


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    candidacies = queries.candidacies_for(request.user, now=timezone.now())
    if not candidacies:
        raise PermissionDenied("This page is for candidates.")
    return render(request, "recounts/mine.html", {"candidacies": candidacies})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def file_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The written request, filed online by the candidate's account."""
    now = timezone.now()
    candidacy = next(iter(queries.candidacies_for(request.user, now=now, candidate_id=pk)), None)
    if candidacy is None:
        raise Http404("No such candidacy on this account.")
    form = RequestFileForm(request.POST, request.FILES) if request.method == "POST" else RequestFileForm()
    if form.is_bound and form.is_valid():
        try:
            filed = request_file(
                candidate=candidacy.candidate,
                by=request.user,
                signature=form.signed(),
                statement=form.cleaned_data["statement"],
                letter=form.cleaned_data["letter"],
            )
        except DuplicateRequest as duplicate:
            messages.info(request, str(duplicate))
            return redirect("recounts:request", pk=duplicate.existing.pk)
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Your written request was recorded: receipt {filed.receipt_number}.")
            return redirect("recounts:request", pk=filed.pk)
    return render(request, "recounts/file.html", {"candidacy": candidacy, "form": form})


@require_safe
@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recount_request = _visible_request(request, pk)
    return render(
        request,
        "recounts/request_detail.html",
        {
            "recount_request": recount_request,
            "authorities": recount_request.authorities.select_related("jurisdiction").order_by("pk"),
            "timeline": queries.request_timeline(recount_request),
            "may_withdraw": recount_request.status in WITHDRAWABLE
            and roles.is_candidate_account(request.user, recount_request.candidate),
            "withdraw_form": WithdrawForm(),
        },
    )


@require_safe
@login_required
def receipt(request: HttpRequest, pk: int) -> FileResponse:
    recount_request = _visible_request(request, pk)
    return FileResponse(
        io.BytesIO(request_receipt_pdf(recount_request)),
        as_attachment=True,
        filename=_file_name(recount_request.receipt_number, ".pdf"),
        content_type="application/pdf",
    )


@require_safe
@login_required
def letter(request: HttpRequest, pk: int) -> FileResponse:
    """The signed letter or the scan, as it was filed: refused if it is not the file whose SHA-256
    was recorded."""
    recount_request = _visible_request(request, pk)
    if not recount_request.letter:
        raise Http404("This request has no letter.")
    try:
        with recount_request.letter.open("rb") as stored:
            content = stored.read()
    except OSError:
        logger.exception("The letter of request %s is missing from the private store.", recount_request.receipt_number)
        raise Http404("The letter cannot be found.") from None
    if hashlib.sha256(content).hexdigest() != recount_request.letter_sha256:
        logger.error(
            "The letter of request %s does not match its recorded SHA-256 %s; not served.",
            recount_request.receipt_number,
            recount_request.letter_sha256,
        )
        raise Http404("The letter cannot be served.")
    return FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=_file_name(
            f"{recount_request.receipt_number}-{recount_request.letter_name}".removesuffix(".pdf"), ".pdf"
        ),
        content_type="application/pdf",
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    recount_request = _visible_request(request, pk)
    if not roles.is_candidate_account(request.user, recount_request.candidate):
        raise PermissionDenied("Only the candidate can withdraw the request.")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reason is too long (at most 1,000 characters).")
        return redirect("recounts:request", pk=pk)
    try:
        request_withdraw(request=recount_request, by=request.user, reason=form.cleaned_data["reason"])
    except RecountError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Request {recount_request.receipt_number} is withdrawn.")
    return redirect("recounts:request", pk=pk)


@require_POST
@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff of the contest open a candidate's account and email the link to set its password."""
    candidate = get_object_or_404(
        Candidate.objects.filter(contest__in=queries.contests_visible_to(request.user)).select_related(
            "contest__election"
        ),
        pk=pk,
    )
    if not roles.is_staff_of_an_authority(request.user):
        raise PermissionDenied("Only staff can invite a candidate.")
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Give an email address to invite {candidate.name}.")
    else:
        try:
            user = candidate_invite(
                candidate=candidate,
                email=form.cleaned_data["email"],
                by=request.user,
                link_for=lambda user: set_password_link(request, user),
            )
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{candidate.name} is invited: a link to set a password went to {user.email}.")
    return redirect("elections:contest", slug=candidate.contest.election.slug, pk=candidate.contest_id)


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not roles.is_staff_of_an_authority(request.user):
        raise PermissionDenied("The inbox is for the staff of an authority that receives requests.")
    now = timezone.now()
    entries = queries.inbox_entries(queries.inbox_for(request.user), now=now)
    return render(request, "recounts/inbox.html", {"entries": entries, "now": now})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def record(request: HttpRequest) -> HttpResponse:
    """Staff record a written request received on paper or by email."""
    if not roles.is_staff_of_an_authority(request.user):
        raise PermissionDenied("Only the staff of an authority that receives requests can record one.")
    candidates = queries.candidates_receivable_by(request.user)
    contest = request.GET.get("contest", "")
    if contest.isdigit():
        candidates = candidates.filter(contest__pk=int(contest))
    now = timezone.now()
    if request.method == "POST":
        form = RequestRecordForm(request.POST, request.FILES, candidates=candidates, now=now)
    else:
        form = RequestRecordForm(candidates=candidates, now=now)
    if form.is_bound and form.is_valid():
        try:
            recorded = request_record_received(
                candidate=form.cleaned_data["candidate"],
                by=request.user,
                channel=RequestChannel(form.cleaned_data["channel"]),
                received_at=form.cleaned_data["received_at"],
                signature=form.signed(),
                scan=form.cleaned_data["scan"],
                statement=form.cleaned_data["statement"],
                now=now,
            )
        except DuplicateRequest as duplicate:
            messages.info(request, str(duplicate))
            return redirect("recounts:request", pk=duplicate.existing.pk)
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"The request is recorded: receipt {recorded.receipt_number}.")
            return redirect("recounts:request", pk=recorded.pk)
    return render(request, "recounts/record.html", {"form": form})


@require_safe
@login_required
def notices(request: HttpRequest) -> HttpResponse:
    return render(request, "recounts/notices.html", {"notices": queries.notices_for(request.user)})
