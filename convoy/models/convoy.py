"""The Convoy: one release per calendar quarter (DOMAIN.md §2)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class ConvoyState(models.TextChoices):
    ALIGNMENT = "ALIGNMENT", "Alignment"
    PROVISIONING = "PROVISIONING", "Provisioning"
    CODING = "CODING", "Coding"
    CODE_INSPECTION = "CODE_INSPECTION", "Code Inspection"
    TESTING = "TESTING", "Testing"
    SYSTEM_INTEGRATION_TESTING = "SYSTEM_INTEGRATION_TESTING", "System Integration Testing"
    MANIFEST_APPROVAL = "MANIFEST_APPROVAL", "Manifest Approval"
    HELD_IN_PORT = "HELD_IN_PORT", "Held in Port"
    SAILED = "SAILED", "Sailed"
    FLEET_INSPECTION = "FLEET_INSPECTION", "Fleet Inspection"
    DRY_DOCK = "DRY_DOCK", "Dry Dock"
    CLOSED = "CLOSED", "Closed"


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last calendar day of a quarter."""
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    next_first = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return first, next_first - dt.timedelta(days=1)


class Convoy(models.Model):
    number = models.PositiveIntegerField(unique=True)
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    sailing_date = models.DateField()
    state = models.CharField(
        max_length=30, choices=ConvoyState.choices, default=ConvoyState.ALIGNMENT
    )
    commodore = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commanded_convoys"
    )
    created_at = models.DateTimeField()
    state_changed_at = models.DateTimeField()
    sailed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    capacity_person_days = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="The Feature Teams' capacity for the quarter (R15).",
    )

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            # R5: one is the smallest possible number of batches.
            models.UniqueConstraint(fields=["year", "quarter"], name="convoy_one_per_quarter"),
            models.CheckConstraint(
                name="convoy_quarter_1_to_4", condition=Q(quarter__gte=1, quarter__lte=4)
            ),
            models.CheckConstraint(
                name="convoy_year_plausible", condition=Q(year__gte=2000, year__lte=2999)
            ),
            models.CheckConstraint(name="convoy_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("convoy:convoy_detail", args=[self.number])

    @property
    def code(self) -> str:
        return f"CONVOY-{self.number}"

    @property
    def quarter_label(self) -> str:
        return f"{self.year} Q{self.quarter}"

    @property
    def quarter_start(self) -> dt.date:
        return quarter_bounds(self.year, self.quarter)[0]

    @property
    def quarter_end(self) -> dt.date:
        return quarter_bounds(self.year, self.quarter)[1]
