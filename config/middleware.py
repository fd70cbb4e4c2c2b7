"""Site-wide fixes to requests, before any view reads them."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
