"""Changes and their pipeline (DOMAIN.md §4)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ChangeState(models.TextChoices):
    DRAFT = "DRAFT", "Draft"
    IMPACT_ASSESSMENT = "IMPACT_ASSESSMENT", "Impact Assessment"
    CODING = "CODING", "Coding"
    CODE_INSPECTION = "CODE_INSPECTION", "Code Inspection"
    TESTING = "TESTING", "Testing"
    DIAT_REVIEW = "DIAT_REVIEW", "DIAT Review"
    SIGNATURES = "SIGNATURES", "Signatures"
    ARCHIVED = "ARCHIVED", "Archived"
    ON_AGENDA = "ON_AGENDA", "On the agenda"
    ACCEPTED = "ACCEPTED", "Accepted"
    REJECTED = "REJECTED", "Rejected"


CHANGE_PIPELINE = list(ChangeState)


class Change(models.Model):
    """A change exists in the platform before anything else happens to it (§4)."""

    feature = models.ForeignKey("convoy.Feature", on_delete=models.CASCADE, related_name="changes")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_changes"
    )
    state = models.CharField(max_length=20, choices=ChangeState.choices, default=ChangeState.DRAFT)
    resubmission_count = models.PositiveSmallIntegerField(default=0)
    lines_added = models.PositiveIntegerField(default=0)
    lines_removed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(help_text="Record creation: the start of lead time (R50).")
    state_changed_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state"], name="change_state_idx")]
        constraints = [
            models.CheckConstraint(
                name="change_state_valid", condition=Q(state__in=ChangeState.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.title}"

    @property
    def record_id(self) -> str:
        return f"CR-{self.pk:05d}" if self.pk else "CR-new"
