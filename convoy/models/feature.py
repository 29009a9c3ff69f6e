"""Features and their provisioning tasks (DOMAIN.md §3)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from convoy.models.planning import Signal

PERSON_DAYS_PER_STORY_POINT = Decimal("0.73")  # R13
MAX_TASK_HOURS = Decimal("4")  # R14
LEGACY_PRIORITY_DEFERRALS = 3  # R10


class FeatureStatus(models.TextChoices):
    REGISTERED = "REGISTERED", "Registered"
    IN_PROGRESS = "IN_PROGRESS", "In progress"
    CERTIFIED = "CERTIFIED", "Testing certified"
    SHIPPED = "SHIPPED", "Shipped"
    DEFERRED = "DEFERRED", "Deferred"


class Feature(models.Model):
    convoy = models.ForeignKey("convoy.Convoy", on_delete=models.CASCADE, related_name="features")
    number = models.PositiveSmallIntegerField(help_text="F042 is number 42.")
    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=20, blank=True)
    captain = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="captained_features"
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="feature_teams"
    )
    status = models.CharField(
        max_length=20, choices=FeatureStatus.choices, default=FeatureStatus.REGISTERED
    )
    estimated_sp = models.PositiveIntegerField(default=0)
    actual_sp = models.PositiveIntegerField(null=True, blank=True)

    # WSVF inputs (R11).
    cost_of_delay = models.PositiveSmallIntegerField(default=1)
    political_capital_base = models.PositiveSmallIntegerField(default=0)
    sponsor_attended_alignment = models.BooleanField(default=False)
    sponsor_brought_donuts = models.BooleanField(default=False)
    executive_visibility = models.PositiveSmallIntegerField(default=1)
    mentioned_in_earnings_call = models.BooleanField(default=False)
    acronym_quality = models.PositiveSmallIntegerField(default=1)

    # Tie-break inputs (R12).
    sponsor_name = models.CharField(max_length=120, blank=True)
    sponsor_seniority = models.PositiveSmallIntegerField(default=0)
    sponsor_office_distance_m = models.PositiveIntegerField(default=0)

    priority = models.PositiveIntegerField(null=True, blank=True)
    signal = models.CharField(
        max_length=5,
        choices=Signal.choices,
        blank=True,
        help_text="From the Feature Captain's latest status report.",
    )
    deferral_count = models.PositiveSmallIntegerField(default=0)
    carried_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_forward",
        help_text="The same feature in the previous Convoy, when deferred (R10).",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["convoy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["convoy", "number"], name="feature_code_unique"),
            models.CheckConstraint(
                name="feature_number_1_to_999", condition=Q(number__gte=1, number__lte=999)
            ),
            models.CheckConstraint(
                name="feature_cod_1_to_10", condition=Q(cost_of_delay__gte=1, cost_of_delay__lte=10)
            ),
            models.CheckConstraint(
                name="feature_ev_1_to_10",
                condition=Q(executive_visibility__gte=1, executive_visibility__lte=10),
            ),
            models.CheckConstraint(
                name="feature_aq_at_least_1", condition=Q(acronym_quality__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("convoy:feature_detail", args=[self.convoy.number, self.number])

    @property
    def code(self) -> str:
        return f"F{self.number:03d}"

    @property
    def person_days(self) -> Decimal:
        return self.estimated_sp * PERSON_DAYS_PER_STORY_POINT

    @property
    def legacy_priority(self) -> bool:
        return self.deferral_count >= LEGACY_PRIORITY_DEFERRALS


class Task(models.Model):
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=4, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["feature", "number"]
        constraints = [
            models.UniqueConstraint(fields=["feature", "number"], name="task_number_unique"),
            # R14: no task over 4 hours; a larger one must be split.
            models.CheckConstraint(
                name="task_at_most_4_hours", condition=Q(hours__gt=0, hours__lte=MAX_TASK_HOURS)
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        # R14: C{convoy}-F{feature:03}-T{task:03}
        return f"C{self.feature.convoy.number}-F{self.feature.number:03d}-T{self.number:03d}"
