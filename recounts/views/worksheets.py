"""A county's recount worksheet, as steps each saved on its own: the overview lists them with where
each stands (scanner tests, tallies, late ballots, tabulator tapes, the check and submission), each
step has its page and its form. Its staff do the steps; the superintendent or a designee signs off,
the superintendent reopens it or records the county's outcome, each after checking what they do;
everyone else who may see the case reads it. Each form is offered only where `recounts.permissions`
allows it.

Nothing typed is lost: tallies that cannot be saved yet are kept as typed (a draft) and shown again
with the lines to correct. A save made on an older version of the worksheet than the stored one is
refused by the service; the page then shows the stored figures, never the refused ones over them.
"""

from collections import defaultdict
from collections.abc import Callable

from django import forms
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
    SIGN_OFF_ATTESTATION,
    CountScheduleForm,
    LateBallotsForm,
    OutcomeForm,
    ReopenForm,
    ScannerTestCorrectionForm,
    ScannerTestForm,
    SignOffForm,
    SubmitForm,
    TapesForm,
    WorksheetForm,
)
from recounts.models import CountyRecount, RecountTally
from recounts.services.cases import RecountError
from recounts.services.decisions import county_count_schedule
from recounts.services.outcomes import county_outcome_record, differs
from recounts.services.worksheets import (
    late_ballots_enter,
    scanner_test_correct,
    scanner_test_record,
    signing_title,
    tally_draft_save,
    tapes_save,
    worksheet_problems,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_steps,
    worksheet_submit,
)
from recounts.views.cases import outcome_message, refused
from recounts.views.checking import changing, check_page, confirmed

#: The worksheet's actions: those the overview offers, and the steps' (whose reasons the overview gives).
OVERVIEW_ACTIONS = ("schedule", "sign_off", "reopen", "recertify")
ACTIONS = (*OVERVIEW_ACTIONS, "test_scanner", "enter_figures", "enter_late_ballots", "submit")


def _visible_worksheet(request: HttpRequest, pk: int) -> CountyRecount:
    return get_object_or_404(
        queries.worksheets_visible_to(request.user).select_related(
            "request__contest__election", "request__candidate", "county", "submitted_by", "signed_off_by"
        ),
        pk=pk,
    )


def _url(name: str, county_recount: CountyRecount) -> str:
    return reverse(f"recounts:{name}", args=[county_recount.pk])


def _acting(
    request: HttpRequest, pk: int, action: str, *, back: str = "worksheet"
) -> tuple[CountyRecount, HttpResponse | None]:
    """The worksheet, and None if the user may do `action` to it now; otherwise the refusal
    (`views.cases.refused`: forbidden, or back to the page `back` with the reason)."""
    county_recount = _visible_worksheet(request, pk)
    return county_recount, refused(request, action, county_recount, back=reverse(f"recounts:{back}", args=[pk]))


def _conflict(county_recount: CountyRecount, version: int) -> bool:
    """Whether the worksheet was saved since `version` was read (then the page shows the stored one)."""
    county_recount.refresh_from_db(fields=["version"])
    return county_recount.version != version


def _candidates(county_recount: CountyRecount) -> list[Candidate]:
    return list(county_recount.request.contest.candidates.order_by("ballot_order", "name"))


def _returns_sums(tallies: list[RecountTally]) -> dict[int, int | None]:
    """What each candidate's lines of the returns add up to; None while a line is not counted."""
    sums: dict[int, int | None] = defaultdict(int)
    for tally in tallies:
        if tally.line != TallyLine.RETURNS:
            continue
        added = sums[tally.candidate_id]
        sums[tally.candidate_id] = None if added is None or tally.recounted is None else added + tally.recounted
    return dict(sums)


def _figures(county_recount: CountyRecount, candidates: list[Candidate]) -> dict[str, object]:
    """The worksheet's figures as every page shows them, read only: the lines (returns and late
    ballots, each with its difference), the tapes beside what the lines add up to, the scanner tests."""
    tallies = queries.worksheet_tallies(county_recount)
    sums = _returns_sums(tallies)
    return {
        "tallies": tallies,
        "returns_lines": [tally for tally in tallies if tally.line == TallyLine.RETURNS],
        "late_lines": [tally for tally in tallies if tally.line != TallyLine.RETURNS],
        "scanner_tests": list(county_recount.scanner_tests.all()),
        "tapes": (
            []
            if county_recount.hand_count
            else [
                (candidate, county_recount.tabulator_tapes.get(str(candidate.pk)), sums.get(candidate.pk))
                for candidate in candidates
            ]
        ),
        "hand_count": county_recount.hand_count,
    }


