"""The case's documents: the receipt, the letter or scan as filed, the discrepancy report (page and
CSV), the order or directive, the written notices of the count, and the outcome. Whoever may see the
case may read its documents (`recounts.queries.cases_visible_to`)."""

import hashlib
import io
import logging
import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from recounts import queries, reports
from recounts.documents import (
    count_notice_pdf,
    recertification_pdf,
    recount_directive_pdf,
    recount_order_pdf,
    request_receipt_pdf,
)
from recounts.enums import Route
from recounts.models import CountyRecount, RecountRequest
from recounts.permissions import FINISHED

logger = logging.getLogger(__name__)

CASE_QUERYSET_RELATED = ("contest__election", "contest__home_county", "candidate", "filed_by", "decided_by")


def file_name(text: str, suffix: str) -> str:
    """A download name made only of letters, digits, dots, dashes and underscores."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "document"
    return f"{stem[:100]}{suffix}"


def _pdf(content: bytes, name: str) -> FileResponse:
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=file_name(name, ".pdf"), content_type="application/pdf"
    )


def _visible_case(request: HttpRequest, pk: int) -> RecountRequest:
    return get_object_or_404(queries.cases_visible_to(request.user).select_related(*CASE_QUERYSET_RELATED), pk=pk)


def _visible_request(request: HttpRequest, pk: int) -> RecountRequest:
    """The request as filed, for whom it is addressed to and the candidate: not for a county that only
    counts its part of a case addressed to the Secretary of State."""
    return get_object_or_404(queries.requests_visible_to(request.user).select_related(*CASE_QUERYSET_RELATED), pk=pk)


@require_safe
@login_required
def receipt(request: HttpRequest, pk: int) -> FileResponse:
    recount_request = _visible_request(request, pk)
    return _pdf(request_receipt_pdf(recount_request), recount_request.receipt_number)


@require_safe
@login_required
def letter(request: HttpRequest, pk: int) -> FileResponse:
    """The signed letter or the scan, as it was filed: refused if it is not the file whose SHA-256
    was recorded. Read through its storage (`recounts.storage`, on this machine's disk or in a
    bucket), once to check it and once as it is sent, a chunk at a time: never whole in memory."""
    recount_request = _visible_request(request, pk)
    if not recount_request.letter:
        raise Http404("This request has no letter.")
    stored = recount_request.letter
    try:
        digest = hashlib.sha256()
        with stored.storage.open(stored.name, "rb") as content:
            for chunk in content.chunks():
                digest.update(chunk)
        if digest.hexdigest() != recount_request.letter_sha256:
            logger.error(
                "The letter of request %s does not match its recorded SHA-256 %s; not served.",
                recount_request.receipt_number,
                recount_request.letter_sha256,
            )
            raise Http404("The letter cannot be served.")
        streamed = stored.storage.open(stored.name, "rb")
    except OSError:
        logger.exception("The letter of request %s is missing from the private store.", recount_request.receipt_number)
        raise Http404("The letter cannot be found.") from None
    return FileResponse(
        streamed,
        as_attachment=True,
        filename=file_name(
            f"{recount_request.receipt_number}-{recount_request.letter_name}".removesuffix(".pdf"), ".pdf"
        ),
        content_type="application/pdf",
    )


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
    name = file_name(f"{recount_request.receipt_number}-discrepancies", ".csv")
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
