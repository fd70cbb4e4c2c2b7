"""Check your answers before an action that cannot be undone (the GOV.UK Design System's pattern).

An action's form is sent once to be checked: when it is valid and the person has not yet confirmed,
the view answers with `check_page`, which shows what will be done and sends the same input back with
"confirmed"; "Change your answers" sends it back with "change", and the view shows the form again,
filled in as it was. Only a confirmed, valid form reaches the service.
"""

from collections.abc import Iterable, Mapping

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

#: Inputs that steer the check itself and are not carried back into the form.
STEERING = frozenset({"csrfmiddlewaretoken", "confirmed", "change"})


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "yes"


def changing(request: HttpRequest) -> bool:
    """The person asked to change their answers: show the form again, as they filled it in."""
    return request.POST.get("change") == "yes"


def check_page(
    request: HttpRequest,
    *,
    heading: str,
    button: str,
    back: str,
    answers: Iterable[tuple[str, object]] = (),
    lead: str = "",
    warning: str = "",
    details_template: str = "",
    context: Mapping[str, object] | None = None,
) -> HttpResponse:
    """The page that shows what will be done, with `button` to do it; the request's own input is
    sent again to the same address."""
    carried = [(name, value) for name, values in request.POST.lists() if name not in STEERING for value in values]
    return render(
        request,
        "recounts/check.html",
        {
            "heading": heading,
            "lead": lead,
            "answers": list(answers),
            "warning": warning,
            "details_template": details_template,
            "carried": carried,
            "action": request.path,
            "button": button,
            "back": back,
            "section": back.partition("#")[2],  # where "Change your answers" lands on the form's page
            **(context or {}),
        },
    )
