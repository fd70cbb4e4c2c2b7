"""Documents the desk hands out as PDF files, rendered from HTML templates with WeasyPrint.

Nothing is fetched while rendering: the templates carry their own CSS, and every URL is refused.
"""

import datetime
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from recounts.models import RecountRequest


def _render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
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