def _base_context(request: HttpRequest, county_recount: CountyRecount) -> dict[str, object]:
    case = county_recount.request
    candidates = _candidates(county_recount)
    figures = _figures(county_recount, candidates)
    problems = worksheet_problems(county_recount)
    office = bool(permissions.county_staff.test(request.user, county_recount))
    return {
        "county_recount": county_recount,
        "recount_request": case,
        "candidates": candidates,
        "problems": problems,
        "office": office,
        "worksheet_open": county_recount.status in permissions.WORKSHEET_OPEN,
        "steps": worksheet_steps(
            county_recount,
            tallies=figures["tallies"],
            scanner_tests=figures["scanner_tests"],
            candidates=candidates,
            problems=problems,
        ),
        **figures,
    }


def _overview(request: HttpRequest, county_recount: CountyRecount, **bound: forms.Form) -> HttpResponse:
    """The worksheet's overview: its steps and where each stands, its figures, and the forms of the
    superintendent and the official who signs off. A form given (by its action's name) is shown bound."""
    user = request.user
    case = county_recount.request
    may = {action: permissions.decide(user, action, county_recount) for action in ACTIONS}
    version = {"version": county_recount.version}
    offered_forms = {
        "schedule": lambda: CountScheduleForm(
            initial={"count_place": county_recount.count_place, "count_starts_at": county_recount.count_starts_at}
        ),
        "sign_off": lambda: SignOffForm(initial=version),
        "reopen": lambda: ReopenForm(),
        "recertify": lambda: OutcomeForm(initial=version),
    }
    offered = {action: bound.get(action) or offered_forms[action]() for action in OVERVIEW_ACTIONS if may[action]}
    context = _base_context(request, county_recount)
    # Where a member of the county's office would wonder why a step is not offered: the reason.
    refusals = (
        list(dict.fromkeys(decision.reason for decision in may.values() if not decision)) if context["office"] else []
    )
    context |= {
        "case_visible": queries.cases_visible_to(user).filter(pk=case.pk).exists(),
        "progress": queries.county_progress(county_recount, now=timezone.now()),
        "forms": offered,
        "bound_form": next(iter(bound.values()), None),
        "refusals": refusals,
        "signing_as": signing_title(user, county_recount) if "sign_off" in offered else "",
        "differs": differs(county_recount) if "recertify" in offered else False,
    }
    return render(request, "recounts/worksheet.html", context)


def _step(
    request: HttpRequest,
    county_recount: CountyRecount,
    *,
    step: str,
    action: str,
    form: forms.Form | None,
    **extra: object,
) -> HttpResponse:
    """A step's page: its form when the user may do its action now, otherwise its figures read only
    (and, to the county's office, why not)."""
    decision = permissions.decide(request.user, action, county_recount)
    context = _base_context(request, county_recount)
    context |= {
        "step": step,
        "form": form if decision else None,
        "not_now": decision.reason if not decision and context["office"] else "",
        **extra,
    }
    return render(request, f"recounts/worksheet/{step}.html", context)


def _refused(
    request: HttpRequest,
    county_recount: CountyRecount,
    error: RecountError,
    version: int | None,
    page: Callable[..., HttpResponse],
) -> HttpResponse:
    """The service refused: its message, and the page again with the form as typed (`page(county_recount,
    typed=True)`); or, when the worksheet was saved meanwhile, as it is stored (`typed=False`)."""
    messages.error(request, str(error))
    if version is not None and _conflict(county_recount, version):
        return page(_visible_worksheet(request, county_recount.pk), typed=False)
    return page(county_recount, typed=True)


# -- The overview -----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD"])
@login_required
def worksheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A county's worksheet: its steps, its figures, and the forms of those who sign and certify."""
    return _overview(request, _visible_worksheet(request, pk))


