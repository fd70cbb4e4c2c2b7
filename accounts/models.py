"""Who works where: the staff of each superintendent's office, and which of them is the superintendent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from accounts.enums import StaffRole
from elections.models import Jurisdiction


class StaffMembership(models.Model):
    """A user who works in a jurisdiction's superintendent's office, in one role.

    The superintendent is appointed by an administrator; a designee is named by the superintendent;
    staff are added by the Secretary of State's staff or an administrator (`accounts.services`).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="memberships")
    title = models.CharField(max_length=100, blank=True, help_text="E.g. “Elections director”, “Chief clerk”.")
    role = models.CharField(max_length=16, choices=StaffRole, default=StaffRole.CLERK)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "jurisdiction"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=Q(role=StaffRole.SUPERINTENDENT),
                name="membership_one_superintendent",
                violation_error_message="This office already has a superintendent.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.jurisdiction} ({self.get_role_display().lower()})"
