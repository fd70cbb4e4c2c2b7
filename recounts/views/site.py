"""Where a sign-in lands, one's own notices, and where to report a vulnerability."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts import roles
from recounts import permissions, queries


@require_safe
@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where a login lands: staff on the elections, a candidate on their contests, an administrator
    with no other role on the admin."""
    if permissions.decide(request.user, "office_pages", None):
        return redirect("recounts:elections")
    if roles.has_candidacies(request.user):
        return redirect("recounts:mine")
    if request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("This account has no role in the recount desk yet.")


@require_safe
@login_required
def notices(request: HttpRequest) -> HttpResponse:
    return render(request, "recounts/notices.html", {"notices": queries.notices_for(request.user)})


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
