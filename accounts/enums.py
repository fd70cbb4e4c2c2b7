from django.db import models


class StaffRole(models.TextChoices):
    """What a member of a superintendent's office may do (README, "Who may do what")."""

    CLERK = "clerk", "Staff: enters figures"
    DESIGNEE = "designee", "Designee of the superintendent: signs off worksheets"
    SUPERINTENDENT = "superintendent", "Superintendent"
