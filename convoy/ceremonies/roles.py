"""Who may do what (R1, R2, R4)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from convoy.caching import memoized
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import Change, Convoy, Role, RoleAssignment


def display_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "The system"
    crew = getattr(user, "crew", None)
    return crew.display_name if crew is not None else user.get_username()


def roles_of(user: AbstractBaseUser | None, convoy: Convoy | None = None) -> frozenset[Role]:
    """Standing roles plus the roles held for `convoy` (the Commodore is the Convoy's own)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    key = ("roles", user.pk, convoy.pk if convoy is not None else None)
    return memoized(key, lambda: _roles_of(user, convoy), versioned=True)


def _roles_of(user: AbstractBaseUser, convoy: Convoy | None) -> frozenset[Role]:
    where = Q(convoy__isnull=True)
    if convoy is not None:
        where |= Q(convoy=convoy)
    held = {
        Role(r)
        for r in RoleAssignment.objects.filter(where, user=user).values_list("role", flat=True)
    }
    if convoy is not None and convoy.commodore_id == user.pk:
        held.add(Role.COMMODORE)
    return frozenset(held)


def require_role(
    actor: AbstractBaseUser | None, convoy: Convoy | None, *allowed: Role, action: str
) -> Role:
    """R4: the actor holds one of `allowed` for this Convoy; returns the role acted in."""
    held = roles_of(actor, convoy)
    for role in allowed:
        if role in held:
            return role
    required = " or ".join(Role(role).label for role in allowed)
    where = f" for {convoy.code}" if convoy is not None else ""
    raise ProcessViolation(
        "R4",
        f"{action} requires the role of {required}{where}. "
        f"{display_name(actor)} does not hold that role.",
    )


def refuse_own_change(actor: AbstractBaseUser, change: Change, activity: str) -> None:
    """R1: nobody inspects, tests, validates or votes on a Change they authored."""
    if change.author_id == actor.pk:
        raise ProcessViolation(
            "R1",
            f"A Code Engineer may not {activity} a Change they authored. "
            f"{change.record_id} was authored by {display_name(actor)}.",
        )


def refuse_feature_captain_authoring(actor: AbstractBaseUser, convoy: Convoy) -> None:
    """R2: the Feature Captain does not write code."""
    if Role.FEATURE_CAPTAIN in roles_of(actor, convoy):
        raise ProcessViolation(
            "R2",
            f"A Feature Captain does not write code. {display_name(actor)} is a Feature Captain "
            f"of {convoy.code} and may not author Changes.",
        )