# -- The steps --------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scanner_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 1: the scanners' test decks; each may be corrected until the tallies are saved."""

    def page(county_recount: CountyRecount, *, form: ScannerTestForm | None = None) -> HttpResponse:
        return _step(
            request,
            county_recount,
            step="scanner_test",
            action="test_scanner",
            form=form or ScannerTestForm(initial={"version": county_recount.version}),
            may_correct=bool(permissions.decide(request.user, "correct_scanner_test", county_recount)),
        )

    if request.method != "POST":
        return page(_visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "test_scanner", back="scanner_test")
    if stop:
        return stop
    form = ScannerTestForm(request.POST)
    if not form.is_valid():
        return page(county_recount, form=form)
    version = form.cleaned_data["version"]
    try:
        test = scanner_test_record(county_recount=county_recount, by=request.user, version=version, **form.deck())
    except RecountError as error:
        return _refused(
            request,
            county_recount,
            error,
            version,
            lambda part, typed: page(part, form=form if typed else None),
        )
    if test.passed:
        messages.success(request, f"Scanner {test.scanner} passed its test deck.")
    else:
        messages.warning(request, f"Scanner {test.scanner} failed its test deck.")
    return redirect("recounts:scanner_test", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def scanner_test_change(request: HttpRequest, pk: int, test: int) -> HttpResponse:
    """Correct a scanner test mistyped, saying why, until the tallies are saved."""
    county_recount, stop = _acting(request, pk, "correct_scanner_test", back="scanner_test")
    if stop:
        return stop
    scanner_test = get_object_or_404(county_recount.scanner_tests, pk=test)

    def page(county_recount: CountyRecount, *, form: ScannerTestCorrectionForm | None = None) -> HttpResponse:
        return _step(
            request,
            county_recount,
            step="scanner_test_change",
            action="correct_scanner_test",
            form=form
            or ScannerTestCorrectionForm(scanner_test=scanner_test, initial={"version": county_recount.version}),
            scanner_test=scanner_test,
        )

    if request.method != "POST":
        return page(county_recount)
    form = ScannerTestCorrectionForm(request.POST, scanner_test=scanner_test)
    if not form.is_valid():
        return page(county_recount, form=form)
    version = form.cleaned_data["version"]
    try:
        corrected = scanner_test_correct(
            scanner_test=scanner_test,
            by=request.user,
            version=version,
            reason=form.cleaned_data["reason"],
            **form.deck(),
        )
    except RecountError as error:
        return _refused(
            request, county_recount, error, version, lambda part, typed: page(part, form=form if typed else None)
        )
    result = "it passes its test deck" if corrected.passed else "it fails its test deck"
    messages.success(request, f"Scanner {corrected.scanner}'s test is corrected: {result}.")
    return redirect("recounts:scanner_test", pk=pk)


def _tallies_form(county_recount: CountyRecount) -> WorksheetForm:
    """The tallies as saved, or, when some were typed and not saved yet, as typed (with their problems)."""
    tallies = queries.worksheet_tallies(county_recount)
    if county_recount.tally_draft:
        return WorksheetForm(
            WorksheetForm.typed_again(county_recount.tally_draft, version=county_recount.version),
            county_recount=county_recount,
            tallies=tallies,
        )
    return WorksheetForm(county_recount=county_recount, tallies=tallies)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def tallies(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: the recounted tallies. Valid, they are saved; otherwise they are kept as typed (a
    draft), and the page shows them again with every problem, each line to correct marked."""

    def page(county_recount: CountyRecount, *, form: WorksheetForm | None = None) -> HttpResponse:
        return _step(
            request,
            county_recount,
            step="tallies",
            action="enter_figures",
            form=form or _tallies_form(county_recount),
        )

    if request.method != "POST":
        return page(_visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "enter_figures", back="tallies")
    if stop:
        return stop
    form = WorksheetForm(request.POST, county_recount=county_recount, tallies=queries.worksheet_tallies(county_recount))
    valid = form.is_valid()
    version = form.cleaned_data.get("version")
    if version is None:
        messages.error(request, "The worksheet's version is missing; reload the page and type the tallies again.")
        return redirect("recounts:tallies", pk=pk)
    try:
        if valid:
            worksheet_save(county_recount=county_recount, by=request.user, version=version, entries=form.entries())
        else:
            tally_draft_save(county_recount=county_recount, by=request.user, version=version, draft=form.draft())
    except RecountError as error:
        return _refused(
            request, county_recount, error, version, lambda part, typed: page(part, form=form if typed else None)
        )
    if not valid:
        problems = len(form.errors)
        messages.warning(
            request,
            f"Your tallies are kept as you typed them, but not counted yet: {problems} "
            f"{'problem needs' if problems == 1 else 'problems need'} correcting first.",
        )
        return redirect("recounts:tallies", pk=pk)
    messages.success(request, f"{county_recount.county}'s tallies are saved.")
    return redirect("recounts:worksheet", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def late_ballots(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: ballots counted for the first time, each kind on lines of its own."""

    def page(county_recount: CountyRecount, *, form: LateBallotsForm | None = None) -> HttpResponse:
        return _step(
            request,
            county_recount,
            step="late_ballots",
            action="enter_late_ballots",
            form=form
            or LateBallotsForm(
                initial={"version": county_recount.version}, candidates=county_recount.request.contest.candidates.all()
            ),
        )

    if request.method != "POST":
        return page(_visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "enter_late_ballots", back="late_ballots")
    if stop:
        return stop
    form = LateBallotsForm(request.POST, candidates=county_recount.request.contest.candidates.all())
    if not form.is_valid():
        return page(county_recount, form=form)
    version = form.cleaned_data["version"]
    try:
        late_ballots_enter(
            county_recount=county_recount, by=request.user, version=version, late_ballots=form.late_ballots()
        )
    except RecountError as error:
        return _refused(
            request, county_recount, error, version, lambda part, typed: page(part, form=form if typed else None)
        )
    (late,) = form.late_ballots()
    messages.success(request, f"{late.line.label} for {late.candidate}: {late.votes:,} entered.")
    return redirect("recounts:late_ballots", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def tapes(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: each candidate's total on the tabulator tapes (not needed for a hand count)."""

    def page(county_recount: CountyRecount, *, form: TapesForm | None = None) -> HttpResponse:
        if county_recount.hand_count:
            form = None
        elif form is None:
            form = TapesForm(
                county_recount=county_recount,
                candidates=_candidates(county_recount),
                sums=_returns_sums(queries.worksheet_tallies(county_recount)),
            )
        return _step(request, county_recount, step="tapes", action="enter_figures", form=form)

    if request.method != "POST":
        return page(_visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "enter_figures", back="tapes")
    if stop:
        return stop
    if county_recount.hand_count:
        messages.error(request, "No scanner passed its test deck: the ballots are counted by hand, without tapes.")
        return redirect("recounts:tapes", pk=pk)
    form = TapesForm(
        request.POST,
        county_recount=county_recount,
        candidates=_candidates(county_recount),
        sums=_returns_sums(queries.worksheet_tallies(county_recount)),
    )
    if not form.is_valid():
        return page(county_recount, form=form)
    version = form.cleaned_data["version"]
    try:
        tapes_save(
            county_recount=county_recount, by=request.user, version=version, tabulator_tapes=form.tabulator_tapes()
        )
    except RecountError as error:
        return _refused(
            request, county_recount, error, version, lambda part, typed: page(part, form=form if typed else None)
        )
    messages.success(request, f"{county_recount.county}'s tabulator tapes are saved.")
    return redirect("recounts:worksheet", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 5: check your answers (every figure, its difference from the certified one, the tapes,
    the scanner tests), then submit them for sign-off."""

    def page(county_recount: CountyRecount) -> HttpResponse:
        return _step(
            request,
            county_recount,
            step="submit",
            action="submit",
            form=SubmitForm(initial={"version": county_recount.version}),
        )

    if request.method != "POST":
        return page(_visible_worksheet(request, pk))
    county_recount, stop = _acting(request, pk, "submit", back="submit")
    if stop:
        return stop
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The worksheet's version is missing; reload the page.")
        return redirect("recounts:submit", pk=pk)
    version = form.cleaned_data["version"]
    try:
        worksheet_submit(county_recount=county_recount, by=request.user, version=version)
    except RecountError as error:
        return _refused(request, county_recount, error, version, lambda part, typed: page(part))
    messages.success(request, f"{county_recount.county}'s worksheet is submitted for sign-off.")
    return redirect("recounts:worksheet", pk=pk)


# -- Signing, reopening, the outcome: each checked before it is done ------------------------------


def _figures_check(request: HttpRequest, county_recount: CountyRecount, **check: object) -> HttpResponse:
    """The check page of an action on the whole worksheet, with its figures and their differences."""
    return check_page(
        request,
        back=_url("worksheet", county_recount),
        details_template="recounts/worksheet/figures.html",
        context=_figures(county_recount, _candidates(county_recount)) | {"county_recount": county_recount},
        **check,
    )


@require_POST
@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "sign_off")
    if stop:
        return stop
    form = SignOffForm(request.POST)
    if changing(request) or not form.is_valid():
        return _overview(request, county_recount, sign_off=form)
    county = county_recount.county
    if not confirmed(request):
        return _figures_check(
            request,
            county_recount,
            heading=f"Check before you sign off {county}'s count",
            button="Confirm and sign off",
            lead=f"You sign off the figures {county}'s office submitted, as the true result of its recount.",
            answers=[
                ("Signed by", f"{request.user.get_full_name()}, {signing_title(request.user, county_recount)}"),
                ("Attestation", SIGN_OFF_ATTESTATION),
            ],
            warning="Once it is signed off, only the superintendent can reopen the worksheet.",
        )
    try:
        signed = worksheet_sign_off(
            county_recount=county_recount,
            by=request.user,
            version=form.cleaned_data["version"],
            attested=form.cleaned_data["attestation"],
        )
    except RecountError as error:
        return _refused(
            request,
            county_recount,
            error,
            form.cleaned_data["version"],
            lambda part, typed: _overview(request, part, **({"sign_off": form} if typed else {})),
        )
    counted = (
        " Every county is signed off: the case is counted." if signed.request.status == RequestStatus.COUNTED else ""
    )
    messages.success(request, f"{county}'s worksheet is signed off by {signed.official_name}.{counted}")
    return redirect("recounts:worksheet", pk=pk)


@require_POST
@login_required
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    county_recount, stop = _acting(request, pk, "reopen")
    if stop:
        return stop
    form = ReopenForm(request.POST)
    if changing(request) or not form.is_valid():
        return _overview(request, county_recount, reopen=form)
    county = county_recount.county
    if not confirmed(request):
        signed = county_recount.status == CountyRecountStatus.APPROVED
        return _figures_check(
            request,
            county_recount,
            heading=f"Check before you reopen {county}'s worksheet",
            button="Confirm and reopen the worksheet",
            answers=[("Why it is reopened", form.cleaned_data["reason"])],
            warning=(
                f"{county}'s {'sign-off is withdrawn' if signed else 'submission is withdrawn'}: its office corrects "
                "the figures, submits them again, and someone who did not enter them signs them off again."
                + (" The case goes back to counting." if county_recount.request.status == RequestStatus.COUNTED else "")
            ),
        )
    try:
        worksheet_reopen(county_recount=county_recount, by=request.user, reason=form.cleaned_data["reason"])
    except RecountError as error:
        return _refused(request, county_recount, error, None, lambda part, typed: _overview(request, part, reopen=form))
    messages.success(request, f"{county}'s worksheet is reopened; its earlier figures stay in history.")
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
        return _overview(request, county_recount, schedule=form)
    try:
        county_count_schedule(
            county_recount=county_recount,
            by=request.user,
            count_place=form.cleaned_data["count_place"],
            count_starts_at=form.cleaned_data["count_starts_at"],
        )
    except RecountError as error:
        return _refused(
            request, county_recount, error, None, lambda part, typed: _overview(request, part, schedule=form)
        )
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
    if changing(request) or not form.is_valid():
        return _overview(request, county_recount, recertify=form)
    county = county_recount.county
    if not confirmed(request):
        corrected = differs(county_recount)
        return _figures_check(
            request,
            county_recount,
            heading=(
                f"Check before you correct and recertify {county}'s returns"
                if corrected
                else f"Check before you confirm {county}'s returns"
            ),
            button="Confirm and recertify the returns" if corrected else "Confirm and keep the returns as certified",
            lead=(
                f"The recount differs from the certified returns in {county}: its returns are corrected to the "
                "recounted figures below and recertified, in your name."
                if corrected
                else f"The recount found no difference in {county}: its returns are confirmed as certified."
            ),
            warning="This cannot be undone.",
        )
    try:
        recorded = county_outcome_record(
            county_recount=county_recount, by=request.user, version=form.cleaned_data["version"]
        )
    except RecountError as error:
        return _refused(
            request,
            county_recount,
            error,
            form.cleaned_data["version"],
            lambda part, typed: _overview(request, part, **({"recertify": form} if typed else {})),
        )
    if recorded.status == CountyRecountStatus.CONFIRMED:
        messages.success(request, f"The recount confirmed {recorded.county}'s returns.")
    else:
        messages.success(request, f"{recorded.county}'s returns are corrected and recertified.")
    case = recorded.request
    case.refresh_from_db()
    if case.status in permissions.FINISHED:
        outcome_message(request, case)
    return redirect("recounts:worksheet", pk=pk)
