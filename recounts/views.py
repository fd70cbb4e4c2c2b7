"""The candidate's pages, the written request, the receiving authority's inbox, and the recount: the
decision, the county worksheets, the progress, the discrepancy report and the documents.

Thin: each view reads through `recounts.queries` (which also decides who sees what), binds a form,
calls one service, then sends a message and redirects, or renders.
"""

import datetime
import hashlib
import io
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from elections.models import Candidate, Jurisdiction
from recounts import queries, reports, roles
from recounts.counting import (
    case_finish,
    county_count_schedule,
    recount_direct,
    recount_order,
    request_deny,
    scanner_test_record,
    worksheet_problems,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from recounts.counting import (
    ruling_needed as grant_needs_ruling,
)
from recounts.documents import (
    count_notice_pdf,
    recertification_pdf,
    recount_directive_pdf,
    recount_order_pdf,
    request_receipt_pdf,
)
from recounts.enums import CountyRecountStatus, RequestChannel, RequestStatus, Route, TallyLine
from recounts.forms import (
    AuthenticatorForm,
    CountScheduleForm,
    InviteForm,
    LateBallotsForm,
    RecountDirectForm,
    RecountOrderForm,
    ReopenForm,
    RequestDenyForm,
    RequestFileForm,
    RequestRecordForm,
    ScannerTestForm,
    SecondFactorForm,
    SignOffForm,
    SubmitForm,
    WithdrawForm,
    WorksheetForm,
)
from recounts.models import CountyRecount, RecountRequest, RequestAuthority
from recounts.notices import sign_in_changed
from recounts.services import (
    WITHDRAWABLE,
    DuplicateRequest,
    RecountError,
    candidate_invite,
    request_file,
    request_record_received,
    request_withdraw,
)
from recounts.two_factor import (
    SecondFactorError,
    authenticator_confirm,
    authenticator_key_new,
    enrolment_for,
    enrolment_link_send,
    enrolment_link_valid,
    has_authenticator,
    may_turn_off,
    recovery_code_shown,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_check,
    second_factor_remove,
)

logger = logging.getLogger(__name__)


def _file_name(text: str, suffix: str) -> str:
    """A download name made only of letters, digits, dots, dashes and underscores."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "document"
    return f"{stem[:100]}{suffix}"


def _pdf(content: bytes, name: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=_file_name(name, ".pdf"), content_type="application/pdf"
    )


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
    return _case_page(request, _visible_case(request, pk))


@require_safe
@login_required
def receipt(request: HttpRequest, pk: int) -> FileResponse:
    recount_request = _visible_request(request, pk)
    return _pdf(request_receipt_pdf(recount_request), recount_request.receipt_number)


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
    return render(
        request,
        "recounts/inbox.html",
        {"entries": entries, "now": now, "secretary_of_state": roles.is_secretary_of_state(request.user)},
    )


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


# The case: the decision, the county recounts, the documents and the end.

FINISHED = frozenset({RequestStatus.CONFIRMED, RequestStatus.RECERTIFIED})
CASE_QUERYSET_RELATED = ("contest__election", "contest__home_county", "candidate", "filed_by", "decided_by")


def _visible_case(request: HttpRequest, pk: int) -> RecountRequest:
    """The case, if the user may see it (`queries.cases_visible_to`), with its authorities."""
    return get_object_or_404(
        queries.cases_visible_to(request.user)
        .select_related(*CASE_QUERYSET_RELATED)
        .prefetch_related(
            Prefetch("authorities", queryset=RequestAuthority.objects.select_related("jurisdiction").order_by("pk"))
        ),
        pk=pk,
    )


def _deciding(request: HttpRequest, recount_request: RecountRequest) -> RecountRequest:
    if not queries.may_decide(request.user, recount_request):
        raise PermissionDenied("Only the authority the request is addressed to can decide it.")
    return recount_request


def _ruling_needed(recount_request: RecountRequest) -> str:
    """Why granting the request needs the authority's ruling, while it can still be granted."""
    return grant_needs_ruling(recount_request) if recount_request.status == RequestStatus.FILED else ""


def _case_page(
    request: HttpRequest,
    recount_request: RecountRequest,
    *,
    order_form: tuple[int, RecountOrderForm] | None = None,
    direct_form: RecountDirectForm | None = None,
    deny_form: RequestDenyForm | None = None,
) -> HttpResponse:
    """The case page: the request, the decision (for the authority), the county recounts, the
    documents and the timeline. A form given is shown bound (its input and errors kept)."""
    user = request.user
    filed = recount_request.status == RequestStatus.FILED
    deciding = queries.may_decide(user, recount_request)
    ruling_needed = _ruling_needed(recount_request)
    order_forms = []
    for place in queries.orderable_jurisdictions(user, recount_request):
        form = (
            order_form[1]
            if order_form and order_form[0] == place.pk
            else RecountOrderForm(prefix=f"order-{place.pk}", ruling_needed=ruling_needed)
        )
        order_forms.append((place, form, roles.is_superintendent_of(user, place.pk)))
    directing = filed and deciding and recount_request.route == Route.SECRETARY_OF_STATE
    counties = queries.case_county_recounts(recount_request, now=timezone.now())
    has_notices = any(county.county_recount.count_place for county in counties)
    return render(
        request,
        "recounts/request_detail.html",
        {
            "recount_request": recount_request,
            "authorities": recount_request.authorities.all(),
            "timeline": queries.request_timeline(recount_request),
            "may_withdraw": recount_request.status in WITHDRAWABLE
            and roles.is_candidate_account(user, recount_request.candidate),
            "withdraw_form": WithdrawForm(),
            "order_forms": order_forms,
            "direct_form": (direct_form or RecountDirectForm(ruling_needed=ruling_needed)) if directing else None,
            "deny_form": (deny_form or RequestDenyForm()) if filed and deciding else None,
            "may_finish": deciding and recount_request.status == RequestStatus.COUNTED,
            "counties": counties,
            "worksheets": set(
                queries.worksheets_visible_to(user).filter(request=recount_request).values_list("pk", flat=True)
            )
            if counties
            else set(),
            "addressees": recount_request.contest.candidates.filter(write_in_aggregate=False).order_by(
                "ballot_order", "name"
            )
            if has_notices
            else [],
            "chairs": queries.party_chairs_of(recount_request.contest) if has_notices else [],
            "finished": recount_request.status in FINISHED,
        },
    )


@require_POST
@login_required
def order(request: HttpRequest, pk: int, county: int) -> HttpResponse:
    """The superintendent orders the recount in their county (the superintendent's route). Their staff
    reach the service, which says why only the superintendent may."""
    recount_request = _visible_case(request, pk)
    if not queries.orderable_jurisdictions(request.user, recount_request):
        raise PermissionDenied("Only a superintendent the request is addressed to can order the recount.")
    place = get_object_or_404(Jurisdiction, pk=county)
    form = RecountOrderForm(request.POST, prefix=f"order-{place.pk}", ruling_needed=_ruling_needed(recount_request))
    if form.is_valid():
        try:
            recount_order(
                request=recount_request,
                county=place,
                by=request.user,
                count_place=form.cleaned_data["count_place"],
                count_starts_at=form.cleaned_data["count_starts_at"],
                finish_by=form.cleaned_data["finish_by"],
                ruling=form.cleaned_data["ruling"],
            )
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"The recount in {place} is ordered; the written notice of the count went to the candidates and "
                "the party chairs.",
            )
            return redirect("recounts:request", pk=pk)
    return _case_page(request, recount_request, order_form=(place.pk, form))


