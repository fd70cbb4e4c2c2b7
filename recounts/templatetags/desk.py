"""`{% desk_roles user as roles %}`: which parts of the desk the menu offers the user, by the rules
(`recounts.permissions`)."""

from dataclasses import dataclass

from django import template

from accounts import roles
from recounts import permissions

register = template.Library()


@dataclass(frozen=True, slots=True)
class DeskRoles:
    staff: bool  # the pages of an office that receives requests
    secretary_of_state: bool  # the statewide dashboard
    candidate: bool
    office: bool  # the user's own office page (any county or city office they work in)


@register.simple_tag
def desk_roles(user: roles.User) -> DeskRoles:
    """Cheap after the view has asked the same (`accounts.roles` keeps its answers on the user)."""
    return DeskRoles(
        staff=bool(permissions.decide(user, "office_pages", None)),
        secretary_of_state=bool(permissions.decide(user, "statewide_pages", None)),
        candidate=roles.has_candidacies(user),
        office=bool(permissions.decide(user, "office_page", None)),
    )
