from django.db import models


class Route(models.TextChoices):
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State"
    SUPERINTENDENT = "superintendent", "Superintendent"


class ClosedDayKind(models.TextChoices):
    CLOSED = "closed", "Closed (added to the holidays)"
    OPEN = "open", "Open (removed from the holidays)"
