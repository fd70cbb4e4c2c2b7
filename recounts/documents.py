"""Documents the desk hands out as PDF files, rendered from HTML templates with WeasyPrint.

Nothing is fetched while rendering: the templates carry their own CSS, and every URL is refused.
"""

import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from elections.enums import CertificationScope
from elections.models import Certification
from recounts import reports
from recounts.anchors import head_of_record
from recounts.enums import RequestStatus
from recounts.models import CountyRecount, RecountRequest
from recounts.services.outcomes import recertification_note


def _render_pdf(template: str, context: dict) -> bytes:
    """The document of the case `context["request"]`; one of a rehearsal copy says REHEARSAL on every page.
    Its foot gives the audit chain's head as of the case's latest step (`recounts.anchors`)."""
    request = context["request"]
    rehearsal = request.contest.election.rehearsal
    chain_head = head_of_record(request.history.order_by("-history_id").first())
    html = render_to_string(template, context | {"rehearsal": rehearsal, "chain_head": chain_head})
    return HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def _iso(at: datetime.datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).isoformat()


def request_receipt_pdf(request: RecountRequest) -> bytes:
    """The receipt of a written request: what was filed, by whom, when, to whom, and on which figures.

    The rule and figures are the snapshot taken at filing, not the contest as it stands today.
    """
    contest = request.snapshot["contest"]
    rule = contest["rule"] or {}
    zone = request.snapshot["time_zone"]
    return _render_pdf(
        "recounts/documents/request_receipt.html",
        {
            "request": request,
            "contest": contest,
            "rule": rule,
            "own": request.snapshot["candidate"],
            "zone": zone,
            "filed_at_iso": _iso(request.filed_at, zone),
            "recorded_at_iso": _iso(request.recorded_at, zone),
            "authorities": request.authorities.select_related("jurisdiction").order_by("kind", "jurisdiction__name"),
        },
    )


def _county_context(county_recount: CountyRecount) -> dict:
    request = county_recount.request
    return {
        "request": request,
        "county_recount": county_recount,
        "county": county_recount.county,
        "zone": request.snapshot["time_zone"],
        "finish_by": county_recount.finish_by or request.finish_by,
    }


def recount_order_pdf(county_recount: CountyRecount) -> bytes:
    """The superintendent's order to recount the contest in their county (the superintendent route):
    the case, the decision and any ruling, and the place and time of the count."""
    return _render_pdf("recounts/documents/recount_order.html", _county_context(county_recount))


def recount_directive_pdf(request: RecountRequest) -> bytes:
    """The Secretary of State's directive to every county where the office was voted, with the
    statewide window and each county's place and time of the count where already set."""
    return _render_pdf(
        "recounts/documents/recount_directive.html",
        {
            "request": request,
            "zone": request.snapshot["time_zone"],
            "county_recounts": request.county_recounts.select_related("county").order_by("county__name"),
        },
    )


def count_notice_pdf(county_recount: CountyRecount, *, addressee: str) -> bytes:
    """The written notice, before the count, to a candidate or a party chair (`addressee`, as the
    notice names them): the place and time of the count, and who may watch."""
    return _render_pdf(
        "recounts/documents/count_notice.html", _county_context(county_recount) | {"addressee": addressee}
    )


def _signed(votes: int) -> str:
    """“+5”, “−6” (a minus sign, not a hyphen), “0”."""
    return f"{votes:+,}".replace("-", "\N{MINUS SIGN}") if votes else "0"


def _margin(margin: reports.Margin | None) -> str:
    """“Mary Norwood 821 votes behind Keisha Lance Bottoms (0.888% of the total)”."""
    if margin is None:
        return "none: no candidate is behind a declared one"
    share = "" if margin.percent is None else f" ({floatformat(margin.percent, -3)}% of the total)"
    return (
        f"{margin.trailing} {margin.votes:,} votes {'ahead of' if margin.ahead else 'behind'} {margin.leading}{share}"
    )


def recertification_pdf(request: RecountRequest) -> bytes:
    """The outcome of a finished case: confirmed or recertified, the corrected totals and margin, the
    counties whose returns changed, the ballots counted for the first time (each kind on its own
    line), their new certifications, and whether the outcome changed (said loudly when it did)."""
    if request.status not in {RequestStatus.CONFIRMED, RequestStatus.RECERTIFIED}:
        raise ValueError(f"Case {request.receipt_number} is {request.get_status_display().lower()}, not finished.")
    report = reports.discrepancies(request)
    contest = request.contest
    places = Q(jurisdiction__in=contest.counties.all()) | Q(scope=CertificationScope.STATEWIDE)
    if contest.superintendent_jurisdiction_id:
        places |= Q(jurisdiction_id=contest.superintendent_jurisdiction_id)
    certifications = (
        Certification.objects.filter(
            places,
            election_id=contest.election_id,
            version__gt=1,
            certified_at__gte=request.filed_at,
            note=recertification_note(request),
        )
        .select_related("jurisdiction")
        .order_by("scope", "jurisdiction__name", "version")
    )
    changes = []
    for county in report.changed_counties:
        by_candidate: dict[str, int] = {}
        for row in report.differences:
            if row.county.pk == county.pk:
                by_candidate[row.candidate.name] = by_candidate.get(row.candidate.name, 0) + row.difference
        changes.append((county, [f"{name} {_signed(votes)}" for name, votes in by_candidate.items()]))
    confirmed = request.status == RequestStatus.CONFIRMED
    return _render_pdf(
        "recounts/documents/recertification.html",
        {
            "request": request,
            "zone": request.snapshot["time_zone"],
            "heading": "Confirmation of the returns after a recount"
            if confirmed
            else "Recertification after a recount",
            "confirmed": confirmed,
            "totals": [
                {
                    "name": line.candidate.name,
                    "certified": f"{line.certified:,}",
                    "difference": _signed(line.difference),
                    "corrected": f"{line.corrected:,}",
                }
                for line in report.candidates
            ],
            "certified_total": f"{report.certified_total:,}",
            "total_difference": _signed(report.corrected_total - report.certified_total),
            "corrected_total": f"{report.corrected_total:,}",
            "old_margin": _margin(report.old_margin),
            "new_margin": _margin(report.new_margin),
            "changed_counties": [str(county) for county in report.changed_counties],
            "changes": changes,
            "late_ballots": [
                (str(row.county), row.candidate.name, row.line.label, row.vote_type.label, f"{row.recounted:,}")
                for row in report.late_ballots
                if row.recounted
            ],
            "certifications": certifications,
            "declarations": request.declarations_in_words,
            "declared_from_returns": (
                request.finish_declarations["in_force"] == request.finish_declarations["returns_before"]
            ),
        },
    )
