"""The Secretary of State's board (the statewide dashboard): the counts of the open cases, the requests
waiting for a decision, what falls due today and tomorrow, and every county of the open cases, those
that need attention first, a page at a time, filtered; the same table as CSV.

Its flags are the inbox's and the case page's own (`recounts.queries.statewide_board`), so the pages
never disagree.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from recounts import exports, permissions, queries
from recounts.forms import BoardFilterForm
from recounts.queries import CountyProgress
from recounts.views.documents import file_name

#: Counties a page of the board's table shows.
COUNTIES_PER_PAGE = 50


def _statewide(request: HttpRequest) -> None:
    decision = permissions.decide(request.user, "statewide_pages", None)
    if not decision:
        raise PermissionDenied(decision.reason)


def _filtered(request: HttpRequest, counties: list[CountyProgress]) -> tuple[BoardFilterForm, list[CountyProgress]]:
    """The filter form bound to the address, and the counties it keeps (none while a filter is not one
    the form offers: the table never pretends to be filtered)."""
    form = BoardFilterForm(request.GET, elections=queries.board_elections())
    if not form.is_valid():
        return form, []
    kept = queries.board_counties_filtered(
        counties,
        election=form.cleaned_data["election"],
        status=form.cleaned_data["status"],
        overdue=form.cleaned_data["overdue"],
    )
    return form, kept


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The board: the counts, the requests waiting for a decision, what is due today and tomorrow, and
    the county table, a page at a time (the filters kept in the pages' links)."""
    _statewide(request)
    board = queries.statewide_board(now=timezone.now())
    form, counties = _filtered(request, board.counties)
    page = Paginator(counties, COUNTIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recounts/dashboard.html",
        {
            "board": board,
            "form": form,
            "page": page,
            "rows": queries.with_last_activity(list(page.object_list)),
            "filtered": any(form.cleaned_data.values()) if form.is_valid() else True,
        },
    )


@require_safe
@login_required
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    """The board's county table as CSV: every county the page's filters keep, in the table's order."""
    _statewide(request)
    _, counties = _filtered(request, queries.board_counties(now=timezone.now()))
    name = file_name(f"recount-counties-{timezone.localdate():%Y-%m-%d}", ".csv")
    return HttpResponse(
        exports.board_csv(queries.with_last_activity(counties)),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
