"""The superintendent's office: who works there, in which role; the superintendent names or unnames
designees (who may sign off worksheets). Every change is kept in history and told to the office's
superintendent. Appointing a superintendent, and adding or removing staff, is done in the admin."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts import roles
from accounts.enums import StaffRole
from accounts.models import StaffMembership
from recounts import permissions
from recounts.services.cases import RecountError
from recounts.services.offices import membership_change


class DesigneeForm(forms.Form):
    """The role wanted (not a toggle: a form sent twice asks the same thing twice) and why."""

    role = forms.ChoiceField(
        choices=[(StaffRole.DESIGNEE.value, "Designee"), (StaffRole.CLERK.value, "Staff")], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        max_length=100,
        label="Why",
        help_text="Kept in the history with your name.",
        error_messages={"required": "Say why: the reason is kept in the history with your name."},
    )


@require_safe
@login_required
def office(request: HttpRequest) -> HttpResponse:
    decision = permissions.decide(request.user, "office_page", None)
    if not decision:
        raise PermissionDenied(decision.reason)
    return _office_page(request)


def _office_page(request: HttpRequest, *, bound: DesigneeForm | None = None) -> HttpResponse:
    """The office's members and what the user may change; `bound`, a form sent back with its problems,
    takes the place of its row's form."""
    places = roles.staff_jurisdiction_ids(request.user)
    memberships = (
        StaffMembership.objects.filter(jurisdiction__in=places)
        .select_related("user", "jurisdiction")
        .order_by("jurisdiction__name", "user__last_name", "user__first_name", "user__username")
    )
    rows = [
        (
            membership,
            permissions.decide(request.user, "name_designee", membership),
            bound
            if bound is not None and bound.prefix == f"m{membership.pk}"
            else DesigneeForm(prefix=f"m{membership.pk}"),
        )
        for membership in memberships
    ]
    return render(request, "recounts/office.html", {"rows": rows, "bound_form": bound})


@require_POST
@login_required
def designee(request: HttpRequest, pk: int) -> HttpResponse:
    """Name a member of the office a designee, or make a designee staff again."""
    membership = get_object_or_404(
        StaffMembership.objects.filter(jurisdiction__in=roles.staff_jurisdiction_ids(request.user)).select_related(
            "user", "jurisdiction"
        ),
        pk=pk,
    )
    decision = permissions.decide(request.user, "name_designee", membership)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = DesigneeForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        return _office_page(request, bound=form)
    before, wanted = StaffRole(membership.role), StaffRole(form.cleaned_data["role"])
    if wanted == before:
        messages.info(
            request, f"{membership.user.get_full_name() or membership.user} is already {before.label.lower()}."
        )
        return redirect("recounts:office")
    membership.role = wanted
    try:
        membership_change(membership=membership, by=request.user, reason=form.cleaned_data["reason"], before=before)
    except RecountError as error:
        messages.error(request, str(error))
    else:
        name = membership.user.get_full_name() or membership.user.get_username()
        if membership.role == StaffRole.DESIGNEE:
            messages.success(request, f"{name} is now your designee: they may sign off worksheets they did not enter.")
        else:
            messages.success(request, f"{name} is no longer your designee.")
    return redirect("recounts:office")
