"""What every recount service shares: the one error type, the check against the rules, and the one
function that changes the status of a case or of a county's part of it (`case_move`)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model

from elections.services import save_with_history
from recounts import permissions, rules
from recounts.enums import CountyRecountStatus, RequestStatus
from recounts.models import CountyRecount, RecountRequest


class RecountError(Exception):
    """A step that cannot be carried out; the message says why, for a person to act on."""


def require(user: AbstractBaseUser, action: str, target: object) -> None:
    """Refuse, with the rule's reason, what `user` may not do to `target` (`recounts.permissions`)."""
    decision = permissions.decide(user, action, target)
    if not decision:
        raise RecountError(decision.reason)


def case_move(
    *,
    subject: RecountRequest | CountyRecount,
    to: RequestStatus | CountyRecountStatus,
    by: AbstractBaseUser,
    reason: str,
) -> Model:
    """Move a case (`rules.CASE_MOVES`) or a county's part of it (`rules.COUNTY_MOVES`) to `to`, and
    save it with a history row naming who and why. Nothing else assigns a status. A county's part is
    its worksheet: every save raises the worksheet's version (`recounts.services.worksheets`)."""
    if isinstance(subject, CountyRecount):
        current, new = CountyRecountStatus(subject.status), CountyRecountStatus(to)
        if not rules.county_move_allowed(current, new):
            raise RecountError(
                f"{subject.county}'s recount is {current.label.lower()}; it cannot become {new.label.lower()}."
            )
        subject.version += 1
    else:
        current, new = RequestStatus(subject.status), RequestStatus(to)
        if not rules.case_move_allowed(current, new):
            raise RecountError(f"A case that is {current.label.lower()} cannot become {new.label.lower()}.")
    subject.status = new
    save_with_history(subject, by=by, reason=reason)
    return subject
