"""The case: the inbox of requests received, recording a request that came on paper or by email, the
case page with the decision (order, direct, deny), withdrawal and the end; and the progress pages
(the superintendent's cases, the Secretary of State's dashboard).

Each page offers what `recounts.permissions` allows the person, and says why not where they would
otherwise wonder; each action's service checks the same rule again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import roles
from elections.instants import in_words
from elections.models import Jurisdiction
from recounts import permissions, queries
from recounts.enums import RequestChannel, RequestStatus
from recounts.forms import (
    WITHDRAWAL_ATTESTATION,
    ContestFilterForm,
    RecountDirectForm,
    RecountOrderForm,
    RequestDenyForm,
    RequestRecordForm,
    WithdrawForm,
)
from recounts.models import CountyRecount, RecountRequest, RequestAuthority
from recounts.permissions import FINISHED
from recounts.reports import discrepancies
from recounts.services.cases import RecountError
from recounts.services.decisions import recount_direct, recount_order, request_deny, ruling_needed
from recounts.services.outcomes import case_finish, case_finish_preview
from recounts.services.requests import DuplicateRequest, request_record_received, request_withdraw
from recounts.services.worksheets import expected_counties
from recounts.views.checking import changing, check_page, confirmed
from recounts.views.documents import CASE_QUERYSET_RELATED


def _office(request: HttpRequest) -> None:
    decision = permissions.decide(request.user, "office_pages", None)
    if not decision:
        raise PermissionDenied(decision.reason)


@require_safe
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _office(request)
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
    """Staff record a written request received on paper or by email: the candidates offered are those
    whose request the rules let them record now."""
    _office(request)
    candidates = queries.candidates_receivable_by(request.user)
    only = ContestFilterForm(request.GET)
    if not only.is_valid():
        candidates = candidates.none()  # a contest that cannot exist: none of its candidates
    elif only.cleaned_data["contest"]:
        candidates = candidates.filter(contest__pk=only.cleaned_data["contest"])
    allowed = [
        candidate.pk
        for candidate in queries.with_standing(candidates)
        if permissions.decide(request.user, "record", candidate)
    ]
    candidates = candidates.filter(pk__in=allowed)
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
    return render(request, "recounts/record.html", {"form": form, "none_to_record": not allowed})


def _visible_case(request: HttpRequest, pk: int) -> RecountRequest:
    """The case, if the user may see it (`queries.cases_visible_to`), with its authorities and its
    county recounts (which the rules read)."""
    return get_object_or_404(
        queries.cases_visible_to(request.user)
        .select_related(*CASE_QUERYSET_RELATED)
        .prefetch_related(
            Prefetch("authorities", queryset=RequestAuthority.objects.select_related("jurisdiction").order_by("pk")),
            Prefetch("county_recounts", queryset=CountyRecount.objects.order_by("pk")),
        ),
        pk=pk,
    )


def _case_page(
    request: HttpRequest,
    recount_request: RecountRequest,
    *,
    order_form: tuple[int, RecountOrderForm] | None = None,
    direct_form: RecountDirectForm | None = None,
    deny_form: RequestDenyForm | None = None,
    withdraw_form: WithdrawForm | None = None,
) -> HttpResponse:
    """The case page: the request, the decision (for the authority), the county recounts, the
    documents and the timeline. A form given is shown bound (its input and errors kept)."""
    user = request.user
    needed = ruling_needed(recount_request)
    orders, order_refusals = [], []
    for authority in recount_request.authorities.all():
        if authority.jurisdiction_id is None:
            continue
        authority.request = recount_request
        decision = permissions.decide(user, "order", authority)
        if decision:
            form = (
                order_form[1]
                if order_form and order_form[0] == authority.jurisdiction_id
                else RecountOrderForm(prefix=f"order-{authority.jurisdiction_id}", ruling_needed=needed)
            )
            orders.append((authority.jurisdiction, form))
        elif permissions.county_staff.test(user, authority) and permissions.case_open_to_an_order.test(user, authority):
            order_refusals.append((authority.jurisdiction, decision.reason))
    may = {name: permissions.decide(user, name, recount_request) for name in ("withdraw", "direct", "deny", "finish")}
    counties = queries.case_county_recounts(recount_request, now=timezone.now())
    has_notices = any(county.county_recount.count_place for county in counties)
    # Who would wonder why they may not decide: the staff of an authority the contest's requests go to.
    receives = recount_request.status == RequestStatus.FILED and permissions.receives_the_contest.test(
        user, recount_request
    )
    bound = next(
        (form for form in (order_form and order_form[1], direct_form, deny_form, withdraw_form) if form is not None),
        None,
    )
    return render(
        request,
        "recounts/request_detail.html",
        {
            "recount_request": recount_request,
            "bound_form": bound,
            "authorities": recount_request.authorities.all(),
            "timeline": queries.request_timeline(recount_request),
            "may": may,
            "withdraw_form": withdraw_form or WithdrawForm() if may["withdraw"] else None,
            "withdraw_refusal": may["withdraw"].reason
            if not may["withdraw"] and permissions.candidate_account.test(user, recount_request)
            else "",
            "order_forms": orders,
            "order_refusals": order_refusals,
            "direct_form": (direct_form or RecountDirectForm(ruling_needed=needed)) if may["direct"] else None,
            "deny_form": (deny_form or RequestDenyForm()) if may["deny"] else None,
            "deny_refusal": may["deny"].reason if receives and not may["deny"] else "",
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


@require_safe
@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_page(request, _visible_case(request, pk))


# Check your answers: what each decision will do, before it is done (see `recounts.views.checking`).


def _or_none(text: str, none: str = "None") -> str:
    return text.strip() or none


def _case_anchor(recount_request: RecountRequest, section: str) -> str:
    return f"{reverse('recounts:request', args=[recount_request.pk])}#{section}"


def _check_order(
    request: HttpRequest, recount_request: RecountRequest, county: Jurisdiction, form: RecountOrderForm
) -> HttpResponse:
    finish_by = form.cleaned_data["finish_by"]
    return check_page(
        request,
        heading=f"Check before you order the recount in {county}",
        lead=f"When you confirm, the recount in {county} is ordered, and the written notice of the count goes at "
        "once to every candidate and to the chair of each party. It cannot be taken back.",
        answers=[
            ("Request", str(recount_request)),
            ("Place of the count", form.cleaned_data["count_place"]),
            ("The count starts", in_words(form.cleaned_data["count_starts_at"])),
            ("Finish by", in_words(finish_by) if finish_by else "Not set"),
            ("Ruling", _or_none(form.cleaned_data["ruling"])),
        ],
        button="Confirm and order the recount",
        back=_case_anchor(recount_request, "decide"),
        context={"recount_request": recount_request},
    )


def _check_direction(request: HttpRequest, recount_request: RecountRequest, form: RecountDirectForm) -> HttpResponse:
    counties = len(expected_counties(recount_request))
    return check_page(
        request,
        heading="Check before you direct the recount",
        lead=f"When you confirm, the recount is directed in every county where the office was voted ({counties} "
        f"{'county' if counties == 1 else 'counties'}), and each superintendent is notified at once. "
        "It cannot be taken back.",
        answers=[
            ("Request", str(recount_request)),
            ("The counties' recounts start", in_words(form.cleaned_data["window_starts_at"])),
            ("Every county finishes by", in_words(form.cleaned_data["finish_by"])),
            ("Ruling", _or_none(form.cleaned_data["ruling"])),
        ],
        button="Confirm and direct the recount",
        back=_case_anchor(recount_request, "decide"),
        context={"recount_request": recount_request},
    )


def _check_denial(request: HttpRequest, recount_request: RecountRequest, form: RequestDenyForm) -> HttpResponse:
    return check_page(
        request,
        heading="Check before you deny the request",
        lead="When you confirm, the request is denied and the candidate is told, with the statutory reason and "
        "the ruling. It cannot be taken back.",
        answers=[
            ("Request", str(recount_request)),
            ("Statutory reason", form.cleaned_data["reason"].label),
            ("Ruling", _or_none(form.cleaned_data["ruling"])),
        ],
        button="Confirm and deny the request",
        back=_case_anchor(recount_request, "decide"),
        context={"recount_request": recount_request},
    )


def _signed(form: WithdrawForm) -> str:
    signature = form.signed()
    signed = f"{signature.name}, {signature.signatory.label.lower()}"
    return f"{signed} ({signature.agent_name})" if signature.agent_name else signed


def _check_withdrawal(request: HttpRequest, recount_request: RecountRequest, form: WithdrawForm) -> HttpResponse:
    return check_page(
        request,
        heading="Check before you withdraw the request",
        lead="When you confirm, the request is withdrawn: no recount is made on it. The authority and every "
        "account linked to the candidate are told. It cannot be taken back.",
        answers=[
            ("Request", str(recount_request)),
            ("Reason", _or_none(form.cleaned_data["reason"], "None given")),
            ("Signed", _signed(form)),
            ("Attested", WITHDRAWAL_ATTESTATION),
        ],
        button="Confirm and withdraw the request",
        back=_case_anchor(recount_request, "withdraw"),
        context={"recount_request": recount_request},
    )


def _check_finish(request: HttpRequest, recount_request: RecountRequest) -> HttpResponse:
    preview = case_finish_preview(recount_request)
    if not preview.recertify:
        lead = (
            "No county's returns changed. When you confirm, the returns are confirmed and the case is closed; "
            "everyone concerned is told."
        )
    else:
        lead = (
            "When you confirm, the statewide returns are recertified with the counties' corrections below, the "
            "case is closed, and everyone concerned is told. It cannot be taken back."
        )
    if preview.kept_by_hand:
        warning = (
            "The declarations in force are not the ones the certified returns made (declared by hand, a tie "
            "decided by lot): they are left as they are, and an official must confirm them or declare again."
        )
    elif preview.outcome_changes:
        warning = "The outcome changes: the corrected returns declare different candidates."
    else:
        warning = ""
    return check_page(
        request,
        heading="Check before you finish the case",
        lead=lead,
        answers=[("Request", str(recount_request))],
        warning=warning,
        details_template="recounts/includes/finish_preview.html",
        context={"preview": preview, "report": discrepancies(recount_request), "recount_request": recount_request},
        button="Confirm and finish the case",
        back=_case_anchor(recount_request, "finish"),
    )


def refused(request: HttpRequest, action: str, target: object, *, back: str) -> HttpResponse | None:
    """A POST the page would not have offered now: forbidden (403) to someone who has no business doing
    it; otherwise (the object's state changed, a form sent twice) back to the page with the reason."""
    decision = permissions.decide(request.user, action, target)
    if decision:
        return None
    if decision.forbidden:
        raise PermissionDenied(decision.reason)
    messages.error(request, decision.reason)
    return redirect(back)


@require_POST
@login_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The candidate withdraws the request in writing: signature and attestation, as for filing."""
    recount_request = _visible_case(request, pk)
    if stop := refused(request, "withdraw", recount_request, back=reverse("recounts:request", args=[pk])):
        return stop
    form = WithdrawForm(request.POST)
    if form.is_valid() and not changing(request):
        if not confirmed(request):
            return _check_withdrawal(request, recount_request, form)
        try:
            request_withdraw(
                request=recount_request,
                by=request.user,
                signature=form.signed(),
                attested=form.cleaned_data["attestation"],
                reason=form.cleaned_data["reason"],
            )
        except RecountError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Request {recount_request.receipt_number} is withdrawn.")
            return redirect("recounts:request", pk=pk)
    return _case_page(request, recount_request, withdraw_form=form)


@require_POST
@login_required
def order(request: HttpRequest, pk: int, county: int) -> HttpResponse:
    """The superintendent orders the recount in their county (the superintendent's route)."""
    recount_request = _visible_case(request, pk)
    authority = get_object_or_404(recount_request.authorities.all(), jurisdiction_id=county)
    authority.request = recount_request
    if stop := refused(request, "order", authority, back=reverse("recounts:request", args=[pk])):
        return stop
    form = RecountOrderForm(request.POST, prefix=f"order-{county}", ruling_needed=ruling_needed(recount_request))
    if form.is_valid() and not changing(request):
        if not confirmed(request):
            return _check_order(request, recount_request, authority.jurisdiction, form)
        try:
            recount_order(
                request=recount_request,
                county=authority.jurisdiction,
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
                f"The recount in {authority.jurisdiction} is ordered; the written notice of the count went to the "
                "candidates and the party chairs.",
            )
            return redirect("recounts:request", pk=pk)
    return _case_page(request, recount_request, order_form=(county, form))


@require_POST
@login_required
def direct(request: HttpRequest, pk: int) -> HttpResponse:
    """The Secretary of State directs the recount in every county where the office was voted."""
    recount_request = _visible_case(request, pk)
    if stop := refused(request, "direct", recount_request, back=reverse("recounts:request", args=[pk])):
        return stop
    form = RecountDirectForm(request.POST, ruling_needed=ruling_needed(recount_request))
    if form.is_valid() and not changing(request):
        if not confirmed(request):
            return _check_direction(request, recount_request, form)
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
    recount_request = _visible_case(request, pk)
    if stop := refused(request, "deny", recount_request, back=reverse("recounts:request", args=[pk])):
        return stop
    form = RequestDenyForm(request.POST)
    if form.is_valid() and not changing(request):
        if not confirmed(request):
            return _check_denial(request, recount_request, form)
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


def outcome_message(request: HttpRequest, recount_request: RecountRequest) -> None:
    """What the end of a case says to the official who ended it."""
    if recount_request.status == RequestStatus.CONFIRMED:
        messages.success(request, "The recount confirmed the returns: the case is closed.")
    elif recount_request.declarations_kept:
        messages.warning(
            request,
            "The returns are corrected and recertified. THE DECLARATIONS NEED AN OFFICIAL: they are not what "
            "the returns declare by Georgia's rule, and were left as they were; confirm them or declare again.",
        )
    elif recount_request.outcome_changed:
        messages.warning(
            request, "The returns are corrected and recertified, and THE OUTCOME CHANGED: everyone concerned is told."
        )
    else:
        messages.success(request, "The returns are corrected and recertified; the outcome is unchanged.")


@require_POST
@login_required
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    """The Secretary of State's staff close a counted case on their route, once every county recorded its
    outcome: the statewide returns are recertified when any county's were corrected."""
    recount_request = _visible_case(request, pk)
    if stop := refused(request, "finish", recount_request, back=reverse("recounts:request", args=[pk])):
        return stop
    if not confirmed(request):
        return _check_finish(request, recount_request)
    try:
        finished = case_finish(request=recount_request, by=request.user)
    except RecountError as error:
        messages.error(request, str(error))
    else:
        outcome_message(request, finished)
    return redirect("recounts:request", pk=pk)


@require_safe
@login_required
def cases(request: HttpRequest) -> HttpResponse:
    """The cases of the user's office, newest first, with each county's progress."""
    _office(request)
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
