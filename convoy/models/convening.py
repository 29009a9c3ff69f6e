"""The CRAP Convening and its agenda (DOMAIN.md §4 R24–R26, §5 R27–R35, §11 R58).

Secret ballot storage (R29, R58)
--------------------------------
"Member X voted on Change C at Convening K" and "a ballot with choice Y and reasons Z" are two
tables with nothing in common but the ballot box they belong to, (K, C):

- `BallotParticipation` (member, convening, change) is unique in the database, so nobody
  votes twice and the chair sees who has not yet voted. It has no timestamp.
- `Ballot` (convening, change, accept, reasons) has no foreign key to a person or to a
  participation, no timestamp, and a random UUID (version 4) primary key, so neither a column
  nor a sort order carries the order of casting. Reasons are a JSON list in the ballot row
  itself: a separate reasons table with sequential ids would record the casting order again.
- The default orderings differ (participations by member, ballots by their random id).
- Each cast re-seals the ballot box: inside the same locked transaction every ballot of
  (K, C) is deleted and written again, in a random order, under fresh random ids. After any
  cast, all ballots of the box were therefore written by one transaction, in an order that
  says nothing of who cast first: SQLite's rowid, PostgreSQL's physical position (ctid) and
  inserting transaction id (xmin) are the same for all of them, or random among them.
- The audit chain (R57) records the participation only ("ballot.participate": member,
  change, convening), never the choice; the tally's event records the counts and the union of
  reasons. The admin lists ballots read-only by their random ids, with the choice and reasons
  only; nothing logs a ballot.

Limits, stated plainly:
- An observer watching the database while ballots are cast (a DBA tailing the WAL, a
  superuser polling the table, statement logging switched on) sees each ballot box change as
  each member casts, and can link them. The design protects stored records, not live traffic.
- Deleted row versions stay on disk until PostgreSQL vacuums them (readable with
  `pageinspect`) and SQLite reuses the pages (unless `secure_delete` is on); backups taken
  between casts are snapshots of the box in between.
- The outcome itself can reveal votes: a unanimous acceptance reveals every member's choice;
  a single reject ballot whose reasons match what one member said in the session points at
  that member.
- The web server's access log records who requested the ballot page and when; it does not
  record the choice, which travels in the POST body.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from convoy.models.crew import CRAP_SEATS
from convoy.models.immutable import ImmutableRecord

PRESENTATION_SECONDS = 180  # R28: at most 3 minutes per presenter
AGENDA_NOTICE_HOURS = 24  # R26
EMERGENCY_MIN_APPROVALS = 4  # R34: 4 of the 7 members
EMERGENCY_SUMMARY_MIN_WORDS = 800  # R34
EMERGENCY_REMEDIATION_BUSINESS_DAYS = 3  # R34


class Cadence(models.TextChoices):
    TWICE_WEEKLY = "TWICE_WEEKLY", "Twice a week"
    BIWEEKLY = "BIWEEKLY", "Every two weeks"


class ConveningState(models.TextChoices):
    SCHEDULED = "SCHEDULED", "Scheduled"
    OPEN = "OPEN", "In session"
    CLOSED = "CLOSED", "Closed"


class Convening(models.Model):
    scheduled_for = models.DateTimeField(unique=True)
    cadence = models.CharField(max_length=20, choices=Cadence.choices)
    state = models.CharField(
        max_length=20, choices=ConveningState.choices, default=ConveningState.SCHEDULED
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agenda_distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agenda_distributed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_for"]
        constraints = [
            models.CheckConstraint(
                name="convening_state_valid", condition=Q(state__in=ConveningState.values)
            ),
            models.CheckConstraint(
                name="convening_open_has_opener",
                condition=Q(state=ConveningState.SCHEDULED) | Q(opened_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"CRAP Convening of {timezone.localtime(self.scheduled_for):%Y-%m-%d %H:%M}"

    @property
    def agenda_distributed(self) -> bool:
        return self.agenda_distributed_at is not None


class ConveningSeat(models.Model):
    """Who sat in which seat when the Convening opened (R3): the members who vote in it."""

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="seats")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.PositiveSmallIntegerField()
    is_chair = models.BooleanField(default=False)

    class Meta:
        ordering = ["convening", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "seat"], name="convening_seat_once"),
            models.UniqueConstraint(fields=["convening", "member"], name="convening_member_once"),
            models.CheckConstraint(
                name="convening_seat_1_to_7", condition=Q(seat__gte=1, seat__lte=CRAP_SEATS)
            ),
        ]

    def __str__(self) -> str:
        return f"Seat {self.seat} at {self.convening}"


class AgendaCopy(models.Model):
    """R26: the agenda as delivered to one member. Members who did not read it still vote."""

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="agenda_copies")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seat = models.PositiveSmallIntegerField()
    delivered_at = models.DateTimeField()
    changes = models.JSONField(help_text="Record ids of the Changes on the agenda delivered.")

    class Meta:
        ordering = ["convening", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "member"], name="agenda_copy_once"),
        ]

    def __str__(self) -> str:
        return f"Agenda of {self.convening} for seat {self.seat}"


class SubmissionOutcome(models.TextChoices):
    PENDING = "PENDING", "Awaiting the Convening"
    ACCEPTED = "ACCEPTED", "ACCEPTED"
    REJECTED = "REJECTED", "REJECTED"
    NOT_HEARD = "NOT_HEARD", "Not heard"


class AgendaSubmission(models.Model):
    """A Change on one Convening's agenda, with the package it carries (R25).

    Also the lock of its ballot box: `cast_ballot` takes this row FOR UPDATE (R29).
    """

    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="submissions")
    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="agenda_submissions"
    )
    requested_convening = models.ForeignKey(
        Convening, on_delete=models.PROTECT, related_name="+", help_text="Before any roll-over."
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    impact_assessment = models.ForeignKey(
        "convoy.ChangeImpactAssessment", on_delete=models.PROTECT, related_name="+"
    )
    request_form = models.ForeignKey(
        "convoy.ChangeRequestForm", on_delete=models.PROTECT, related_name="+"
    )
    risk_exposure_summary = models.TextField()
    rollback_authorization_declaration = models.TextField()
    outcome = models.CharField(
        max_length=20, choices=SubmissionOutcome.choices, default=SubmissionOutcome.PENDING
    )

    class Meta:
        ordering = ["convening", "submitted_at", "id"]
        constraints = [
            # R32: no reconsideration within the same Convening.
            models.UniqueConstraint(fields=["convening", "change"], name="agenda_change_once"),
        ]

    def __str__(self) -> str:
        return f"{self.change.record_id} on the agenda of {self.convening}"

    @property
    def rolled_over(self) -> bool:
        return self.convening_id != self.requested_convening_id


class IntakeRejection(models.Model):
    """R24: refused at intake for want of the archived, verified form. Not a Change Rejection
    Log entry; counted per team for the RBRB."""

    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="intake_rejections"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    team = models.CharField(max_length=80)
    rejected_at = models.DateTimeField()
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["-rejected_at", "-id"]
        indexes = [models.Index(fields=["team", "rejected_at"], name="intake_team_idx")]

    def __str__(self) -> str:
        return f"Intake rejection of {self.change.record_id}"


class OathText(models.Model):
    """R27: the Supplicant's Oath, versioned; set by the ATO, updated annually."""

    version = models.CharField(max_length=20, unique=True)
    text = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        ordering = ["-set_at", "-id"]

    def __str__(self) -> str:
        return f"Supplicant's Oath v{self.version}"


