"""Deploy the Fleet: READY (Review, Evaluate, Approve, Deploy, Yield results) (R43).

- `DeploymentRequest`: the request to the Convoy Steering Committee to deploy, filed by a
  Feature Captain. `presentation_on` is the day it is presented to the CSC: the sailing date
  (R38: Manifest Approval runs on the sailing date).
- `DeploymentApproval`: one signature on the request (R59: immutable from creation). Stages:
  one PEER_REVIEW (another Feature Captain), two APPROVALs by two different CSC members
  ("approved in duplicate"), then the COMMODORE, at least 3 days before `presentation_on`.
- `ReadinessChecklist`: the Deployment Readiness Checklist the Commodore signs (R8, R43). Each
  item is computed from the records at signing and stored as signed (`items`); the Convoy's
  exit criterion reads the `DEPLOYMENT_READINESS` Certificate issued with it.
- `Deployment`: the moment the Fleet deployed. Written when the Convoy advances to SAILED;
  `deployed_at` equals `Convoy.sailed_at`, and it is the instant the Change Freeze (R9)
  counts its 48 hours after deployment from. `results` is the Yield step, filed afterwards
  as `DeploymentYield` records.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from convoy.models.immutable import ImmutableRecord

COMMODORE_APPROVAL_LEAD_DAYS = 3  # R43
DUPLICATE_APPROVALS = 2  # R43: approved in duplicate


class DeploymentRequest(models.Model):
    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="deployment_requests"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField()
    presentation_on = models.DateField(help_text="The CSC presentation: the sailing date (R38).")
    summary = models.TextField(help_text="What is to be deployed, and how it is rolled back.")

    class Meta:
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"Deployment Request {self.pk} for {self.convoy}"


class ApprovalStage(models.TextChoices):
    PEER_REVIEW = "PEER_REVIEW", "Peer review"
    APPROVAL = "APPROVAL", "Approval (in duplicate)"
    COMMODORE = "COMMODORE", "Commodore's approval"


class DeploymentApproval(ImmutableRecord):
    request = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, related_name="approvals"
    )
    stage = models.CharField(max_length=20, choices=ApprovalStage.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            # "In duplicate" means two people: nobody signs the same request twice.
            models.UniqueConstraint(
                fields=["request", "approver"], name="deployment_approval_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of {self.request}"


class ReadinessChecklist(ImmutableRecord):
    """Signed by the Commodore; `items` = [{"rule", "text", "holds", "detail"}, …] as computed."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="readiness_checklists"
    )
    certificate = models.OneToOneField(
        "convoy.Certificate", on_delete=models.PROTECT, related_name="readiness_checklist"
    )
    items = models.JSONField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at", "-id"]

    def __str__(self) -> str:
        return f"Deployment Readiness Checklist of {self.convoy}"


class Deployment(ImmutableRecord):
    convoy = models.OneToOneField(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="deployment"
    )
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    deployed_at = models.DateTimeField(help_text="Equals Convoy.sailed_at; R9 counts from it.")
    request = models.ForeignKey(
        DeploymentRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes_deployed = models.PositiveIntegerField(help_text="Accepted Changes that sailed.")

    class Meta:
        ordering = ["-deployed_at"]

    def __str__(self) -> str:
        return f"Deployment of {self.convoy} at {self.deployed_at:%Y-%m-%d %H:%M}"


class DeploymentYield(ImmutableRecord):
    """The Yield step: the results reported after deployment. A correction names the old one."""

    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="yields")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()
    results = models.TextField()
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.CheckConstraint(name="deployment_yield_has_text", condition=~Q(results=""))
        ]

    def __str__(self) -> str:
        return f"Results of {self.deployment}"
