"""Planning records (DOMAIN.md §3): status reports, priority rankings with their coin
tosses, capacity reconciliation, the 8-quarter commitment, Priority Change Requests and the
Book of Names."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Signal(models.TextChoices):
    GREEN = "GREEN", "Green"
    AMBER = "AMBER", "Amber"
    RED = "RED", "Red"
    BLACK = "BLACK", "Black"


class StatusReport(models.Model):
    """A Feature Captain's status report; the latest one gives the feature its signal."""

    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="status_reports"
    )
    signal = models.CharField(max_length=5, choices=Signal.choices)
    summary = models.TextField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField()

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.feature.code} {self.get_signal_display()} at {self.reported_at:%Y-%m-%d}"


class PriorityRanking(models.Model):
    """One ordering of a Convoy's features by WSVF (R11, R12), with the witnessed coin toss."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="priority_rankings"
    )
    ranked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ranked_at = models.DateTimeField()
    coin_seed = models.BigIntegerField(
        help_text="Seed of the coin toss; replaying it gives the same order."
    )
    coin_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The Chief Signals Officer who witnessed the toss (R12).",
    )

    class Meta:
        ordering = ["-ranked_at", "-id"]

    def __str__(self) -> str:
        return f"Priority ranking of {self.convoy} at {self.ranked_at:%Y-%m-%d %H:%M}"


class TieBreak(models.TextChoices):
    NONE = "", "No tie"
    SENIORITY = "SENIORITY", "Stakeholder seniority"
    DEFERRALS = "DEFERRALS", "Deferral count"
    PROXIMITY = "PROXIMITY", "Proximity of the stakeholder's office to the Commodore's"
    COIN = "COIN", "Coin toss witnessed by the CSO"


class RankEntry(models.Model):
    ranking = models.ForeignKey(PriorityRanking, on_delete=models.CASCADE, related_name="entries")
    feature = models.ForeignKey("convoy.Feature", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    wsvf = models.DecimalField(max_digits=12, decimal_places=4)
    broken_by = models.CharField(max_length=10, choices=TieBreak.choices, blank=True)

    class Meta:
        ordering = ["ranking", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "position"], name="rank_position_unique"),
            models.UniqueConstraint(fields=["ranking", "feature"], name="rank_feature_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.feature}"


class StretchOpportunity(models.Model):
    """R15: estimates above capacity are recorded as a stretch opportunity, never overcommitment."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="stretch_opportunities"
    )
    estimated_person_days = models.DecimalField(max_digits=10, decimal_places=2)
    capacity_person_days = models.DecimalField(max_digits=10, decimal_places=2)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="stretch_is_a_gap",
                condition=Q(estimated_person_days__gt=models.F("capacity_person_days")),
            ),
        ]

    def __str__(self) -> str:
        return f"Stretch opportunity of {self.gap_person_days} person-days in {self.convoy}"

    @property
    def gap_person_days(self):  # type: ignore[no-untyped-def]
        return self.estimated_person_days - self.capacity_person_days


class PlanningCycle(models.Model):
    """R16: the features committed for the next 8 quarters, locked by the ATO at cycle start."""

    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["year", "quarter"], name="cycle_one_per_quarter"),
            models.CheckConstraint(
                name="cycle_quarter_1_to_4", condition=Q(quarter__gte=1, quarter__lte=4)
            ),
        ]

    def __str__(self) -> str:
        return f"Planning cycle {self.year} Q{self.quarter}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Commitment(models.Model):
    """One feature committed in a planning cycle for a quarter within the next 8."""

    cycle = models.ForeignKey(PlanningCycle, on_delete=models.PROTECT, related_name="commitments")
    name = models.CharField(max_length=200)
    target_year = models.PositiveSmallIntegerField()
    target_quarter = models.PositiveSmallIntegerField()
    feature = models.ForeignKey(
        "convoy.Feature",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        help_text="The feature that fulfils the commitment, once registered.",
    )

    class Meta:
        ordering = ["cycle", "target_year", "target_quarter", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "name", "target_year", "target_quarter"],
                name="commitment_unique",
            ),
            models.CheckConstraint(
                name="commitment_quarter_1_to_4",
                condition=Q(target_quarter__gte=1, target_quarter__lte=4),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.target_year} Q{self.target_quarter})"


class PcrState(models.TextChoices):
    FILED = "FILED", "Filed"
    GRANTED = "GRANTED", "Granted at Captain's Mast"
    DENIED = "DENIED", "Denied at Captain's Mast"


class PriorityChangeRequest(models.Model):
    """R17. The form's fields are copied at filing time: the request stands as filed."""

    convoy = models.ForeignKey(
        "convoy.Convoy", on_delete=models.CASCADE, related_name="priority_change_requests"
    )
    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="priority_change_requests"
    )
    feature_name = models.CharField(max_length=200)
    feature_captain_name = models.CharField(max_length=120)
    current_priority = models.PositiveIntegerField()
    proposed_priority = models.PositiveIntegerField()
    feature_team_size = models.PositiveIntegerField()
    justification = models.TextField()
    counter_justification = models.TextField()
    justification_words = models.PositiveIntegerField()
    counter_justification_words = models.PositiveIntegerField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="filed_pcrs"
    )
    filed_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=PcrState.choices, default=PcrState.FILED)
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruling_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="pcr_counter_at_least_as_long",
                condition=Q(counter_justification_words__gte=models.F("justification_words")),
            ),
            models.CheckConstraint(
                name="pcr_2000_words", condition=Q(justification_words__gte=2000)
            ),
        ]

    def __str__(self) -> str:
        return (
            f"PCR-{self.pk} {self.feature_name}: {self.current_priority} → {self.proposed_priority}"
        )


class PcrApproval(models.Model):
    pcr = models.ForeignKey(
        PriorityChangeRequest, on_delete=models.CASCADE, related_name="approvals"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=20)
    approved_at = models.DateTimeField()

    class Meta:
        ordering = ["approved_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pcr", "approver", "role"], name="pcr_approval_once"),
        ]

    def __str__(self) -> str:
        return f"{self.role} approval of PCR-{self.pcr_id}"


class BookOfNamesWord(models.Model):
    """R18: the EARB's word list. A word of more than three syllables is never admitted."""

    word = models.CharField(max_length=40, unique=True)
    syllables = models.PositiveSmallIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["word"]
        constraints = [
            models.CheckConstraint(name="word_at_most_3_syllables", condition=Q(syllables__lte=3)),
            models.CheckConstraint(
                name="word_is_lowercase", condition=Q(word=models.functions.Lower("word"))
            ),
        ]

    def __str__(self) -> str:
        return self.word


class NameVerdict(models.TextChoices):
    PENDING = "", "Awaiting the EARB"
    ADMITTED = "ADMITTED", "Admitted"
    REJECTED = "REJECTED", "Rejected"


class NameSubmission(models.Model):
    """A feature name put to the EARB (R18). A rejection locks resubmission for 12 weeks."""

    feature = models.ForeignKey(
        "convoy.Feature", on_delete=models.CASCADE, related_name="name_submissions"
    )
    name = models.CharField(max_length=200)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField()
    offending_words = models.JSONField(default=list, blank=True)
    verdict = models.CharField(max_length=10, choices=NameVerdict.choices, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_verdict_display()})"
