"""Alignment and provisioning: features, their status reports, their tasks, and the
reconciliation of estimates with capacity (§3)."""

import datetime as dt
from decimal import ROUND_CEILING, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import (
    MAX_TASK_HOURS,
    PERSON_DAYS_PER_STORY_POINT,
    AuditEvent,
    Convoy,
    Feature,
    Role,
    RoleAssignment,
    Signal,
    StatusReport,
    StretchOpportunity,
    Task,
)

FEATURE_FIELDS = [
    "number",
    "name",
    "acronym",
    "captain_id",
    "estimated_sp",
    "cost_of_delay",
    "political_capital_base",
    "sponsor_attended_alignment",
    "sponsor_brought_donuts",
    "executive_visibility",
    "mentioned_in_earnings_call",
    "acronym_quality",
    "sponsor_name",
    "sponsor_seniority",
    "sponsor_office_distance_m",
]
EDITABLE_FEATURE_FIELDS = [name for name in FEATURE_FIELDS if name != "number"]

# A registration identical to one the same person made this recently is that registration
# received twice (a double click, a resent form): it registers one feature, not two.
DOUBLE_SUBMISSION_WINDOW = dt.timedelta(minutes=2)


def _check_wsvf_inputs(inputs: dict[str, object]) -> None:
    """R11: CoD and EV are scored 1 to 10; acronym quality is at least 1."""
    for field, label in (("cost_of_delay", "Cost of delay"), ("executive_visibility", "EV")):
        if field in inputs and not 1 <= int(inputs[field]) <= 10:  # type: ignore[call-overload]
            raise ProcessViolation(
                "R11", f"{label} is scored from 1 to 10; {inputs[field]} is not such a score."
            )
    if "acronym_quality" in inputs and int(inputs["acronym_quality"]) < 1:  # type: ignore[call-overload]
        raise ProcessViolation(
            "R11", "Acronym quality is at least 1, so that WSVF never divides by zero."
        )


def _check_captain(captain: AbstractBaseUser, convoy: Convoy) -> None:
    if Role.FEATURE_CAPTAIN not in roles_of(captain, convoy):
        raise ProcessViolation(
            "R4",
            f"{display_name(captain)} is not a Feature Captain of {convoy.code} "
            "and may not own a feature.",
        )


def _check_team(
    team: list[AbstractBaseUser] | tuple[AbstractBaseUser, ...], convoy: Convoy
) -> None:
    """The Feature Team is made of the Convoy's Code Engineers."""
    if not team:
        return
    engineers = set(
        RoleAssignment.objects.filter(
            convoy=convoy, role=Role.CODE_ENGINEER, user__in=[u.pk for u in team]
        ).values_list("user_id", flat=True)
    )
    outsiders = [u for u in team if u.pk not in engineers]
    if outsiders:
        names = ", ".join(display_name(u) for u in outsiders)
        raise ProcessViolation(
            "R4",
            f"A Feature Team is made of Code Engineers of {convoy.code}. "
            f"{names} {'is' if len(outsiders) == 1 else 'are'} not.",
        )


