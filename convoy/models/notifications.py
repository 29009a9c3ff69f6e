"""Signal Report escalations (R49), delivered as notifications to the roles the rule names.

A `Notification` is written once per threshold crossing of one Convoy (database constraint):
publishing the Signal Report again at the same Feature Completion Ratio records nothing new.
It is signed by its creation (R59): what was escalated stays as escalated.
"""

from django.conf import settings
from django.db import models

from convoy.models.crew import Role
from convoy.models.immutable import ImmutableRecord


class Notification(ImmutableRecord):
    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="notifications"
    )
    rule = models.CharField(max_length=5, default="R49")
    threshold = models.PositiveSmallIntegerField(
        help_text="The percentage of plan whose crossing raised it (90, 80, 70 or 60)."
    )
    role = models.CharField(max_length=20, choices=Role.choices, help_text="Addressed to.")
    action = models.CharField(max_length=200)
    fcr = models.DecimalField(
        max_digits=7, decimal_places=1, help_text="The Feature Completion Ratio that crossed it."
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["convoy", "-threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["convoy", "threshold"], name="notification_once_per_crossing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.action} ({self.convoy})"
