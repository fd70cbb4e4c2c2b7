"""A county's recount worksheet: its staff test scanners and enter figures, the superintendent or a
designee signs off, the superintendent reopens it or records the county's outcome; everyone else who
may see the case reads it. Each form is offered only where `recounts.permissions` allows it.

A save made on an older version of the worksheet than the stored one is refused by the service;
the page then shows the stored figures, never the refused ones over them.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from elections.models import Candidate
from recounts import permissions, queries
from recounts.enums import CountyRecountStatus, RequestStatus, TallyLine
from recounts.forms import (
    CountScheduleForm,
    LateBallotsForm,
    OutcomeForm,
    ReopenForm,
    ScannerTestForm,
    SignOffForm,
    SubmitForm,
    WorksheetForm,
)
from recounts.models import CountyRecount
from recounts.services.cases import RecountError
from recounts.services.decisions import county_count_schedule
from recounts.services.outcomes import county_outcome_record, differs
from recounts.services.worksheets import (
    late_ballots_enter,
    scanner_test_record,
    signing_title,
    worksheet_problems,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from recounts.views.cases import outcome_message, refused

#: The worksheet's actions, each with the form that offers it.
ACTIONS = (
    "schedule",
    "test_scanner",
    "enter_figures",
    "enter_late_ballots",
    "submit",
    "sign_off",
    "reopen",
    "recertify",
)


def _visible_worksheet(request: HttpRequest, pk: int) -> CountyRecount:
    return get_object_or_404(
        queries.worksheets_visible_to(request.user).select_related(
            "request__contest__election", "request__candidate", "county", "submitted_by", "signed_off_by"
        ),
        pk=pk,
    )


def _acting(request: HttpRequest, pk: int, action: str) -> tuple[CountyRecount, HttpResponse | None]:
    """The worksheet, and None if the user may do `action` to it now; otherwise the refusal
    (`views.cases.refused`: forbidden, or back to the worksheet with the reason)."""
    county_recount = _visible_worksheet(request, pk)
    return county_recount, refused(request, action, county_recount, back=reverse("recounts:worksheet", args=[pk]))


def _conflict(county_recount: CountyRecount, version: int) -> bool:
    """Whether the worksheet was saved since `version` was read (then the page shows the stored one)."""
    county_recount.refresh_from_db(fields=["version"])
    return county_recount.version != version


def _worksheet_page(request: HttpRequest, county_recount: CountyRecount, **bound) -> HttpResponse:
    """The worksheet: the forms the user may use, or the figures read-only. A form given (by its
    action's name) is shown bound."""
    user = request.user
    case = county_recount.request
    may = {action: permissions.decide(user, action, county_recount) for action in ACTIONS}
    tallies = queries.worksheet_tallies(county_recount)
    candidates = list(case.contest.candidates.order_by("ballot_order", "name"))
    version = {"version": county_recount.version}
    forms = {
        "schedule": lambda: CountScheduleForm(
            initial={"count_place": county_recount.count_place, "count_starts_at": county_recount.count_starts_at}
        ),
        "test_scanner": lambda: ScannerTestForm(initial=version),
        "enter_figures": lambda: WorksheetForm(county_recount=county_recount, tallies=tallies, candidates=candidates),
        "enter_late_ballots": lambda: LateBallotsForm(initial=version, candidates=case.contest.candidates.all()),
        "submit": lambda: SubmitForm(initial=version),
        "sign_off": lambda: SignOffForm(initial=version),
        "reopen": lambda: ReopenForm(),
        "recertify": lambda: OutcomeForm(initial=version),
    }
    offered = {action: bound.get(action) or forms[action]() for action, decision in may.items() if decision}
    # Where a member of the county's office would wonder why a step is not offered: the reason.
    refusals = (
        list(dict.fromkeys(decision.reason for decision in may.values() if not decision))
        if permissions.county_staff.test(user, county_recount)
        else []
    )
    context = {
        "county_recount": county_recount,
        "recount_request": case,
        "case_visible": queries.cases_visible_to(user).filter(pk=case.pk).exists(),
        "progress": queries.county_progress(county_recount, now=timezone.now()),
        "tallies": tallies,
        "late_lines": [tally for tally in tallies if tally.line != TallyLine.RETURNS],
        "scanner_tests": county_recount.scanner_tests.all(),
        "problems": worksheet_problems(county_recount),
        "forms": offered,
        "refusals": refusals,
        "signing_as": signing_title(user, county_recount) if "sign_off" in offered else "",
        "differs": differs(county_recount) if "recertify" in offered else False,
        "tapes": [] if county_recount.hand_count else _tapes(county_recount, candidates),
    }
    return render(request, "recounts/worksheet.html", context)


def _tapes(county_recount: CountyRecount, candidates: list[Candidate]) -> list[tuple[Candidate, int | None]]:
    return [(candidate, county_recount.tabulator_tapes.get(str(candidate.pk))) for candidate in candidates]


def _refused(request: HttpRequest, county_recount: CountyRecount, error: RecountError, version: int | None, **bound):
    """The service refused: its message, and the page again with the form as typed; or, when the
    worksheet was saved meanwhile, as it is stored."""
    messages.error(request, str(error))
    if version is not None and _conflict(county_recount, version):
        return _worksheet_page(request, _visible_worksheet(request, county_recount.pk))
    return _worksheet_page(request, county_recount, **bound)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def worksheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A county's worksheet. Its staff save every figure at once (POST)."""
    if request.method != "POST":
        return _worksheet_page(request, _visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "enter_figures")
    if stop:
        return stop
    form = WorksheetForm(
        request.POST,
        county_recount=county_recount,
        tallies=queries.worksheet_tallies(county_recount),
        candidates=list(county_recount.request.contest.candidates.order_by("ballot_order", "name")),
    )
    if not form.is_valid():
        messages.error(request, "Some figures could not be read; nothing was saved. See the lines marked below.")
        return _worksheet_page(request, county_recount, enter_figures=form)
    try:
        worksheet_save(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            entries=form.entries(),
            tabulator_tapes=form.tabulator_tapes(),
        )
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"], enter_figures=form)
    messages.success(request, f"{county_recount.county}'s worksheet is saved.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def scanner_test(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "test_scanner")
    if stop:
        return stop
    form = ScannerTestForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, test_scanner=form)
    deck = {name: value for name, value in form.cleaned_data.items() if name != "version"}
    try:
        test = scanner_test_record(
            county_recount=county_recount, by=request.user, version=form.cleaned_data["version"], **deck
        )
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"], test_scanner=form)
    if test.passed:
        messages.success(request, f"Scanner {test.scanner} passed its test deck.")
    else:
        messages.warning(request, f"Scanner {test.scanner} failed its test deck.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def late_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "enter_late_ballots")
    if stop:
        return stop
    form = LateBallotsForm(request.POST, candidates=county_recount.request.contest.candidates.all())
    if not form.is_valid():
        return _worksheet_page(request, county_recount, enter_late_ballots=form)
    try:
        late_ballots_enter(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            late_ballots=form.late_ballots(),
        )
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"], enter_late_ballots=form)
    (late,) = form.late_ballots()
    messages.success(request, f"{late.line.label} for {late.candidate}: {late.votes:,} entered.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "submit")
    if stop:
        return stop
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The worksheet's version is missing; reload the page.")
        return redirect("recounts:worksheet", pk=pk)
    try:
        worksheet_submit(county_recount=county_recount, by=request.user, version=form.cleaned_data["version"])
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"])
    messages.success(request, f"{county_recount.county}'s worksheet is submitted for sign-off.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "sign_off")
    if stop:
        return stop
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, sign_off=form)
    try:
        signed = worksheet_sign_off(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            attested=form.cleaned_data["attestation"],
        )
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"], sign_off=form)
    counted = (
        " Every county is signed off: the case is counted." if signed.request.status == RequestStatus.COUNTED else ""
    )
    messages.success(request, f"{county_recount.county}'s worksheet is signed off by {signed.official_name}.{counted}")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "reopen")
    if stop:
        return stop
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, reopen=form)
    try:
        worksheet_reopen(county_recount=county_recount, by=request.user, reason=form.cleaned_data["reason"])
    except RecountError as error:
        return _refused(request, county_recount, error, None, reopen=form)
    messages.success(request, f"{county_recount.county}'s worksheet is reopened; its earlier figures stay in history.")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The county's place and time of the count, on the Secretary of State's route."""
    county_recount, stop = _acting(request, pk, "schedule")
    if stop:
        return stop
    form = CountScheduleForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, schedule=form)
    try:
        county_count_schedule(
            county_recount=county_recount,
            by=request.user,
            count_place=form.cleaned_data["count_place"],
            count_starts_at=form.cleaned_data["count_starts_at"],
        )
    except RecountError as error:
        return _refused(request, county_recount, error, None, schedule=form)
    messages.success(
        request,
        "The place and time of the count are set; the written notice went to the candidates and the party chairs.",
    )
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def recertify(request: HttpRequest, pk: int) -> HttpResponse:
    """The county's superintendent records its outcome: confirmed, or its returns corrected and
    recertified. On the superintendent's route the last county's outcome closes the case."""
    county_recount, stop = _acting(request, pk, "recertify")
    if stop:
        return stop
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _worksheet_page(request, county_recount, recertify=form)
    try:
        recorded = county_outcome_record(
            county_recount=county_recount, by=request.user, version=form.cleaned_data["version"]
        )
    except RecountError as error:
        return _refused(request, county_recount, error, form.cleaned_data["version"], recertify=form)
    if recorded.status == CountyRecountStatus.CONFIRMED:
        messages.success(request, f"The recount confirmed {recorded.county}'s returns.")
    else:
        messages.success(request, f"{recorded.county}'s returns are corrected and recertified.")
    case = recorded.request
    case.refresh_from_db()
    if case.status in permissions.FINISHED:
        outcome_message(request, case)
    return redirect("recounts:worksheet", pk=pk)