@require_POST
@login_required
def direct(request: HttpRequest, pk: int) -> HttpResponse:
    """The Secretary of State directs the recount in every county where the office was voted."""
    recount_request = _deciding(request, _visible_case(request, pk))
    form = RecountDirectForm(request.POST, ruling_needed=_ruling_needed(recount_request))
    if form.is_valid():
        try:
            county_recounts = recount_direct(
                request=recount_request,
                by=request.user,
                window_starts_at=form.cleaned_data["window_starts_at"],
                finish_by=form.cleaned_data["finish_by"],
                ruling=form.cleaned_data["ruling"],
            )
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"The recount is directed in {len(county_recounts)} "
                f"{'county' if len(county_recounts) == 1 else 'counties'}; each superintendent is notified.",
            )
            return redirect("recounts:request", pk=pk)
    return _case_page(request, recount_request, direct_form=form)


@require_POST
@login_required
def deny(request: HttpRequest, pk: int) -> HttpResponse:
    recount_request = _deciding(request, _visible_case(request, pk))
    form = RequestDenyForm(request.POST)
    if form.is_valid():
        try:
            request_deny(
                request=recount_request,
                by=request.user,
                reason=form.cleaned_data["reason"],
                ruling=form.cleaned_data["ruling"],
            )
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Request {recount_request.receipt_number} is denied: {form.cleaned_data['reason'].label}."
            )
            return redirect("recounts:request", pk=pk)
    return _case_page(request, recount_request, deny_form=form)


