"""Site-wide fixes to requests, before any view reads them."""

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import reverse

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
