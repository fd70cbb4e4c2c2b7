"""`{% desk_roles user as roles %}`: which parts of the desk the menu offers the user, by the rules
(`recounts.permissions`); `{% error_summary form %}`: the form's problems at the top of the page, each
linking to its field (the GOV.UK Design System's error summary); `{% shows_rehearsal as rehearsal %}`:
whether the page shows a rehearsal copy of an election, which base.html then says on top."""

from dataclasses import dataclass

from django import forms, template

from accounts import roles
from elections.models import Contest, Election
from recounts import permissions
from recounts.models import CountyRecount, RecountRequest

register = template.Library()


@dataclass(frozen=True, slots=True)
class DeskRoles:
    staff: bool  # the pages of an office that receives requests
    secretary_of_state: bool  # the statewide dashboard
    candidate: bool
    office: bool  # the user's own office page (any county or city office they work in)
    returns_import: bool  # the page that imports returns


@register.simple_tag
def desk_roles(user: roles.User) -> DeskRoles:
    """Cheap after the view has asked the same (`accounts.roles` keeps its answers on the user)."""
    return DeskRoles(
        staff=bool(permissions.decide(user, "office_pages", None)),
        secretary_of_state=bool(permissions.decide(user, "statewide_pages", None)),
        candidate=roles.has_candidacies(user),
        office=bool(permissions.decide(user, "office_page", None)),
        returns_import=bool(permissions.decide(user, "returns_import", None)),
    )


@register.inclusion_tag("includes/error_summary.html")
def error_summary(form: forms.Form) -> dict:
    """Every error of a bound form: those of a field link to its input (a group of radios or
    checkboxes: to the first), the form's own are listed first, without a link."""
    problems = [("", message) for message in form.non_field_errors()]
    for field in form:
        anchor = field.auto_id
        if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            anchor = f"{anchor}_0"
        problems += [(f"#{anchor}", message) for message in field.errors]
    return {"problems": problems}


#: Where a page keeps what it shows of one election, by the names the views give it.
REHEARSAL_CARRIERS = ("election", "contest", "recount_request", "county_recount")


def _election_of(shown: object) -> Election | None:
    match shown:
        case Election():
            return shown
        case Contest():
            return shown.election
        case RecountRequest():
            return shown.contest.election
        case CountyRecount():
            return shown.request.contest.election
    return None


@register.simple_tag(takes_context=True)
def shows_rehearsal(context: template.Context) -> bool:
    """Whether the page shows anything of a rehearsal copy of an election: the view says so
    (`rehearsal`, for a page of several contests), or the election, contest, case or county recount
    it shows is one's. The views fetch these with their election, so this costs no query."""
    if context.get("rehearsal"):
        return True
    return any(
        election is not None and election.rehearsal
        for election in (_election_of(context.get(name)) for name in REHEARSAL_CARRIERS)
    )
