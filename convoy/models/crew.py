"""People and the roles they hold (DOMAIN.md §1)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ADMIRAL = "ADMIRAL", "Admiral (ATO)"
    COMMODORE = "COMMODORE", "Commodore"
    CSO = "CSO", "Chief Signals Officer"
    FEATURE_CAPTAIN = "FEATURE_CAPTAIN", "Feature Captain"
    CODE_ENGINEER = "CODE_ENGINEER", "Code Engineer"
    CSET = "CSET", "Code Standards Enforcement Team"
    EARB = "EARB", "Enterprise Architecture Review Board"
    QA = "QA", "Quality Authority"
    DIAT = "DIAT", "Development Integrity Assurance Team"
    CRAP = "CRAP", "Change Rejection or Acceptance Party"
    CGR = "CGR", "Change governance representative"
    RBRB = "RBRB", "Review Board Review Board"
    CSC = "CSC", "Convoy Steering Committee"
    DOUCHE = "DOUCHE", "DevOps Usage & Compliance Head Engineer"
    LEADERSHIP = "LEADERSHIP", "Leadership (inspection scorer)"
    AUDITOR = "AUDITOR", "Auditor"


# Held across every Convoy; the others are assigned per Convoy (§1). The Commodore is the
# Convoy's own `commodore` field, not an assignment.
STANDING_ROLES = frozenset(
    {
        Role.ADMIRAL,
        Role.CSO,
        Role.CSET,
        Role.EARB,
        Role.QA,
        Role.DIAT,
        Role.CRAP,
        Role.CGR,
        Role.RBRB,
        Role.DOUCHE,
        Role.AUDITOR,
    }
)
PER_CONVOY_ROLES = frozenset({Role.FEATURE_CAPTAIN, Role.CODE_ENGINEER, Role.CSC, Role.LEADERSHIP})
CRAP_SEATS = 7  # R3


class CrewProfile(models.Model):
    """What the framework records about a person beyond the sign-in account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="crew"
    )
    display_name = models.CharField(max_length=120)
    initials = models.CharField(max_length=6)
    team = models.CharField(max_length=80, blank=True, help_text="Team, for per-team patterns.")
    signature_reference = models.CharField(
        max_length=120,
        blank=True,
        help_text="The signer's reference on file, against which signatures are verified (R23).",
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    convoy = models.ForeignKey(
        "convoy.Convoy",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        help_text="Empty for standing roles.",
    )
    seat = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="CRAP seat, 1 to 7 (R3)."
    )
    is_chair = models.BooleanField(default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "seat", "user__username"]
        constraints = [
            models.CheckConstraint(
                name="role_standing_has_no_convoy",
                condition=(
                    Q(role__in=sorted(STANDING_ROLES), convoy__isnull=True)
                    | Q(role__in=sorted(PER_CONVOY_ROLES), convoy__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="role_crap_seat_1_to_7",
                condition=(
                    Q(role=Role.CRAP, seat__gte=1, seat__lte=CRAP_SEATS)
                    | (~Q(role=Role.CRAP) & Q(seat__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="role_chair_only_crap_or_csc",
                condition=Q(is_chair=False) | Q(role__in=[Role.CRAP, Role.CSC]),
            ),
            models.UniqueConstraint(
                fields=["role", "seat"], condition=Q(role=Role.CRAP), name="role_crap_seat_unique"
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=Q(role=Role.CRAP, is_chair=True),
                name="role_one_crap_chair",
            ),
            models.UniqueConstraint(
                fields=["convoy"],
                condition=Q(role=Role.CSC, is_chair=True),
                name="role_one_csc_chair_per_convoy",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(convoy__isnull=True),
                name="role_standing_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "convoy"],
                condition=Q(convoy__isnull=False),
                name="role_per_convoy_unique",
            ),
        ]

    def __str__(self) -> str:
        where = f" in {self.convoy}" if self.convoy_id else ""
        seat = f" seat {self.seat}" if self.seat else ""
        chair = " (chair)" if self.is_chair else ""
        return f"{self.user} — {self.get_role_display()}{seat}{chair}{where}"
