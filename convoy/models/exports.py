"""The Release Tracking workbook's export log (R56) and the progress of an export in the
background (§10)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.crew import Role


class WorkbookExport(models.Model):
    """R56: one export of a Convoy's workbook: who, when, which version, the file's hash.

    Versions count from 1 per Convoy with no gaps: a version is given only to a workbook
    that was written completely (convoy/ceremonies/exports.py).
    """

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.PROTECT, related_name="workbook_exports"
    )
    version = models.PositiveIntegerField()
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workbook_exports"
    )
    exported_role = models.CharField(max_length=20, choices=Role.choices)
    exported_at = models.DateTimeField()
    file_name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    tabs = models.PositiveSmallIntegerField()
    rows = models.PositiveIntegerField(help_text="Data rows written, headers excluded.")

    class Meta:
        ordering = ["convoy", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["convoy", "version"], name="workbook_export_version_unique"
            ),
            models.CheckConstraint(
                name="workbook_export_version_positive", condition=Q(version__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return self.file_name


class WorkbookDownload(models.Model):
    """R56: the Commodore knows who has downloaded which version."""

    export = models.ForeignKey(WorkbookExport, on_delete=models.PROTECT, related_name="downloads")
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="workbook_downloads"
    )
    downloaded_role = models.CharField(max_length=20, choices=Role.choices)
    downloaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-downloaded_at", "-id"]

    def __str__(self) -> str:
        return f"{self.export.file_name} downloaded by {self.downloaded_by}"


class ExportJobState(models.TextChoices):
    QUEUED = "QUEUED", "Queued"
    RUNNING = "RUNNING", "Running"
    COMPLETE = "COMPLETE", "Complete"
    FAILED = "FAILED", "Failed"


class ExportJob(models.Model):
    """An export requested in the browser and run by the task worker; the page polls it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    convoy = models.ForeignKey("convoy.Convoy", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=ExportJobState.choices, default=ExportJobState.QUEUED
    )
    tabs_done = models.PositiveSmallIntegerField(default=0)
    tabs_total = models.PositiveSmallIntegerField()
    current_tab = models.CharField(max_length=31, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    export = models.OneToOneField(
        WorkbookExport, on_delete=models.PROTECT, null=True, blank=True, related_name="job"
    )
    failure = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="export_job_progress_bounded",
                condition=Q(tabs_done__lte=models.F("tabs_total")),
            ),
        ]

    def __str__(self) -> str:
        return f"Export of CONVOY {self.convoy_id} requested at {self.requested_at:%Y-%m-%d %H:%M}"