@require_POST
@login_required
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    """End a counted case: confirmed, or the returns corrected and recertified."""
    recount_request = _deciding(request, _visible_case(request, pk))
    try:
        finished = case_finish(request=recount_request, by=request.user)
    except RecountError as error:
        messages.error(request, str(error))
    else:
        if finished.status == RequestStatus.CONFIRMED:
            messages.success(request, "The recount confirmed the returns: the case is closed.")
        elif finished.declarations_kept:
            messages.warning(
                request,
                "The returns are corrected and recertified. THE DECLARATIONS NEED AN OFFICIAL: they are not what "
                "the returns declare by Georgia's rule, and were left as they were; confirm them or declare again.",
            )
        elif finished.outcome_changed:
            messages.warning(
                request,
                "The returns are corrected and recertified, and THE OUTCOME CHANGED: everyone concerned is told.",
            )
        else:
            messages.success(request, "The returns are corrected and recertified; the outcome is unchanged.")
    return redirect("recounts:request", pk=pk)


# The discrepancy report and the documents.


@require_safe
@login_required
def discrepancies(request: HttpRequest, pk: int) -> HttpResponse:
    recount_request = _visible_case(request, pk)
    return render(
        request,
        "recounts/discrepancies.html",
        {"recount_request": recount_request, "report": reports.discrepancies(recount_request)},
    )


@require_safe
@login_required
def discrepancies_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The differences the recount found, as CSV (`reports.discrepancy_csv`)."""
    recount_request = _visible_case(request, pk)
    name = _file_name(f"{recount_request.receipt_number}-discrepancies", ".csv")
    return HttpResponse(
        reports.discrepancy_csv(reports.discrepancies(recount_request)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@require_safe
@login_required
def directive_pdf(request: HttpRequest, pk: int) -> FileResponse:
    recount_request = _visible_case(request, pk)
    if recount_request.route != Route.SECRETARY_OF_STATE or recount_request.window_starts_at is None:
        raise Http404("The Secretary of State has not directed this recount.")
    return _pdf(recount_directive_pdf(recount_request), f"{recount_request.receipt_number}-directive")


@require_safe
@login_required
def recertification(request: HttpRequest, pk: int) -> FileResponse:
    recount_request = _visible_case(request, pk)
    if recount_request.status not in FINISHED:
        raise Http404("The case is not finished yet.")
    return _pdf(recertification_pdf(recount_request), f"{recount_request.receipt_number}-outcome")


def _case_county_recount(request: HttpRequest, pk: int) -> CountyRecount:
    """A county recount of a case the user may see (for its documents)."""
    return get_object_or_404(
        CountyRecount.objects.filter(request__in=queries.cases_visible_to(request.user).values("pk")).select_related(
            *(f"request__{related}" for related in CASE_QUERYSET_RELATED), "county", "ordered_by"
        ),
        pk=pk,
    )


@require_safe
@login_required
def order_pdf(request: HttpRequest, pk: int) -> FileResponse:
    county_recount = _case_county_recount(request, pk)
    if county_recount.request.route != Route.SUPERINTENDENT:
        raise Http404("On the Secretary of State's route the recount is directed, not ordered by the county.")
    return _pdf(
        recount_order_pdf(county_recount),
        f"{county_recount.request.receipt_number}-order-{county_recount.county.name}",
    )


@require_safe
@login_required
def count_notice(request: HttpRequest, pk: int, candidate: int | None = None, chair: int | None = None) -> FileResponse:
    """The written notice of the count to one candidate of the contest, or to one party's chair."""
    county_recount = _case_county_recount(request, pk)
    if not county_recount.count_place:
        raise Http404("The place and time of the count are not set yet.")
    contest = county_recount.request.contest
    if candidate is not None:
        addressee = get_object_or_404(contest.candidates.filter(write_in_aggregate=False), pk=candidate).name
    else:
        party_chair = get_object_or_404(queries.party_chairs_of(contest), pk=chair)
        addressee = f"{party_chair.chair_name}, Chair, {party_chair.party}"
    return _pdf(
        count_notice_pdf(county_recount, addressee=addressee),
        f"{county_recount.request.receipt_number}-notice-{county_recount.county.name}-{addressee}",
    )


