"""`{% desk_roles user as roles %}`: which parts of the desk the navbar offers the user."""

from dataclasses import dataclass

from django import template

from recounts import queries, roles

register = template.Library()


@dataclass(frozen=True, slots=True)
class DeskRoles:
    staff: bool  # Secretary of State staff or a superintendent's
    secretary_of_state: bool
    candidate: bool


@register.simple_tag
def desk_roles(user: roles.User) -> DeskRoles:
    """Cheap after the view has asked the same (`recounts.roles` and `queries.has_candidacies` cache)."""
    return DeskRoles(
        staff=roles.is_staff_of_an_authority(user),
        secretary_of_state=roles.is_secretary_of_state(user),
        candidate=queries.has_candidacies(user),
    )
