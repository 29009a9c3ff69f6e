"""The PDF documents of §13: each rendering logged (R56) and its progress in the background.

A rendering is recorded like a workbook export: who, when, which version (counted per Convoy
and document), the file's SHA-256. Versions are given only to documents written completely
(convoy/ceremonies/reports.py).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.crew import Role
from convoy.models.exports import ExportJobState


class ReportKind(models.TextChoices):
    MANIFEST = "manifest", "Convoy Manifest"
    FLEET_INSPECTION = "fleet-inspection", "Fleet Inspection Report"
    COMMENDATION = "commendation", "Commodore's Commendation"


class ReportRendering(models.Model):
    """R56: one rendered document: who, when, which version, the file's hash."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.PROTECT, related_name="report_renderings"
    )
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    feature = models.ForeignKey(
        "convoy.Feature",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report_renderings",
        help_text="The commended feature (the Commendation only).",
    )
    version = models.PositiveIntegerField()
    rendered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_renderings"
    )
    rendered_role = models.CharField(max_length=20, choices=Role.choices)
    rendered_at = models.DateTimeField()
    file_name = models.CharField(max_length=160)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    pdf_variant = models.CharField(max_length=20, blank=True, help_text="e.g. pdf/a-3b")

    class Meta:
        ordering = ["convoy", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["convoy", "kind", "version"], name="report_rendering_version_unique"
            ),
            models.CheckConstraint(
                name="report_rendering_version_positive", condition=Q(version__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class ReportDownload(models.Model):
    """R56: who has downloaded which version of which document."""

    rendering = models.ForeignKey(
        ReportRendering, on_delete=models.PROTECT, related_name="downloads"
    )
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_downloads"
    )
    downloaded_role = models.CharField(max_length=20, choices=Role.choices)
    downloaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-downloaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rendering.file_name} downloaded by {self.downloaded_by}"


class ReportJob(models.Model):
    """A rendering requested in the browser and run by the task worker; the page polls it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    convoy = models.ForeignKey("convoy.Convoy", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=ExportJobState.choices, default=ExportJobState.QUEUED
    )
    steps_done = models.PositiveSmallIntegerField(default=0)
    steps_total = models.PositiveSmallIntegerField()
    current_step = models.CharField(max_length=80, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    rendering = models.OneToOneField(
        ReportRendering, on_delete=models.PROTECT, null=True, blank=True, related_name="job"
    )
    failure = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="report_job_progress_bounded",
                condition=Q(steps_done__lte=models.F("steps_total")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of CONVOY {self.convoy_id} requested {self.requested_at}"