# The county worksheet.

OPEN_TO_COUNTING = frozenset({RequestStatus.ORDERED, RequestStatus.COUNTING})


def _visible_worksheet(request: HttpRequest, pk: int) -> CountyRecount:
    return get_object_or_404(
        queries.worksheets_visible_to(request.user).select_related(
            "request__contest__election", "request__candidate", "county", "submitted_by", "signed_off_by"
        ),
        pk=pk,
    )


def _own_worksheet(request: HttpRequest, pk: int) -> CountyRecount:
    """A worksheet the user works on: their own county's; others read it only."""
    county_recount = _visible_worksheet(request, pk)
    if county_recount.county_id not in roles.staff_jurisdiction_ids(request.user):
        raise PermissionDenied(f"Only the staff of {county_recount.county}'s superintendent can work on its recount.")
    return county_recount


def _conflict(county_recount: CountyRecount, version: int) -> bool:
    """Whether the worksheet was saved since `version` was read (then the page shows the stored one)."""
    county_recount.refresh_from_db(fields=["version"])
    return county_recount.version != version


def _worksheet_page(
    request: HttpRequest,
    county_recount: CountyRecount,
    *,
    worksheet_form: WorksheetForm | None = None,
    scanner_form: ScannerTestForm | None = None,
    late_form: LateBallotsForm | None = None,
    sign_off_form: SignOffForm | None = None,
    reopen_form: ReopenForm | None = None,
    schedule_form: CountScheduleForm | None = None,
) -> HttpResponse:
    """The worksheet: its staff's forms, or the figures read-only. A form given is shown bound."""
    user = request.user
    case = county_recount.request
    status = CountyRecountStatus(county_recount.status)
    works_here = county_recount.county_id in roles.staff_jurisdiction_ids(user)
    closed = status in {CountyRecountStatus.SUBMITTED, CountyRecountStatus.APPROVED}
    editable = works_here and not closed and case.status in OPEN_TO_COUNTING
    tallies = queries.worksheet_tallies(county_recount)
    candidates = list(case.contest.candidates.order_by("ballot_order", "name"))
    version = {"version": county_recount.version}
    context = {
        "county_recount": county_recount,
        "recount_request": case,
        "case_visible": queries.cases_visible_to(user).filter(pk=case.pk).exists(),
        "progress": queries.county_progress(county_recount, now=timezone.now()),
        "tallies": tallies,
        "late_lines": [tally for tally in tallies if tally.line != TallyLine.RETURNS],
        "scanner_tests": county_recount.scanner_tests.all(),
        "problems": worksheet_problems(county_recount),
        "editable": editable,
        "may_sign_off": works_here and status == CountyRecountStatus.SUBMITTED,
        "may_reopen": works_here
        and closed
        and case.status in {RequestStatus.COUNTING, RequestStatus.COUNTED}
        and roles.is_superintendent_of(user, county_recount.county_id),
        "may_schedule": works_here
        and case.route == Route.SECRETARY_OF_STATE
        and status != CountyRecountStatus.APPROVED
        and case.status in OPEN_TO_COUNTING,
        "tapes": [] if county_recount.hand_count else _tapes(county_recount, candidates),
    }
    if editable:
        context |= {
            "worksheet_form": worksheet_form
            or WorksheetForm(county_recount=county_recount, tallies=tallies, candidates=candidates),
            "scanner_form": scanner_form or ScannerTestForm(initial=version),
            "late_form": late_form or LateBallotsForm(initial=version, candidates=case.contest.candidates.all()),
            "submit_form": SubmitForm(initial=version),
        }
    if context["may_sign_off"]:
        context["sign_off_form"] = sign_off_form or SignOffForm(initial=version)
    if context["may_reopen"]:
        context["reopen_form"] = reopen_form or ReopenForm()
    if context["may_schedule"]:
        context["schedule_form"] = schedule_form or CountScheduleForm(
            initial={"count_place": county_recount.count_place, "count_starts_at": county_recount.count_starts_at}
        )
    return render(request, "recounts/worksheet.html", context)


