"""The candidate's pages: their contests and the written request filed online; and linking an
account to a candidate, which the receiving authority does from the contest page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from elections.models import Candidate
from recounts import permissions, queries
from recounts.forms import LinkForm, RequestFileForm
from recounts.services.candidates import candidate_link
from recounts.services.cases import RecountError
from recounts.services.requests import DuplicateRequest, request_file
from recounts.views.contests import contest_page, link_form_id


def set_password_link(request: HttpRequest, user: AbstractBaseUser) -> str:
    """The absolute one-time link to set the account's password (Django's password-reset token)."""
    path = reverse(
        "password_set", args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]
    )
    return request.build_absolute_uri(path)


@require_safe
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    candidacies = queries.candidacies_for(request.user, now=timezone.now())
    if not candidacies:
        raise PermissionDenied("This page is for candidates.")
    rows = [(candidacy, permissions.decide(request.user, "file", candidacy.candidate)) for candidacy in candidacies]
    rehearsal = any(candidacy.standing.contest.election.rehearsal for candidacy in candidacies)
    return render(request, "recounts/mine.html", {"candidacies": rows, "rehearsal": rehearsal})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def file_request(request: HttpRequest, pk: int) -> HttpResponse:
    """The written request, filed online through an account linked to the candidate. A candidate who
    may not file is told why, and shown no form."""
    now = timezone.now()
    candidacy = next(iter(queries.candidacies_for(request.user, now=now, candidate_id=pk)), None)
    if candidacy is None:
        raise Http404("No such candidacy on this account.")
    filing = permissions.decide(request.user, "file", candidacy.candidate)
    form = RequestFileForm(request.POST, request.FILES) if request.method == "POST" else RequestFileForm()
    if filing and form.is_bound and form.is_valid():
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
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Your written request was recorded: receipt {filed.receipt_number}.")
            return redirect("recounts:request", pk=filed.pk)
    elif not filing and request.method == "POST":
        if candidacy.open_request is not None:
            messages.info(request, str(DuplicateRequest(candidacy.open_request)))
            return redirect("recounts:request", pk=candidacy.open_request.pk)
        messages.error(request, filing.reason)
    return render(
        request,
        "recounts/file.html",
        {
            "candidacy": candidacy,
            "filing": filing,
            "form": form,
            "rehearsal": candidacy.standing.contest.election.rehearsal,
        },
    )


@require_POST
@login_required
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving authority links an account at the candidate's address of record, which gets a
    one-time link to set its password."""
    candidate = get_object_or_404(
        Candidate.objects.filter(contest__in=queries.contests_visible_to(request.user)).select_related(
            "contest__election"
        ),
        pk=pk,
    )
    decision = permissions.decide(request.user, "link", candidate)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = LinkForm(request.POST, candidate=candidate, auto_id=link_form_id(candidate))
    if form.is_valid():
        try:
            user = candidate_link(
                candidate=candidate,
                by=request.user,
                email=form.cleaned_data["email"],
                link_for=lambda user: set_password_link(request, user),
            )
        except RecountError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request,
                f"{user.username} is linked to {candidate.name}: a link to set a password went to {user.email}.",
            )
            return redirect("recounts:contest", slug=candidate.contest.election.slug, pk=candidate.contest_id)
    # The contest page again, with the form as typed and its problems on top.
    return contest_page(request, slug=candidate.contest.election.slug, pk=candidate.contest_id, link_form=form)