def register_feature(
    *,
    actor: AbstractBaseUser,
    convoy: Convoy,
    name: str,
    captain: AbstractBaseUser,
    number: int | None = None,
    team: list[AbstractBaseUser] | tuple[AbstractBaseUser, ...] = (),
    **inputs: object,
) -> Feature:
    """A Feature Captain (or the Commodore) registers a feature in the Convoy.

    The same registration received twice within DOUBLE_SUBMISSION_WINDOW (same person, same
    fields, no explicit number) returns the feature registered the first time.
    """
    refuse_if_closed(convoy)
    require_role(
        actor, convoy, Role.FEATURE_CAPTAIN, Role.COMMODORE, action="Registering a feature"
    )
    _check_captain(captain, convoy)
    unknown = set(inputs) - set(FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown feature fields: {sorted(unknown)}")
    _check_wsvf_inputs(inputs)
    _check_team(team, convoy)
    try:
        with transaction.atomic():
            # The Convoy's row lock serialises registrations: numbers, and twins below.
            Convoy.objects.select_for_update().get(pk=convoy.pk)
            if number is None:
                twin = _same_registration(actor, convoy, name, captain, team, inputs)
                if twin is not None:
                    return twin
                number = (convoy.features.aggregate(n=Max("number"))["n"] or 0) + 1
            feature = Feature.objects.create(
                convoy=convoy,
                number=number,
                name=name,
                captain=captain,
                created_at=clock.now(),
                **inputs,
            )
            if team:
                feature.team.set(team)
            record_event(
                actor=actor,
                action="feature.register",
                obj=feature,
                after=snapshot(feature, FEATURE_FIELDS) | {"team": sorted(u.pk for u in team)},
            )
    except IntegrityError:
        raise ProcessViolation(
            "R4", f"{convoy.code} already has a feature F{number:03d}; feature codes are unique."
        ) from None
    return feature


def _same_registration(
    actor: AbstractBaseUser,
    convoy: Convoy,
    name: str,
    captain: AbstractBaseUser,
    team: list[AbstractBaseUser] | tuple[AbstractBaseUser, ...],
    inputs: dict[str, object],
) -> Feature | None:
    since = clock.now() - DOUBLE_SUBMISSION_WINDOW
    registered = AuditEvent.objects.filter(
        action="feature.register",
        actor_id=actor.pk,
        object_type="convoy.feature",
        at__gte=since,
    ).values_list("object_id", flat=True)
    candidates = convoy.features.filter(
        pk__in=[int(pk) for pk in registered], name=name, captain=captain, **inputs
    )
    wanted = sorted(u.pk for u in team)
    for candidate in candidates:
        if sorted(candidate.team.values_list("pk", flat=True)) == wanted:
            return candidate
    return None


def require_feature_owner(actor: AbstractBaseUser | None, feature: Feature, action: str) -> Role:
    """R4: the feature's own Feature Captain, or the Commodore. Returns the role acted in."""
    role = require_role(actor, feature.convoy, Role.COMMODORE, Role.FEATURE_CAPTAIN, action=action)
    if role == Role.FEATURE_CAPTAIN and feature.captain_id != actor.pk:  # type: ignore[union-attr]
        raise ProcessViolation(
            "R4",
            f"{action} of {feature.code} is for its Feature Captain "
            f"({display_name(feature.captain)}) or the Commodore. "
            f"{display_name(actor)} is not its Feature Captain.",
        )
    return role


def may_act_as_owner(actor: AbstractBaseUser | None, feature: Feature) -> bool:
    try:
        require_feature_owner(actor, feature, "Acting")
    except ProcessViolation:
        return False
    return True


def require_feature_captain(actor: AbstractBaseUser | None, feature: Feature, action: str) -> None:
    """R4: the feature's own Feature Captain only."""
    require_role(actor, feature.convoy, Role.FEATURE_CAPTAIN, action=action)
    if feature.captain_id != actor.pk:  # type: ignore[union-attr]
        raise ProcessViolation(
            "R4",
            f"{action} of {feature.code} is for its Feature Captain "
            f"({display_name(feature.captain)}). {display_name(actor)} is not its Feature Captain.",
        )


def edit_feature(*, actor: AbstractBaseUser, feature: Feature, **changes: object) -> Feature:
    """The feature's Feature Captain (or the Commodore) edits its registration.

    `changes` holds any of EDITABLE_FEATURE_FIELDS, `captain` (a person) and `team` (the
    Code Engineers). Fields given with their current value are not changes; when nothing
    changes, nothing is recorded.
    """
    convoy = feature.convoy
    refuse_if_closed(convoy)
    require_feature_owner(actor, feature, "Editing the registration")
    team = changes.pop("team", None)
    if "captain" in changes:
        captain = changes.pop("captain")
        changes["captain_id"] = captain.pk  # type: ignore[attr-defined]
    unknown = set(changes) - set(EDITABLE_FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"unknown feature fields: {sorted(unknown)}")
    _check_wsvf_inputs(changes)
    if "captain_id" in changes and changes["captain_id"] != feature.captain_id:
        _check_captain(get_user_model().objects.get(pk=changes["captain_id"]), convoy)
    if team is not None:
        _check_team(team, convoy)  # type: ignore[arg-type]
    with transaction.atomic():
        feature = Feature.objects.select_for_update().select_related("convoy").get(pk=feature.pk)
        fields = [*EDITABLE_FEATURE_FIELDS, "team"]
        before = snapshot(feature, EDITABLE_FEATURE_FIELDS) | {
            "team": sorted(feature.team.values_list("pk", flat=True))
        }
        changed = [name for name, value in changes.items() if getattr(feature, name) != value]
        for name in changed:
            setattr(feature, name, changes[name])
        if changed:
            feature.save(update_fields=changed)
        if team is not None:
            feature.team.set(team)  # type: ignore[arg-type]
        after = snapshot(feature, EDITABLE_FEATURE_FIELDS) | {
            "team": sorted(feature.team.values_list("pk", flat=True))
        }
        differing = [name for name in fields if before[name] != after[name]]
        if differing:
            record_event(
                actor=actor,
                action="feature.edit",
                obj=feature,
                before={name: before[name] for name in differing},
                after={name: after[name] for name in differing},
            )
    return feature


def report_status(
    *, actor: AbstractBaseUser, feature: Feature, signal: str, summary: str
) -> StatusReport:
    """The Feature Captain reports the feature's status; the feature shows the latest signal."""
    convoy = feature.convoy
    refuse_if_closed(convoy)
    require_feature_captain(actor, feature, "Reporting the status")
    if signal not in Signal.values:
        raise ValueError(f"{signal!r} is not a signal colour")
    summary = summary.strip()
    if not summary:
        raise ValueError("a status report states the status")
    with transaction.atomic():
        locked = Feature.objects.select_for_update().get(pk=feature.pk)
        before = snapshot(locked, ["signal"])
        report = StatusReport.objects.create(
            feature=locked,
            signal=signal,
            summary=summary,
            reported_by=actor,
            reported_at=clock.now(),
        )
        locked.signal = signal
        locked.save(update_fields=["signal"])
        feature.signal = signal
        record_event(
            actor=actor,
            action="feature.report_status",
            obj=feature,
            before=before,
            after={"signal": signal, "summary": summary, "report_id": report.pk},
        )
    return report


def split_hours(hours: Decimal) -> list[Decimal]:
    """R14's offer: `hours` as the fewest tasks of at most 4 hours, as even as cents allow."""
    cents = int((Decimal(hours) * 100).to_integral_value(rounding=ROUND_CEILING))
    limit = int(MAX_TASK_HOURS * 100)
    parts = max(1, -(-cents // limit))
    share, extra = divmod(cents, parts)
    return [Decimal(share + (1 if i < extra else 0)) / 100 for i in range(parts)]


def add_task(*, actor: AbstractBaseUser, feature: Feature, title: str, hours: Decimal) -> Task:
    """R14: tasks are named C{convoy}-F{feature}-T{task} and last at most 4 hours."""
    convoy = feature.convoy
    refuse_if_closed(convoy)
    role = require_role(
        actor, convoy, Role.FEATURE_CAPTAIN, Role.COMMODORE, action="Editing the task list"
    )
    if role == Role.FEATURE_CAPTAIN and feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R14",
            f"Only the Feature Captain of {feature.code} ({display_name(feature.captain)}) "
            "or the Commodore edits its task list.",
        )
    hours = Decimal(hours)
    if hours <= 0:
        raise ProcessViolation("R14", "A task takes some time; its hours must be above zero.")
    if hours > MAX_TASK_HOURS:
        parts = len(split_hours(hours))
        raise ProcessViolation(
            "R14",
            f"A task may take at most {MAX_TASK_HOURS} hours; this one takes {hours}. "
            f"Split it into {parts} tasks of at most {MAX_TASK_HOURS} hours each.",
        )
    with transaction.atomic():
        Feature.objects.select_for_update().get(pk=feature.pk)
        number = (feature.tasks.aggregate(n=Max("number"))["n"] or 0) + 1
        task = Task.objects.create(
            feature=feature,
            number=number,
            title=title,
            hours=hours,
            created_by=actor,
            created_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="task.add",
            obj=task,
            after=snapshot(task, ["number", "title", "hours"]) | {"name": task.name},
        )
    return task


def split_task(
    *, actor: AbstractBaseUser, feature: Feature, title: str, hours: Decimal
) -> list[Task]:
    """R14: a task over 4 hours becomes N tasks "title (1/N)"… of at most 4 hours each,
    summing to the hours asked for. All of them are provisioned, or none."""
    sizes = split_hours(Decimal(hours))
    if len(sizes) == 1:
        return [add_task(actor=actor, feature=feature, title=title, hours=sizes[0])]
    title_limit = Task._meta.get_field("title").max_length
    with transaction.atomic():
        tasks = []
        for index, size in enumerate(sizes, 1):
            suffix = f" ({index}/{len(sizes)})"
            part_title = title[: title_limit - len(suffix)] + suffix  # type: ignore[operator]
            tasks.append(add_task(actor=actor, feature=feature, title=part_title, hours=size))
    return tasks


def person_days(story_points: int | Decimal) -> Decimal:
    """R13: exactly 0.73 person-days per story point."""
    return Decimal(story_points) * PERSON_DAYS_PER_STORY_POINT


def reconcile_capacity(
    *, actor: AbstractBaseUser, convoy: Convoy, capacity_person_days: Decimal
) -> StretchOpportunity | None:
    """R15: the Commodore sets the quarter's capacity. Estimates above it are recorded as a
    stretch opportunity (returned); estimates within it record nothing more."""
    refuse_if_closed(convoy)
    require_role(actor, convoy, Role.COMMODORE, action="Reconciling capacity")
    capacity = Decimal(capacity_person_days).quantize(Decimal("0.01"))
    if capacity < 0:
        raise ProcessViolation("R15", "Capacity is a number of person-days of zero or more.")
    with transaction.atomic():
        locked = Convoy.objects.select_for_update().get(pk=convoy.pk)
        points = list(
            Feature.objects.select_for_update()
            .filter(convoy=locked)
            .values_list("estimated_sp", flat=True)
        )
        estimate = person_days(sum(points)).quantize(Decimal("0.01"))
        before = snapshot(locked, ["capacity_person_days"])
        locked.capacity_person_days = capacity
        locked.save(update_fields=["capacity_person_days"])
        convoy.capacity_person_days = capacity
        stretch = None
        if estimate > capacity:
            stretch = StretchOpportunity.objects.create(
                convoy=locked,
                estimated_person_days=estimate,
                capacity_person_days=capacity,
                recorded_by=actor,
                recorded_at=clock.now(),
            )
        record_event(
            actor=actor,
            action="convoy.reconcile_capacity",
            obj=locked,
            before=before,
            after={
                "capacity_person_days": capacity,
                "estimated_person_days": estimate,
                "stretch_opportunity_id": stretch.pk if stretch else None,
            },
        )
    return stretch