def _tapes(county_recount: CountyRecount, candidates: list[Candidate]) -> list[tuple[Candidate, int | None]]:
    return [(candidate, county_recount.tabulator_tapes.get(str(candidate.pk))) for candidate in candidates]


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def worksheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A county's worksheet. Its staff save every figure at once (POST); a save made on an older
    version than the stored one is refused and the stored figures are shown."""
    if request.method != "POST":
        return _worksheet_page(request, _visible_worksheet(request, pk))
    county_recount = _own_worksheet(request, pk)
    form = WorksheetForm(
        request.POST,
        county_recount=county_recount,
        tallies=queries.worksheet_tallies(county_recount),
        candidates=list(county_recount.request.contest.candidates.order_by("ballot_order", "name")),
    )
    if not form.is_valid():
        messages.error(request, "Some figures could not be read; nothing was saved. See the lines marked below.")
        return _worksheet_page(request, county_recount, worksheet_form=form)
    try:
        worksheet_save(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            entries=form.entries(),
            tabulator_tapes=form.tabulator_tapes(),
        )
    except RecountError as error:
        messages.error(request, str(error))
        if _conflict(county_recount, form.cleaned_data["version"]):
            return _worksheet_page(request, _visible_worksheet(request, pk))
        return _worksheet_page(request, county_recount, worksheet_form=form)
    messages.success(request, f"{county_recount.county}'s worksheet is saved.")
    return redirect("recounts:worksheet", pk=pk)


def _worksheet_refused(
    request: HttpRequest, county_recount: CountyRecount, error: RecountError, version: int | None, **bound
) -> HttpResponse:
    """The service refused: its message, and the page again with the form as typed; or, when the
    worksheet was saved meanwhile, as it is stored."""
    messages.error(request, str(error))
    if version is not None and _conflict(county_recount, version):
        return _worksheet_page(request, _visible_worksheet(request, county_recount.pk))
    return _worksheet_page(request, county_recount, **bound)


@require_POST
@login_required
def scanner_test(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount = _own_worksheet(request, pk)
    form = ScannerTestForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, scanner_form=form)
    deck = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    try:
        test = scanner_test_record(
            county_recount=county_recount, by=request.user, version=form.cleaned_data["version"], **deck
        )
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, form.cleaned_data["version"], scanner_form=form)
    if test.passed:
        messages.success(request, f"Scanner {test.scanner} passed its test deck.")
    else:
        messages.warning(request, f"Scanner {test.scanner} failed its test deck.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def late_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount = _own_worksheet(request, pk)
    form = LateBallotsForm(request.POST, candidates=county_recount.request.contest.candidates.all())
    if not form.is_valid():
        return _worksheet_page(request, county_recount, late_form=form)
    try:
        worksheet_save(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            entries={},
            late_ballots=form.late_ballots(),
        )
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, form.cleaned_data["version"], late_form=form)
    (late,) = form.late_ballots()
    messages.success(request, f"{late.line.label} for {late.candidate}: {late.votes:,} entered.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount = _own_worksheet(request, pk)
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The worksheet's version is missing; reload the page.")
        return redirect("recounts:worksheet", pk=pk)
    try:
        worksheet_submit(county_recount=county_recount, by=request.user, version=form.cleaned_data["version"])
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, form.cleaned_data["version"])
    messages.success(request, f"{county_recount.county}'s worksheet is submitted for sign-off.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount = _own_worksheet(request, pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, sign_off_form=form)
    try:
        signed = worksheet_sign_off(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            official_name=form.cleaned_data["official_name"],
            official_title=form.cleaned_data["official_title"],
            attested=form.cleaned_data["attestation"],
        )
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, form.cleaned_data["version"], sign_off_form=form)
    counted = (
        " Every county is signed off: the case is counted." if signed.request.status == RequestStatus.COUNTED else ""
    )
    messages.success(request, f"{county_recount.county}'s worksheet is signed off by {signed.official_name}.{counted}")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount = _own_worksheet(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, reopen_form=form)
    try:
        worksheet_reopen(county_recount=county_recount, by=request.user, reason=form.cleaned_data["reason"])
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, None, reopen_form=form)
    messages.success(request, f"{county_recount.county}'s worksheet is reopened; its earlier figures stay in history.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The county's place and time of the count, on the Secretary of State's route."""
    county_recount = _own_worksheet(request, pk)
    form = CountScheduleForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, schedule_form=form)
    try:
        county_count_schedule(
            county_recount=county_recount,
            by=request.user,
            count_place=form.cleaned_data["count_place"],
            count_starts_at=form.cleaned_data["count_starts_at"],
        )
    except RecountError as error:
        return _worksheet_refused(request, county_recount, error, None, schedule_form=form)
    messages.success(
        request,
        "The place and time of the count are set; the written notice went to the candidates and the party chairs.",
    )
    return redirect("recounts:worksheet", pk=pk)


