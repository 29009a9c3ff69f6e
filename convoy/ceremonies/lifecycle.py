"""The Convoy's voyage: creation, the state machine (R5–R8) and closing (R10).

`TRANSITIONS` is the one table of allowed moves. Each move lists the exit criteria of the
state being left; the rules (`advance_convoy`) and the Convoy page (its buttons and its
checklist) both read this table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.crew import ensure_role
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.roles import require_role
from convoy.models import (
    CertificateKind,
    ChangeState,
    Convoy,
    ConvoyState,
    EmergencySailRequest,
    Feature,
    FeatureStatus,
    ManifestApproval,
    Role,
    Verdict,
    quarter_bounds,
)

S = ConvoyState


@dataclass(frozen=True)
class CriterionResult:
    holds: bool
    detail: str
    url: str = ""  # the page of the records concerned


@dataclass(frozen=True)
class Criterion:
    rule: str
    text: str
    check: Callable[[Convoy], CriterionResult]


def _count(holds_when_zero: int, what: str, total: int) -> CriterionResult:
    if holds_when_zero == 0:
        return CriterionResult(True, f"All {total} {what}.")
    return CriterionResult(False, f"{holds_when_zero} of {total} not yet.")


def _features_registered(convoy: Convoy) -> CriterionResult:
    n = convoy.features.count()
    return CriterionResult(n > 0, f"{n} feature(s) registered.")


def _features_provisioned(convoy: Convoy) -> CriterionResult:
    features = convoy.features.annotate(n=Count("tasks"))
    missing = [f.code for f in features if f.n == 0]
    total = len(features)
    if total == 0:
        return CriterionResult(False, "No features registered.")
    if missing:
        return CriterionResult(False, f"No tasks provisioned for {', '.join(missing)}.")
    return CriterionResult(True, f"All {total} features have a task list.")


def _features_have_changes(convoy: Convoy) -> CriterionResult:
    features = convoy.features.annotate(n=Count("changes"))
    missing = [f.code for f in features if f.n == 0]
    if not features:
        return CriterionResult(False, "No features registered.")
    if missing:
        return CriterionResult(False, f"No Change recorded for {', '.join(missing)}.")
    return CriterionResult(True, "Every feature has at least one Change on record.")


_PAST_INSPECTION = [
    ChangeState.TESTING,
    ChangeState.DIAT_REVIEW,
    ChangeState.SIGNATURES,
    ChangeState.ARCHIVED,
    ChangeState.ON_AGENDA,
    ChangeState.ACCEPTED,
    ChangeState.REJECTED,
]


def _changes_inspected(convoy: Convoy) -> CriterionResult:
    from convoy.models import Change

    changes = Change.objects.filter(feature__convoy=convoy)
    total = changes.count()
    waiting = changes.exclude(state__in=_PAST_INSPECTION).count()
    if total == 0:
        return CriterionResult(False, "No Changes on record.")
    if waiting:
        return CriterionResult(
            False, f"{waiting} of {total} Changes have not passed Code Inspection."
        )
    return CriterionResult(True, f"All {total} Changes have passed Code Inspection.")


def _every_feature_testing_certified(convoy: Convoy) -> CriterionResult:
    features = convoy.features.annotate(
        certs=Count(
            "certificates",
            filter=Q(
                certificates__kind=CertificateKind.TESTING_COMPLETION,
                certificates__change__isnull=True,
            ),
        )
    )
    missing = [f.code for f in features if f.certs == 0]
    if not features:
        return CriterionResult(False, "No features registered.")
    if missing:
        return CriterionResult(
            False, f"No Testing Completion Certificate for {', '.join(missing)}."
        )
    return CriterionResult(True, "Every feature holds a Testing Completion Certificate.")


def _sit_signed_off(convoy: Convoy) -> CriterionResult:
    """R8: each feature's SIT Sign-Off in the Manifest, its current version signed by the
    Quality Authority with a verified signature."""
    from convoy.models import DocumentKind, ManifestDocument

    url = reverse("convoy:manifest", args=[convoy.number])
    features = list(convoy.features.order_by("number"))
    if not features:
        return CriterionResult(False, "No features registered.", url)
    current: dict[int, ManifestDocument] = {}
    for doc in ManifestDocument.objects.filter(
        convoy=convoy, kind=DocumentKind.SIT_SIGN_OFF, feature__isnull=False
    ).order_by("feature_id", "version"):
        current[doc.feature_id] = doc  # the highest version wins
    missing = [
        f.code
        for f in features
        if f.pk not in current
        or current[f.pk].signed_at is None
        or not current[f.pk].signature_verified
    ]
    if missing:
        return CriterionResult(
            False, f"No signed, verified SIT Sign-Off for {', '.join(missing)}.", url
        )
    return CriterionResult(True, f"SIT Sign-Off signed for all {len(features)} features.", url)


def _approval_url(convoy: Convoy) -> str:
    return reverse("convoy:approval", args=[convoy.number])


def _latest_verdict(convoy: Convoy) -> str:
    latest = (
        ManifestApproval.objects.filter(convoy=convoy)
        .exclude(verdict="")
        .order_by("-verdict_at", "-id")
        .first()
    )
    return latest.verdict if latest else ""


def _verdict_held_in_port(convoy: Convoy) -> CriterionResult:
    held = _latest_verdict(convoy) == Verdict.HELD_IN_PORT
    return CriterionResult(
        held,
        "Verdict: The Fleet Is Held in Port." if held else "No Held in Port verdict.",
        _approval_url(convoy),
    )


def _reconvened_or_emergency_sail(convoy: Convoy) -> CriterionResult:
    """R41: the Committee reconvenes within the Remediation Window; R42 is the other way."""
    url = _approval_url(convoy)
    if EmergencySailRequest.objects.filter(convoy=convoy, approved_at__isnull=False).exists():
        return CriterionResult(True, "An Emergency Sail has been approved by the ATO.", url)
    held = (
        ManifestApproval.objects.filter(convoy=convoy, verdict=Verdict.HELD_IN_PORT)
        .order_by("-verdict_at", "-id")
        .first()
    )
    if held is None or held.remediation_until is None:
        return CriterionResult(False, "No Held in Port verdict with a Remediation Window.", url)
    if ManifestApproval.objects.filter(
        reconvenes=held, convened_at__lt=held.remediation_until
    ).exists():
        return CriterionResult(True, "The Committee has reconvened within the window.", url)
    until = f"{timezone.localtime(held.remediation_until):%Y-%m-%d %H:%M}"
    if clock.now() >= held.remediation_until:
        return CriterionResult(False, f"The Remediation Window lapsed at {until}.", url)
    return CriterionResult(False, f"The Committee has not reconvened; window until {until}.", url)


def _may_sail(convoy: Convoy) -> CriterionResult:
    url = _approval_url(convoy)
    if _latest_verdict(convoy) == Verdict.FLEET_MAY_SAIL:
        return CriterionResult(True, "Verdict: The Fleet May Sail.", url)
    if EmergencySailRequest.objects.filter(convoy=convoy, approved_at__isnull=False).exists():
        return CriterionResult(
            True,
            "An Emergency Sail has been approved by the ATO.",
            reverse("convoy:emergency_sail_list", args=[convoy.number]),
        )
    return CriterionResult(
        False, "No “The Fleet May Sail” verdict and no approved Emergency Sail.", url
    )


def _readiness_signed(convoy: Convoy) -> CriterionResult:
    signed = convoy.certificates.filter(
        kind=CertificateKind.DEPLOYMENT_READINESS, issued_by_id=convoy.commodore_id
    ).exists()
    return CriterionResult(
        signed,
        "Deployment Readiness Checklist signed by the Commodore."
        if signed
        else "The Commodore has not signed the Deployment Readiness Checklist.",
    )


FEATURES_REGISTERED = Criterion("R7", "At least one feature is registered.", _features_registered)
FEATURES_PROVISIONED = Criterion(
    "R14", "Every feature has a provisioned task list.", _features_provisioned
)
FEATURES_HAVE_CHANGES = Criterion(
    "R7", "Every feature has a Change on record.", _features_have_changes
)
CHANGES_INSPECTED = Criterion("R21", "Every Change has passed Code Inspection.", _changes_inspected)
TESTING_CERTIFIED = Criterion(
    "R8", "Every feature holds a Testing Completion Certificate.", _every_feature_testing_certified
)
SIT_SIGNED_OFF = Criterion("R8", "The SIT Sign-Off is on file.", _sit_signed_off)
HELD_VERDICT = Criterion(
    "R41", "The Committee's verdict is “The Fleet Is Held in Port.”", _verdict_held_in_port
)
RECONVENED = Criterion(
    "R41",
    "The Committee reconvenes within the Remediation Window (or an Emergency Sail is approved).",
    _reconvened_or_emergency_sail,
)
MAY_SAIL = Criterion(
    "R8", "“The Fleet May Sail” verdict, or an approved Emergency Sail.", _may_sail
)
READINESS_SIGNED = Criterion(
    "R8", "The Commodore has signed the Deployment Readiness Checklist.", _readiness_signed
)


# From sailing to closing (R43-R47, R52, R53): computed from the deployment, Fleet Inspection and
# Dry Dock records; the selectors live in those ceremonies' modules.
def _request_approved(convoy: Convoy) -> CriterionResult:
    from convoy.ceremonies.deployment import approved_request

    ok = approved_request(convoy) is not None
    return CriterionResult(
        ok,
        "Deployment Request peer-reviewed, approved in duplicate and by the Commodore."
        if ok
        else "No Deployment Request carries the Commodore's approval.",
    )


def _deployed_and_yielded(convoy: Convoy) -> CriterionResult:
    from convoy.models import Deployment, DeploymentYield

    if not Deployment.objects.filter(convoy=convoy).exists():
        return CriterionResult(False, "No deployment on record.")
    if not DeploymentYield.objects.filter(deployment__convoy=convoy).exists():
        return CriterionResult(False, "The deployment's results have not been yielded.")
    return CriterionResult(True, "Deployed; results yielded.")


def _inspection_opened(convoy: Convoy) -> CriterionResult:
    from convoy.models import FleetInspection

    ok = FleetInspection.objects.filter(convoy=convoy).exists()
    return CriterionResult(ok, "Opened." if ok else "The Fleet Inspection has not been opened.")


def _inspection_concluded(convoy: Convoy) -> CriterionResult:
    from convoy.models import FleetInspection

    inspection = FleetInspection.objects.filter(convoy=convoy).first()
    if inspection is None or not inspection.is_signed:
        return CriterionResult(False, "The Commodore has not concluded the Fleet Inspection.")
    n = inspection.presentations.count()
    return CriterionResult(
        True, f"Concluded: {n} presentation(s), scored, flags and Commendations fixed."
    )


def _report_compiled(convoy: Convoy) -> CriterionResult:
    from convoy.models import FleetInspectionReport

    report = FleetInspectionReport.objects.filter(inspection__convoy=convoy).first()
    if report is None:
        return CriterionResult(False, "The CSO has not compiled the Fleet Inspection Report.")
    late = f" ({report.lateness} late)" if report.is_late else " (on time)"
    return CriterionResult(True, f"Compiled {report.compiled_at:%Y-%m-%d %H:%M}{late}.")


def _defects_attributed(convoy: Convoy) -> CriterionResult:
    unattributed = [d.code for d in convoy.defects.filter(attributions__isnull=True)]
    if unattributed:
        return CriterionResult(False, f"Not attributed: {', '.join(unattributed)}.")
    return CriterionResult(True, f"All {convoy.defects.count()} defect(s) attributed.")


def _defects_settled(convoy: Convoy) -> CriterionResult:
    from convoy.models import DefectStatus

    open_ = convoy.defects.filter(status=DefectStatus.OPEN).count()
    if open_:
        return CriterionResult(False, f"{open_} defect(s) neither fixed nor reclassified.")
    return CriterionResult(True, "Every defect fixed or reclassified as a known behavior.")


REQUEST_APPROVED = Criterion(
    "R43", "The Deployment Request is approved (READY).", _request_approved
)
DEPLOYED = Criterion("R43", "The Fleet is deployed and its results yielded.", _deployed_and_yielded)
INSPECTION_OPENED = Criterion("R44", "The Fleet Inspection is opened.", _inspection_opened)
INSPECTION_CONCLUDED = Criterion(
    "R46", "The Fleet Inspection is concluded and signed.", _inspection_concluded
)
REPORT_COMPILED = Criterion("R47", "The Fleet Inspection Report is compiled.", _report_compiled)
DEFECTS_ATTRIBUTED = Criterion(
    "R52", "Every Dry Dock defect is attributed by the DIAT.", _defects_attributed
)
DEFECTS_SETTLED = Criterion(
    "R53", "No defect is left open: fixed, or a known behavior.", _defects_settled
)


# R7: the one table of allowed moves, each with the exit criteria of the state it leaves (R8).
TRANSITIONS: dict[str, dict[str, tuple[Criterion, ...]]] = {
    S.ALIGNMENT: {S.PROVISIONING: (FEATURES_REGISTERED,)},
    S.PROVISIONING: {S.CODING: (FEATURES_PROVISIONED,)},
    S.CODING: {S.CODE_INSPECTION: (FEATURES_HAVE_CHANGES,)},
    S.CODE_INSPECTION: {S.TESTING: (CHANGES_INSPECTED,)},
    S.TESTING: {S.SYSTEM_INTEGRATION_TESTING: (TESTING_CERTIFIED,)},
    S.SYSTEM_INTEGRATION_TESTING: {S.MANIFEST_APPROVAL: (SIT_SIGNED_OFF,)},
    S.MANIFEST_APPROVAL: {
        S.HELD_IN_PORT: (HELD_VERDICT,),
        S.SAILED: (MAY_SAIL, READINESS_SIGNED, REQUEST_APPROVED),
    },
    S.HELD_IN_PORT: {S.MANIFEST_APPROVAL: (RECONVENED,)},
    S.SAILED: {S.FLEET_INSPECTION: (DEPLOYED, INSPECTION_OPENED)},
    S.FLEET_INSPECTION: {S.DRY_DOCK: (INSPECTION_CONCLUDED, REPORT_COMPILED)},
    S.DRY_DOCK: {S.CLOSED: (DEFECTS_ATTRIBUTED, DEFECTS_SETTLED)},
    S.CLOSED: {},
}


@dataclass(frozen=True)
class CriterionStatus:
    criterion: Criterion
    result: CriterionResult


def next_states(convoy: Convoy) -> list[ConvoyState]:
    return [ConvoyState(s) for s in TRANSITIONS[convoy.state]]


def exit_criteria(convoy: Convoy, to_state: str) -> list[CriterionStatus]:
    criteria = TRANSITIONS[convoy.state].get(to_state, ())
    return [CriterionStatus(c, c.check(convoy)) for c in criteria]


def _label(state: str) -> str:
    return ConvoyState(state).label


def create_convoy(
    *,
    actor: AbstractBaseUser | None,
    year: int,
    quarter: int,
    sailing_date: dt.date,
    commodore: AbstractBaseUser,
    number: int | None = None,
) -> Convoy:
    """The ATO charters the quarter's Convoy. `actor=None` is the system (closing, R10).

    Convoys are numbered in sequence. `number` lets an organisation whose earlier Convoys live
    in a paper register continue its numbering; it must come after every number on record.
    """
    if actor is not None:
        require_role(actor, None, Role.ADMIRAL, action="Chartering a Convoy")
    if quarter not in (1, 2, 3, 4):
        raise ProcessViolation("R6", f"A year has four quarters; {quarter} is not one of them.")
    start, end = quarter_bounds(year, quarter)
    if not start <= sailing_date <= end:
        raise ProcessViolation(
            "R6",
            f"The sailing date {sailing_date:%Y-%m-%d} lies outside {year} Q{quarter} "
            f"({start:%Y-%m-%d} to {end:%Y-%m-%d}). A Convoy sails within its own quarter.",
        )
    existing = Convoy.objects.filter(year=year, quarter=quarter).first()
    if existing is not None:
        raise _one_per_quarter(existing)
    now = clock.now()
    try:
        with transaction.atomic():
            highest = Convoy.objects.aggregate(n=Max("number"))["n"] or 0
            if number is None:
                number = highest + 1
            elif number <= highest:
                raise ProcessViolation(
                    "R5",
                    f"CONVOY-{number} would not follow CONVOY-{highest}. "
                    "Convoys are numbered in sequence.",
                )
            convoy = Convoy.objects.create(
                number=number,
                year=year,
                quarter=quarter,
                sailing_date=sailing_date,
                commodore=commodore,
                created_at=now,
                state_changed_at=now,
            )
            record_event(
                actor=actor,
                action="convoy.create",
                obj=convoy,
                after=snapshot(
                    convoy, ["number", "year", "quarter", "sailing_date", "state", "commodore_id"]
                ),
            )
    except IntegrityError:
        existing = Convoy.objects.filter(year=year, quarter=quarter).first()
        if existing is not None:
            raise _one_per_quarter(existing) from None
        raise
    return convoy


def _one_per_quarter(existing: Convoy) -> ProcessViolation:
    return ProcessViolation(
        "R5",
        f"{existing.quarter_label} already has {existing.code}. "
        "One is the smallest possible number of batches.",
    )


def advance_convoy(*, actor: AbstractBaseUser, convoy: Convoy, to_state: str) -> Convoy:
    """R7/R8: the Commodore moves the Convoy one step, when the exit criteria hold."""
    with transaction.atomic():
        convoy = Convoy.objects.select_for_update().get(pk=convoy.pk)
        require_role(actor, convoy, Role.COMMODORE, action="Advancing the Convoy")
        allowed = TRANSITIONS[convoy.state]
        if to_state not in allowed:
            onward = " or ".join(_label(s) for s in allowed) or "nowhere: it is closed"
            target = _label(to_state) if to_state in ConvoyState.values else repr(to_state)
            raise ProcessViolation(
                "R7",
                f"{convoy.code} is in {_label(convoy.state)} and may proceed only to {onward}, "
                f"not to {target}. Skipping or reversing a state is a process violation.",
            )
        failing = [c for c in allowed[to_state] if not c.check(convoy).holds]
        if failing:
            reasons = "; ".join(f"{c.text} ({c.check(convoy).detail})" for c in failing)
            raise ProcessViolation(
                failing[0].rule,
                f"{convoy.code} may not leave {_label(convoy.state)}: its exit criteria do not "
                f"hold. {reasons}",
            )
        before = snapshot(convoy, ["state"])
        now = clock.now()
        convoy.state = to_state
        convoy.state_changed_at = now
        changed = ["state", "state_changed_at"]
        if to_state == S.SAILED:
            convoy.sailed_at = now
            changed.append("sailed_at")
            _mark_shipped(actor, convoy)
        if to_state == S.CLOSED:
            convoy.closed_at = now
            changed.append("closed_at")
        convoy.save(update_fields=changed)
        record_event(
            actor=actor,
            action="convoy.advance",
            obj=convoy,
            before=before,
            after=snapshot(convoy, ["state"]),
        )
        if to_state == S.SAILED:
            from convoy.ceremonies.deployment import record_deployment

            record_deployment(actor=actor, convoy=convoy)  # R43, R9: deployed_at = sailed_at
        if to_state == S.CLOSED:
            defer_unshipped(actor=actor, convoy=convoy)
    return convoy


def _mark_shipped(actor: AbstractBaseUser, convoy: Convoy) -> None:
    """On sailing, a feature ships when it has Changes and every one of them was accepted."""
    features = convoy.features.annotate(
        total=Count("changes"),
        accepted=Count("changes", filter=Q(changes__state=ChangeState.ACCEPTED)),
    ).exclude(status=FeatureStatus.SHIPPED)
    for feature in features:
        if feature.total and feature.total == feature.accepted:
            before = snapshot(feature, ["status"])
            feature.status = FeatureStatus.SHIPPED
            feature.save(update_fields=["status"])
            record_event(
                actor=actor,
                action="feature.ship",
                obj=feature,
                before=before,
                after=snapshot(feature, ["status"]),
            )


def next_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def default_sailing_date(year: int, quarter: int) -> dt.date:
    """Two weeks before the quarter ends, on a business day."""
    _, end = quarter_bounds(year, quarter)
    day = end - dt.timedelta(days=14)
    while not clock.is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


def defer_unshipped(*, actor: AbstractBaseUser | None, convoy: Convoy) -> list[Feature]:
    """R10: every feature not shipped moves to the next Convoy, its deferral count + 1.

    Runs inside `advance_convoy`'s transaction when the Convoy closes. The next Convoy is
    chartered by the system if the ATO has not chartered it yet.
    """
    year, quarter = next_quarter(convoy.year, convoy.quarter)
    successor = Convoy.objects.filter(year=year, quarter=quarter).first()
    if successor is None:
        successor = create_convoy(
            actor=None,
            year=year,
            quarter=quarter,
            sailing_date=default_sailing_date(year, quarter),
            commodore=convoy.commodore,
        )
    taken = set(successor.features.values_list("number", flat=True))
    carried: list[Feature] = []
    now = clock.now()
    unshipped = convoy.features.exclude(status=FeatureStatus.SHIPPED).prefetch_related("team")
    for feature in unshipped.order_by("number"):
        number = feature.number
        while number in taken:
            number += 1
        taken.add(number)
        team = list(feature.team.all())
        before = snapshot(feature, ["status"])
        feature.status = FeatureStatus.DEFERRED
        feature.save(update_fields=["status"])
        record_event(
            actor=actor,
            action="feature.defer",
            obj=feature,
            before=before,
            after=snapshot(feature, ["status"]),
        )
        successor_feature = Feature.objects.create(
            convoy=successor,
            number=number,
            name=feature.name,
            acronym=feature.acronym,
            captain=feature.captain,
            estimated_sp=feature.estimated_sp,
            cost_of_delay=feature.cost_of_delay,
            political_capital_base=feature.political_capital_base,
            executive_visibility=feature.executive_visibility,
            mentioned_in_earnings_call=feature.mentioned_in_earnings_call,
            acronym_quality=feature.acronym_quality,
            sponsor_name=feature.sponsor_name,
            sponsor_seniority=feature.sponsor_seniority,
            sponsor_office_distance_m=feature.sponsor_office_distance_m,
            deferral_count=feature.deferral_count + 1,
            carried_from=feature,
            created_at=now,
        )
        successor_feature.team.set(team)
        ensure_role(actor=None, user=feature.captain, role=Role.FEATURE_CAPTAIN, convoy=successor)
        for engineer in team:
            ensure_role(actor=None, user=engineer, role=Role.CODE_ENGINEER, convoy=successor)
        record_event(
            actor=actor,
            action="feature.carry_forward",
            obj=successor_feature,
            after=snapshot(successor_feature, ["convoy_id", "number", "name", "deferral_count"])
            | {
                "from": f"{convoy.code} {feature.code}",
                "legacy_priority": successor_feature.legacy_priority,
            },
        )
        carried.append(successor_feature)
    return carried
