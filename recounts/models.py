"""The recount statute's numbers as data, so a later law is a new row rather than new code."""

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from recounts.calendar import ClosedDayOverride
from recounts.enums import ClosedDayKind
from recounts.rules import RuleTerms


class RecountRule(models.Model):
    state = models.CharField(max_length=2, default="GA")
    name = models.CharField(max_length=200, unique=True)
    source = models.TextField(blank=True, help_text="The law this rule comes from.")
    effective_from = models.DateField(help_text="First election date the rule governs.")
    effective_to = models.DateField(
        null=True, blank=True, help_text="Last election date the rule governs; empty while in force."
    )
    threshold_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        help_text="A losing candidate within this percent of the total may ask.",
    )
    business_days = models.PositiveSmallIntegerField(default=2, help_text="Business days after certification.")
    cutoff_time = models.TimeField(default=datetime.time(17, 0), help_text="Deadline time on the last day.")
    time_zone = models.CharField(max_length=64, default="America/New_York")

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0) & Q(threshold_percent__lte=100),
                name="rule_threshold_in_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rule_effective_range_ordered",
            ),
            models.CheckConstraint(condition=Q(business_days__gte=1), name="rule_business_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def terms(self) -> RuleTerms:
        return RuleTerms(
            name=self.name,
            threshold_percent=self.threshold_percent,
            business_days=self.business_days,
            cutoff=self.cutoff_time,
            time_zone=self.time_zone,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
        )

    def clean(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": f"“{self.time_zone}” is not a known time zone."}) from None


class ClosedDay(models.Model):
    """A correction to the holiday calendar: a proclaimed closure, or a listed holiday that was not one."""

    day = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=ClosedDayKind, default=ClosedDayKind.CLOSED)
    name = models.CharField(max_length=200, help_text="E.g. “State offices closed by executive order”.")
    source = models.TextField(blank=True, help_text="The proclamation or notice.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.name} ({self.get_kind_display().lower()})"

    @property
    def override(self) -> ClosedDayOverride:
        return ClosedDayOverride(day=self.day, kind=ClosedDayKind(self.kind), name=self.name)
