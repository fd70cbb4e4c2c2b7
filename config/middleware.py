"""Site-wide fixes to requests, before any view reads them."""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse

#: The admin's query parameter naming the field a related-object popup returns.
TO_FIELD = "_to_field"


class EmptyToFieldMiddleware:
    """Django's admin reads `?_to_field=`; present but empty, its change page looks up a field named ""
    and answers a server error (Django 6.1, `ModelAdmin._changeform_view`; found by
    tests/test_no_server_errors.py). An empty `_to_field` names no field: it is dropped."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for query in ("GET", "POST"):
            values = getattr(request, query)
            if TO_FIELD in values and not values.get(TO_FIELD):
                values = values.copy()
                del values[TO_FIELD]
                setattr(request, query, values)
        return self.get_response(request)


#: The largest whole number a database column or an extracted date part is compared with (64 bits).
LARGEST_NUMBER = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"\s*[-+]?\d+\s*")


class OversizedNumberMiddleware:
    """A query string value written as a whole number beyond 64 bits (`?filed_at__day=99999999999999999999`)
    reaches the database unchecked through the admin's filters, where SQLite's driver raises an
    OverflowError and PostgreSQL's a DataError that Django's admin does not catch: a server error
    (found by tests/test_no_server_errors.py). In the admin it is refused as a bad request, saying
    which value; the desk's own pages read their numbers themselves, and answer such a one as a number
    that matches nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(reverse("admin:index")):
            return self.get_response(request)
        for key, values in request.GET.lists():
            for value in values:
                if len(value) > 18 and _WHOLE_NUMBER.fullmatch(value) and abs(int(value)) > LARGEST_NUMBER:
                    return HttpResponseBadRequest(
                        f"The number given for “{key}” in the address is too large.", content_type="text/plain"
                    )
        return self.get_response(request)


#: The pages whose form takes a larger file than a letter, and the setting that holds its limit.
LARGER_UPLOADS = {"recounts:returns_import": "RETURNS_UPLOAD_MAX_BYTES"}


def request_body_limit(path: str) -> int:
    """The most bytes a request to `path` may send: its form's fields, and the largest file its page
    takes (the returns on the import page; elsewhere a letter or a scan)."""
    try:
        view_name = resolve(path).view_name
    except Resolver404:
        view_name = ""
    largest_file = getattr(settings, LARGER_UPLOADS.get(view_name, "LETTER_MAX_BYTES"))
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + largest_file


class RequestBodyLimitMiddleware:
    """Django reads a request's body when a view first asks for its form: an upload over the limit
    was received whole, hundreds of megabytes, before the form refused it. A request that says it
    is larger than its page takes (`Content-Length`) is answered at once with a 413 page that
    states the limit, and its body is never read. Django never reads past `Content-Length`, and a
    body sent without one (chunked) is read as empty, so no body can grow past the limit unseen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = request_body_limit(request.path_info)
        if length > limit:
            return render(request, "413.html", {"limit_mb": limit // 1_048_576}, status=413)
        return self.get_response(request)