# Progress: the Secretary of State's dashboard and the superintendent's cases.


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every open case, newest first, with each county's progress against its deadline."""
    if not roles.is_secretary_of_state(request.user):
        raise PermissionDenied("The dashboard is for the Secretary of State's staff.")
    now = timezone.now()
    return render(
        request,
        "recounts/dashboard.html",
        {"cases": queries.cases_progress(queries.open_cases(), now=now), "now": now},
    )


@require_safe
@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The cases of the user's office, newest first, with each county's progress."""
    if not roles.is_staff_of_an_authority(request.user):
        raise PermissionDenied("This page is for the staff of an authority.")
    now = timezone.now()
    return render(
        request,
        "recounts/cases.html",
        {
            "cases": queries.cases_progress(queries.cases_for(request.user), now=now),
            "now": now,
            "secretary_of_state": roles.is_secretary_of_state(request.user),
            "places": roles.staff_jurisdiction_ids(request.user),
        },
    )


# Two-factor sign-in. `recounts.middleware` sends a signed-in session here until it passes its second
# factor; these pages are reached before that, so each checks where the account stands itself. They
# show or take secrets: never cached, and the codes are hidden from error reports.

PENDING_KEY = "two_factor_pending_key"
#: The account (pk) whose authenticator this session, having confirmed a current code, may replace.
REPLACING = "two_factor_replacing"
#: The enrolment link's token this session opened: while it is valid for the account, the session may
#: set up a first second factor.
ENROLMENT_OPENED = "two_factor_enrolment_token"


def _next_page(request: HttpRequest) -> str:
    """Where to go once the second factor is passed: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("recounts:start")


def _second_factor_passed(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session id and CSRF token for the stronger session, as Django's login() does for the password.
    request.session.cycle_key()
    rotate_token(request)


def _may_set_up(request: HttpRequest) -> bool:
    """A session may set up an authenticator once it passed a second factor, or opened the account's
    enrolment link (a password alone never does)."""
    return request.user.is_verified() or enrolment_link_valid(request.user, request.session.get(ENROLMENT_OPENED, ""))


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, next_page: str) -> HttpResponse:
    shown = [recovery_code_shown(code) for code in codes]
    return render(request, "registration/recovery_codes.html", {"codes": shown, "next": next_page})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    if request.user.is_verified() or not user_has_device(request.user):
        return redirect(_next_page(request))
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            device = second_factor_check(user=request.user, code=form.cleaned_data["code"])
        except SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _second_factor_passed(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Each works once: make new ones under "
                    "Account security when you run low.",
                )
            return redirect(_next_page(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_page(request)})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Adds an authenticator app: shows a new secret (QR code and text), turns it on once the app's
    code matches, and shows the recovery codes once. Without a second factor passed, the account's
    enrolment link must have been opened in this session first."""
    replacing = request.session.get(REPLACING) == request.user.pk and request.user.is_verified()
    if has_authenticator(request.user) and not replacing:
        messages.info(request, "This account already has an authenticator app.")
        return redirect("recounts:two_factor")
    context = {
        "next": _next_page(request),
        "required": roles.needs_second_factor(request.user),
        "replacing": replacing,
    }
    if not _may_set_up(request):
        return render(request, "registration/two_factor_link.html", context | {"email": request.user.email})
    key = request.session.get(PENDING_KEY) or authenticator_key_new()
    request.session[PENDING_KEY] = key
    form = AuthenticatorForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = authenticator_confirm(
                user=request.user, key=key, code=form.cleaned_data["code"], replacing=replacing
            )
        except SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            for done in (PENDING_KEY, ENROLMENT_OPENED, REPLACING):
                request.session.pop(done, None)
            _second_factor_passed(request, device)
            return _recovery_codes_page(request, codes, next_page=_next_page(request))
    return render(
        request,
        "registration/two_factor_setup.html",
        context | {"form": form, "enrolment": enrolment_for(request.user, key)},
    )


@require_POST
@login_required
def two_factor_link(request: HttpRequest) -> HttpResponse:
    """Emails the account its one-time link to set up a second factor."""
    try:
        enrolment_link_send(
            user=request.user,
            link_for=lambda token: request.build_absolute_uri(reverse("recounts:two_factor_enrol", args=[token])),
        )
    except SecondFactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"We emailed a link to {request.user.email}. Open it in this browser, signed in as "
            f"{request.user.get_username()}, within {settings.PASSWORD_RESET_TIMEOUT // 86_400} days.",
        )
    return redirect("recounts:two_factor_setup")


@never_cache
@require_safe
@login_required
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: lets this session set up the account's first second factor."""
    if enrolment_link_valid(request.user, token):
        request.session[ENROLMENT_OPENED] = token
    else:
        messages.error(
            request,
            "This link has been used or has expired, or it was sent to another account. Ask for a new one.",
        )
    return redirect("recounts:two_factor_setup")