class OathMode(models.TextChoices):
    IN_PERSON = "IN_PERSON", "Sworn in person"
    NOTARISED = "NOTARISED", "Notarised written oath, read by the chair"


class Oath(models.Model):
    """R27: recorded in the minutes with the text version sworn."""

    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="oaths")
    supplicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="oaths"
    )
    oath_text = models.ForeignKey(OathText, on_delete=models.PROTECT, related_name="oaths")
    mode = models.CharField(max_length=20, choices=OathMode.choices)
    notary = models.CharField(max_length=120, blank=True)
    notarised_on = models.DateField(null=True, blank=True)
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["convening", "taken_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "supplicant"], name="oath_once"),
            models.CheckConstraint(
                name="oath_notarised_names_notary",
                condition=Q(mode=OathMode.IN_PERSON, notary="")
                | Q(mode=OathMode.NOTARISED, notarised_on__isnull=False) & ~Q(notary=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Oath v{self.oath_text.version} at {self.convening}"


class Presentation(models.Model):
    """R28: the presenter's timer. Speaking time is capped at 3 minutes in the record; time
    after the allocation is questions, which may extend the session."""

    submission = models.OneToOneField(
        AgendaSubmission, on_delete=models.CASCADE, related_name="presentation"
    )
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    speaking_seconds = models.PositiveIntegerField(null=True, blank=True)
    question_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="presentation_at_most_3_minutes",
                condition=Q(speaking_seconds__isnull=True)
                | Q(speaking_seconds__lte=PRESENTATION_SECONDS),
            ),
            models.CheckConstraint(
                name="presentation_end_complete",
                condition=Q(ended_at__isnull=True, speaking_seconds__isnull=True)
                | Q(ended_at__isnull=False, speaking_seconds__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Presentation of {self.submission.change.record_id}"


class BallotParticipation(models.Model):
    """R29: "member X has voted on Change C at Convening K". Unlinkable to the ballot (R58)."""

    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="+")
    change = models.ForeignKey("convoy.Change", on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["convening", "change", "member__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["convening", "change", "member"], name="ballot_one_envelope_per_member"
            ),
        ]

    def __str__(self) -> str:
        return f"Participation in the ballot on {self.change.record_id}"


class Ballot(models.Model):
    """R29/R58: a choice and its reasons. No voter, no time, a random id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="+")
    change = models.ForeignKey("convoy.Change", on_delete=models.CASCADE, related_name="+")
    accept = models.BooleanField()
    reasons = models.JSONField(default=list, help_text="Checklist item numbers (reject only).")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return "Ballot"


class Tally(ImmutableRecord):
    """R30: counted once, after all 7 ballots; ACCEPTED only if none rejects."""

    class Outcome(models.TextChoices):
        ACCEPTED = "ACCEPTED", "ACCEPTED"
        REJECTED = "REJECTED", "REJECTED"

    submission = models.OneToOneField(
        AgendaSubmission, on_delete=models.PROTECT, related_name="tally"
    )
    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="tallies")
    change = models.ForeignKey("convoy.Change", on_delete=models.CASCADE, related_name="tallies")
    accepts = models.PositiveSmallIntegerField()
    rejects = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    tallied_at = models.DateTimeField()

    class Meta:
        ordering = ["tallied_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "change"], name="tally_once"),
            models.CheckConstraint(
                name="tally_counts_all_seven",
                condition=Q(accepts__gte=0, rejects__gte=0) & Q(accepts=CRAP_SEATS - F("rejects")),
            ),
            models.CheckConstraint(
                name="tally_unanimity",
                condition=Q(outcome="ACCEPTED", rejects=0) | Q(outcome="REJECTED", rejects__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Tally on {self.change.record_id}: {self.outcome}"


class RejectionNotice(ImmutableRecord):
    """R31: to the submitting team, the union of the items named, without attribution."""

    tally = models.OneToOneField(Tally, on_delete=models.PROTECT, related_name="rejection_notice")
    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="rejection_notices"
    )
    team = models.CharField(max_length=80)
    items = models.JSONField(help_text="Checklist item numbers, ascending.")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Rejection Notice for {self.change.record_id}"


class ChangeRejectionLogEntry(models.Model):
    """R32: one rejection of one Change at one Convening."""

    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="rejection_log"
    )
    convening = models.ForeignKey(Convening, on_delete=models.PROTECT, related_name="+")
    tally = models.OneToOneField(Tally, on_delete=models.PROTECT, related_name="log_entry")
    reasons = models.JSONField()
    resubmission_count = models.PositiveSmallIntegerField(
        help_text="Resubmissions of the Change before this rejection."
    )
    logged_at = models.DateTimeField()

    class Meta:
        ordering = ["-logged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "convening"], name="rejection_log_once"),
        ]

    def __str__(self) -> str:
        return f"Rejection of {self.change.record_id} at {self.convening}"


class EmergencyAuthorization(models.Model):
    """R34: the Emergency Authorization Provision, between Convenings."""

    change = models.ForeignKey(
        "convoy.Change", on_delete=models.CASCADE, related_name="emergency_authorizations"
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()
    justification = models.TextField(help_text="The Emergency Justification Declaration.")
    risk_exposure_summary = models.TextField(help_text="Expedited; at least 800 words.")
    remediation_plan = models.TextField()
    documentation_due = models.DateField(
        help_text="Full documentation within 3 business days of the declaration."
    )
    chair_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chair_agreed_at = models.DateTimeField(null=True, blank=True)
    authorized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    authorized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-declared_at", "-id"]

    def __str__(self) -> str:
        return f"Emergency Authorization for {self.change.record_id}"


class EmergencyApproval(models.Model):
    authorization = models.ForeignKey(
        EmergencyAuthorization, on_delete=models.CASCADE, related_name="approvals"
    )
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["authorization", "approved_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "member"], name="emergency_approval_once"
            ),
        ]

    def __str__(self) -> str:
        return f"Approval of {self.authorization}"


class FalseOathReferral(models.Model):
    """R35: a supplicant found to have sworn falsely is referred to the Tribunal."""

    oath = models.OneToOneField(Oath, on_delete=models.PROTECT, related_name="referral")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()
    finding = models.TextField()

    class Meta:
        ordering = ["-referred_at", "-id"]

    def __str__(self) -> str:
        return f"Referral to the Tribunal of the oath of {self.oath.supplicant}"
