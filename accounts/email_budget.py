"""How many links the desk emails on request: a candidate's invitation (a link to set a password) and
the link to set up two-factor sign-in. Each goes to an address someone else may own and costs the
office's mail reputation, so each is spent from two budgets: sends to one address, and sends one
account asked for, in the last `EMAIL_LINKS_WINDOW_MINUTES` (settings). When either is spent, nothing
is sent and the person is told when to try again.

The counts are kept in Django's cache (settings `CACHES`), not the database: they matter for an hour,
every link sent is already a `Notice` row in the audit trail, and a lost count (a restart) costs at
most one more window's sends. The window slides in sixtieths: each sixtieth of the window has its own
counter (`cache.add` then `cache.incr`, atomic in memory, in Memcached and in Redis), and a send
counts while its sixtieth is inside the window. Several web servers need one shared cache
(SECURITY.md); with each its own memory, each keeps its own budget.

Notices the desk must send (a case's notices, a change to how an account signs in) are never held
back: they are told because something happened, not because someone asked.
"""

import datetime
import hashlib
import math
from dataclasses import dataclass
from itertools import accumulate

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache

from elections.instants import in_words

#: Counters per window: a send leaves the window at most a sixtieth of the window late.
SLICES = 60


class EmailBudgetSpent(Exception):
    """Too many links sent lately, with when to try again; nothing was sent."""


@dataclass(frozen=True)
class _Budget:
    key: str
    limit: int
    spent: str


def _window_words(minutes: int) -> str:
    return "hour" if minutes == 60 else f"{minutes} minutes"


def _budgets(*, to: str, by: AbstractBaseUser) -> list[_Budget]:
    """The address's budget, then the account's: the address's is told first when both are spent."""
    window = _window_words(settings.EMAIL_LINKS_WINDOW_MINUTES)
    per_address, per_account = settings.EMAIL_LINKS_PER_ADDRESS, settings.EMAIL_LINKS_PER_ACCOUNT
    address = hashlib.sha256(to.strip().lower().encode()).hexdigest()  # no address kept in the cache
    return [
        _Budget(
            key=f"email-budget:address:{address}",
            limit=per_address,
            spent=f"Too many links were sent to {to} in the last {window} (at most {per_address})",
        ),
        _Budget(
            key=f"email-budget:account:{by.pk}",
            limit=per_account,
            spent=f"You have had too many links sent in the last {window} (at most {per_account} an account)",
        ),
    ]


def link_spend(*, to: str, by: AbstractBaseUser, now: datetime.datetime) -> None:
    """Counts one link emailed to `to` at the request of `by`, or raises `EmailBudgetSpent` (and counts
    nothing) when either budget is spent. Call it just before the notice is made, inside the action's
    transaction, so that a refusal leaves nothing behind."""
    width = settings.EMAIL_LINKS_WINDOW_MINUTES * 60 / SLICES
    current = math.floor(now.timestamp() / width)
    window = range(current - SLICES + 1, current + 1)
    counted: list[str] = []
    refusal = None
    for budget in _budgets(to=to, by=by):
        key = f"{budget.key}:{current}"
        cache.add(key, 0, timeout=math.ceil(width * (SLICES + 1)))
        cache.incr(key)
        counted.append(key)
        sends = cache.get_many([f"{budget.key}:{slice_}" for slice_ in window])
        counts = [sends.get(f"{budget.key}:{slice_}", 0) for slice_ in window]
        if sum(counts) > budget.limit and refusal is None:
            refusal = (budget, counts)
    if refusal is None:
        return
    for key in counted:
        cache.decr(key)
    budget, counts = refusal
    counts[-1] -= 1  # the refused send
    # Free again once enough of the oldest sends have left the window for one more.
    over = sum(counts) - budget.limit + 1
    offset = next(index for index, left in enumerate(accumulate(counts)) if left >= over)
    free_at = datetime.datetime.fromtimestamp((window[offset] + SLICES) * width, tz=datetime.UTC)
    raise EmailBudgetSpent(f"{budget.spent}; try again after {in_words(free_at)}.")