@never_cache
@require_safe
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Where an account stands: its authenticator app, its recovery codes, and the ways to change them."""
    context = {
        "authenticator": has_authenticator(request.user),
        "codes_left": recovery_codes_left(request.user),
        "enrolled": user_has_device(request.user),
        "required": roles.needs_second_factor(request.user),
        "may_turn_off": may_turn_off(request.user),
        "renew_form": SecondFactorForm(auto_id="renew_%s"),
        "replace_form": SecondFactorForm(auto_id="replace_%s"),
        "off_form": SecondFactorForm(auto_id="off_%s"),
    }
    return render(request, "registration/two_factor.html", context)


def _with_a_current_code(request: HttpRequest, action: Callable[..., object]) -> tuple[bool, object]:
    """Runs `action(user=, code=)` with the code posted: (True, what it returned), or on a bad or wrong
    code (False, None), having said why."""
    form = SecondFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["code"][0])
        return False, None
    try:
        return True, action(user=request.user, code=form.cleaned_data["code"])
    except SecondFactorError as error:
        messages.error(request, str(error))
        return False, None


@never_cache
@sensitive_post_parameters("code")
@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, confirmed by a current code."""
    done, codes = _with_a_current_code(request, recovery_codes_renew)
    if not done:
        return redirect("recounts:two_factor")
    return _recovery_codes_page(request, codes, next_page=reverse("recounts:two_factor"))


@sensitive_post_parameters("code")
@require_POST
@login_required
def authenticator_replace(request: HttpRequest) -> HttpResponse:
    """A new phone, or a lost one: once a current code confirms it (a recovery code when the phone is
    gone), the setup page takes the new authenticator; the old one works until then."""
    done, _ = _with_a_current_code(request, second_factor_check)
    if not done:
        return redirect("recounts:two_factor")
    request.session[REPLACING] = request.user.pk
    return redirect("recounts:two_factor_setup")


@sensitive_post_parameters("code")
@require_POST
@login_required
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """A candidate turns two-factor sign-in off, confirmed by a current code."""
    done, _ = _with_a_current_code(request, second_factor_remove)
    if done:
        messages.success(request, "Two-factor sign-in is off: your password alone signs you in.")
    return redirect("recounts:two_factor")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's page (it ends the account's other sessions); the account holder is told, by email too,
    so that a password changed by someone else does not go unnoticed."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            sign_in_changed(user=self.request.user, change="Your password was changed")
        return response


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    """Where to report a vulnerability (RFC 9116), from `RECOUNT_SECURITY_CONTACT`. Written afresh for
    each request, so it expires well within the year the RFC allows."""
    if not settings.SECURITY_CONTACT:
        raise Http404("This deployment has no security contact set.")
    expires = (timezone.now() + datetime.timedelta(days=180)).astimezone(datetime.UTC)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires:%Y-%m-%dT%H:%M:%SZ}",
        "Preferred-Languages: en",
        f"Canonical: {request.build_absolute_uri(request.path)}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
