from django.db import models


class StaffRole(models.TextChoices):
    """A member's role in a superintendent's office (README, "Who may do what"): staff enter figures, a
    designee of the superintendent also signs off worksheets, the superintendent decides."""

    CLERK = "clerk", "Staff"
    DESIGNEE = "designee", "Designee"
    SUPERINTENDENT = "superintendent", "Superintendent"
