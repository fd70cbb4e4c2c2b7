"""The accounts models' history in the words of the pages (`elections.history_words`): a staff
membership's title and role as the pages write them; whose membership it is, and where, the entry
names."""

from django.db import models

from accounts.models import StaffMembership
from elections.history_words import BOOKKEEPING, NAMED_BY_THE_ENTRY, Wording, register

WORDS: dict[type[models.Model], dict[str, Wording]] = {
    StaffMembership: {"title": Wording("Title", empty="none given"), "role": Wording("Role")},
}

UNLISTED: dict[type[models.Model], dict[str, str]] = {
    StaffMembership: {"id": BOOKKEEPING, "user": NAMED_BY_THE_ENTRY, "jurisdiction": NAMED_BY_THE_ENTRY},
}

register(WORDS, UNLISTED)
