"""Dry Dock (R53) and the Tribunal (R51, R52).

Dry Dock: defects found after sailing are reported with a tier and a root cause; the DIAT
attributes each to every Code Engineer whose Change touched it (full attribution each, R51);
defects unfixed when the Commodore closes the dock are reclassified as known behaviors, a
registry no metric counts (the Flow X-ray shows it: `known_behaviors`).

Tribunal: monthly. An engineer with 3 or more standing attributions in the rolling 12 months
goes to Senior Tribunal Review; the defence lasts at most 2 minutes; an appeal against an
attribution is filed within 5 business days of it and decided by the DIAT member who made it.

Query helpers for other pages (the metrics engineer's Flow X-ray and per-engineer figures):
`known_behaviors(convoy=None)`, `strikes(engineer, at=None)`, `engineer_tribunal_figures(convoy)`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    APPEAL_BUSINESS_DAYS,
    DEFENCE_SECONDS,
    SENIOR_REVIEW_STRIKES,
    STRIKE_WINDOW,
    AppealOutcome,
    AttributionAppeal,
    Change,
    ChangeState,
    Convoy,
    ConvoyState,
    Defect,
    DefectAttribution,
    DefectStatus,
    DefectTier,
    Finding,
    Role,
    RootCause,
    TribunalCase,
    TribunalSession,
)

AFTER_SAILING = [ConvoyState.SAILED, ConvoyState.FLEET_INSPECTION, ConvoyState.DRY_DOCK]

# Selectors (also used by the Flow X-ray and the per-engineer metrics) --------------------------


def known_behaviors(convoy: Convoy | None = None) -> QuerySet[Defect]:
    """R53: the known-behaviors registry (unfixed defects, reclassified); no metric counts it."""
    defects = Defect.objects.filter(status=DefectStatus.KNOWN_BEHAVIOR).select_related("convoy")
    return defects.filter(convoy=convoy) if convoy is not None else defects


def standing_attributions(engineer: AbstractBaseUser) -> QuerySet[DefectAttribution]:
    """Attributions not withdrawn on appeal."""
    return DefectAttribution.objects.filter(engineer=engineer).exclude(
        appeal__outcome=AppealOutcome.WITHDRAWN
    )


def strikes(engineer: AbstractBaseUser, at: dt.datetime | None = None) -> int:
    """R52: standing attributions in the rolling 12 months up to `at` (default: now)."""
    at = at or clock.now()
    return (
        standing_attributions(engineer)
        .filter(attributed_at__gt=at - STRIKE_WINDOW, attributed_at__lte=at)
        .count()
    )


@dataclass(frozen=True)
class EngineerFigures:
    engineer: AbstractBaseUser
    defects_in_convoy: int
    strikes: int
    senior_review: bool
    cases: int


def engineer_tribunal_figures(convoy: Convoy) -> list[EngineerFigures]:
    """R51/R52: per engineer with any attribution in `convoy`: defects (full attribution each),
    rolling-12-month strikes, whether that means Senior Tribunal Review, cases heard."""
    attributed = DefectAttribution.objects.filter(defect__convoy=convoy).exclude(
        appeal__outcome=AppealOutcome.WITHDRAWN
    )
    engineer_ids = sorted(set(attributed.values_list("engineer_id", flat=True)))
    people = get_user_model().objects.filter(pk__in=engineer_ids).select_related("crew")
    figures = []
    for engineer in people.order_by("username"):
        count = strikes(engineer)
        figures.append(
            EngineerFigures(
                engineer=engineer,
                defects_in_convoy=attributed.filter(engineer=engineer).count(),
                strikes=count,
                senior_review=count >= SENIOR_REVIEW_STRIKES,
                cases=TribunalCase.objects.filter(engineer=engineer).count(),
            )
        )
    return figures


def appeal_deadline(attribution: DefectAttribution) -> dt.date:
    day = timezone.localdate(attribution.attributed_at)
    return clock.add_business_days(day, APPEAL_BUSINESS_DAYS)


# Dry Dock ---------------------------------------------------------------------------------------


def report_defect(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    title: str,
    tier: int,
    root_cause: str,
    changes: Iterable[Change],
    description: str = "",
    explanation: str = "",
) -> Defect:
    """R53: a defect is triaged on entry: its tier, its root cause, the Changes it touches."""
    require_role(actor, convoy, Role.COMMODORE, Role.QA, action="Reporting a defect")
    refuse_if_closed(convoy)  # R7, R41
    if convoy.state not in AFTER_SAILING:
        raise ProcessViolation(
            "R53",
            f"Defects are triaged after sailing, up to the close of Dry Dock. {convoy.code} is "
            f"in {convoy.get_state_display()}.",
        )
    if tier not in DefectTier.values:
        raise ProcessViolation(
            "R53",
            f"Tier {tier!r} is not a tier. Tiers are 1 (executive-visible), 2 "
            "(customer-reported) and 3 (everything else).",
        )
    if root_cause not in RootCause.values:
        raise ProcessViolation(
            "R53", "The root cause is one of: " + "; ".join(RootCause.labels) + "."
        )
    if root_cause == RootCause.OTHER and not explanation.strip():
        raise ProcessViolation("R53", "A root cause of “Other” requires an explanation.")
    if not title.strip():
        raise ProcessViolation("R53", "A defect has a title.")
    changes = list(changes)
    foreign = [c.record_id for c in changes if c.feature.convoy_id != convoy.pk]
    if foreign:
        raise ProcessViolation("R53", f"Not Changes of {convoy.code}: {', '.join(foreign)}.")
    if not changes:
        raise ProcessViolation("R51", "A defect names the Changes whose code it touches.")
    with transaction.atomic():
        number = (convoy.defects.aggregate(n=Max("number"))["n"] or 0) + 1
        defect = Defect.objects.create(
            convoy=convoy,
            number=number,
            title=title.strip(),
            description=description.strip(),
            tier=tier,
            root_cause=root_cause,
            root_cause_explanation=explanation.strip(),
            reported_by=actor,
            reported_at=clock.now(),
        )
        defect.changes.set(changes)
        record_event(
            actor=actor,
            action="defect.report",
            obj=defect,
            after=snapshot(defect, ["number", "tier", "root_cause"])
            | {"changes": sorted(c.pk for c in changes)},
        )
    return defect


def attribute_defect(*, actor: AbstractBaseUser, defect: Defect) -> list[DefectAttribution]:
    """R51/R52: the DIAT attributes the defect in full to every author of its Changes."""
    require_role(actor, None, Role.DIAT, action="Attributing a defect")
    if defect.attributions.exists():
        raise ProcessViolation("R59", f"{defect.code} is already attributed; it stands as signed.")
    now = clock.now()
    made = []
    with transaction.atomic():
        seen: set[int] = set()
        for change in defect.changes.select_related("author").order_by("pk"):
            if change.author_id in seen:
                continue
            seen.add(change.author_id)
            attribution = DefectAttribution.objects.create(
                defect=defect,
                engineer=change.author,
                change=change,
                attributed_by=actor,
                attributed_at=now,
            )
            record_event(
                actor=actor,
                action="defect.attribute",
                obj=attribution,
                after={"defect_id": defect.pk, "engineer_id": change.author_id},
            )
            made.append(attribution)
    return made


def _set_status(actor: AbstractBaseUser, defect: Defect, status: str) -> None:
    before = snapshot(defect, ["status"])
    defect.status = status
    defect.resolved_at = clock.now()
    defect.save(update_fields=["status", "resolved_at"])
    record_event(
        actor=actor,
        action=f"defect.{status.lower()}",
        obj=defect,
        before=before,
        after=snapshot(defect, ["status"]),
    )


def fix_defect(*, actor: AbstractBaseUser, defect: Defect) -> Defect:
    require_role(actor, defect.convoy, Role.COMMODORE, Role.QA, action="Recording a fix")
    refuse_if_closed(defect.convoy)  # R7
    if defect.status != DefectStatus.OPEN:
        raise ProcessViolation("R53", f"{defect.code} is {defect.get_status_display()}.")
    with transaction.atomic():
        _set_status(actor, defect, DefectStatus.FIXED)
    return defect


def reclassify_unfixed(*, actor: AbstractBaseUser, convoy: Convoy) -> list[Defect]:
    """R53: at the end of Dry Dock every unfixed defect becomes a known behavior."""
    require_role(actor, convoy, Role.COMMODORE, action="Reclassifying unfixed defects")
    if convoy.state != ConvoyState.DRY_DOCK:
        raise ProcessViolation(
            "R53",
            f"Unfixed defects are reclassified in Dry Dock; {convoy.code} is in "
            f"{convoy.get_state_display()}.",
        )
    with transaction.atomic():
        unfixed = list(convoy.defects.select_for_update().filter(status=DefectStatus.OPEN))
        for defect in unfixed:
            _set_status(actor, defect, DefectStatus.KNOWN_BEHAVIOR)
    return unfixed


# The Tribunal ------------------------------------------------------------------------------------


def convene_tribunal(*, actor: AbstractBaseUser) -> TribunalSession:
    """R52: monthly. Every engineer with standing attributions not yet heard has a case."""
    require_role(actor, None, Role.ADMIRAL, action="Convening the Tribunal")
    now = clock.now()
    month = clock.today().replace(day=1)
    try:
        with transaction.atomic():
            session = TribunalSession.objects.create(
                month=month, convened_by=actor, convened_at=now
            )
            record_event(actor=actor, action="tribunal.convene", obj=session)
            _open_cases(actor, session, now)
    except IntegrityError:
        raise ProcessViolation(
            "R52", f"The Tribunal sits monthly; it has already sat in {month:%B %Y}."
        ) from None
    return session


def _open_cases(actor: AbstractBaseUser, session: TribunalSession, now: dt.datetime) -> None:
    unheard = (
        DefectAttribution.objects.filter(cases__isnull=True, attributed_at__lte=now)
        .exclude(appeal__outcome=AppealOutcome.WITHDRAWN)
        .select_related("engineer")
    )
    by_engineer: dict[int, list[DefectAttribution]] = {}
    for attribution in unheard.order_by("engineer_id", "pk"):
        by_engineer.setdefault(attribution.engineer_id, []).append(attribution)
    for attributions in by_engineer.values():
        engineer = attributions[0].engineer
        count = strikes(engineer, now)
        case = TribunalCase.objects.create(
            session=session,
            engineer=engineer,
            opened_at=now,
            strikes=count,
            senior_review=count >= SENIOR_REVIEW_STRIKES,
        )
        case.attributions.set(attributions)
        record_event(
            actor=actor,
            action="tribunal.case_open",
            obj=case,
            after=snapshot(case, ["engineer_id", "strikes", "senior_review"]),
        )


def hear_case(
    *, actor: AbstractBaseUser, case: TribunalCase, defence_seconds: int, finding: str
) -> TribunalCase:
    """R52: the defence lasts at most 2 minutes; the finding is signed (R59)."""
    require_role(actor, None, Role.ADMIRAL, action="Ruling at the Tribunal")
    if case.is_signed:
        raise ProcessViolation("R59", "The case has been ruled on; the ruling stands as signed.")
    if not 0 <= defence_seconds <= DEFENCE_SECONDS:
        raise ProcessViolation(
            "R52",
            f"Defence time is {DEFENCE_SECONDS // 60} minutes; {defence_seconds} seconds "
            "is not within it.",
        )
    if finding not in Finding.values:
        raise ProcessViolation("R52", f"{finding!r} is not a finding of the Tribunal.")
    with transaction.atomic():
        case.defence_seconds = defence_seconds
        case.finding = finding
        case.signed_at = clock.now()
        case.signed_by = actor
        case.save()
        record_event(
            actor=actor,
            action="tribunal.rule",
            obj=case,
            after=snapshot(case, ["defence_seconds", "finding", "senior_review"]),
        )
    return case


def require_named_engineer(actor: AbstractBaseUser, attribution: DefectAttribution) -> None:
    """R4: only the engineer an attribution names may appeal it."""
    if actor.pk != attribution.engineer_id:
        raise ProcessViolation(
            "R4",
            f"Appealing an attribution requires being the engineer it names. "
            f"{display_name(actor)} is not.",
        )


def file_appeal(
    *, actor: AbstractBaseUser, attribution: DefectAttribution, grounds: str
) -> AttributionAppeal:
    """R52: the engineer appeals within 5 business days; it goes to the attributing DIAT."""
    require_named_engineer(actor, attribution)
    deadline = appeal_deadline(attribution)
    if clock.today() > deadline:
        raise ProcessViolation(
            "R52",
            f"Appeals are filed within {APPEAL_BUSINESS_DAYS} business days of the attribution, "
            f"that is by {deadline:%Y-%m-%d}. That day has passed.",
        )
    if not grounds.strip():
        raise ProcessViolation("R52", "An appeal states its grounds.")
    try:
        with transaction.atomic():
            appeal = AttributionAppeal.objects.create(
                attribution=attribution, filed_by=actor, filed_at=clock.now(), grounds=grounds
            )
            record_event(
                actor=actor,
                action="tribunal.appeal",
                obj=appeal,
                after={"attribution_id": attribution.pk, "to": attribution.attributed_by_id},
            )
    except IntegrityError:
        raise ProcessViolation("R52", "This attribution has already been appealed.") from None
    return appeal


def decide_appeal(
    *, actor: AbstractBaseUser, appeal: AttributionAppeal, withdraw: bool
) -> AttributionAppeal:
    """R52: only the DIAT member who made the attribution decides the appeal."""
    require_role(actor, None, Role.DIAT, action="Deciding an appeal")
    if actor.pk != appeal.attribution.attributed_by_id:
        raise ProcessViolation(
            "R52",
            "Appeals go to the DIAT member who made the attribution: "
            f"{display_name(appeal.attribution.attributed_by)}.",
        )
    if appeal.is_signed:
        raise ProcessViolation("R59", "The appeal has been decided; the decision stands.")
    with transaction.atomic():
        appeal.outcome = AppealOutcome.WITHDRAWN if withdraw else AppealOutcome.STANDS
        appeal.signed_at = clock.now()
        appeal.signed_by = actor
        appeal.save()
        record_event(
            actor=actor,
            action="tribunal.appeal_decide",
            obj=appeal,
            after={"outcome": appeal.outcome},
        )
    return appeal


def accepted_changes(convoy: Convoy) -> QuerySet[Change]:
    """The Changes a defect may name: those that sailed."""
    return Change.objects.filter(feature__convoy=convoy, state=ChangeState.ACCEPTED).select_related(
        "feature", "author__crew"
    )
