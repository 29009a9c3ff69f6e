"""Seating people in their roles (§1, R3)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from convoy.ceremonies.audit import record_event
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role
from convoy.models import (
    CRAP_SEATS,
    PER_CONVOY_ROLES,
    STANDING_ROLES,
    Convoy,
    Role,
    RoleAssignment,
)


def assign_role(
    *,
    actor: AbstractBaseUser | None,
    user: AbstractBaseUser,
    role: Role,
    convoy: Convoy | None = None,
    seat: int | None = None,
    is_chair: bool = False,
) -> RoleAssignment:
    """Standing roles are assigned by the ATO; per-convoy roles by the Convoy's Commodore.

    `actor=None` is the system (demo loading, carrying features forward under R10).
    """
    role = Role(role)
    if role in STANDING_ROLES and convoy is not None:
        raise ProcessViolation("R4", f"{role.label} is a standing role, held across Convoys.")
    if role in PER_CONVOY_ROLES and convoy is None:
        raise ProcessViolation("R4", f"{role.label} is assigned per Convoy; name the Convoy.")
    if role == Role.COMMODORE:
        raise ProcessViolation("R4", "The Commodore is named on the Convoy itself.")
    if convoy is not None:
        refuse_if_closed(convoy)  # R41, R7: seating crew is work in the Convoy
    if role == Role.CRAP and (seat is None or not 1 <= seat <= CRAP_SEATS):
        raise ProcessViolation("R3", f"The CRAP has exactly {CRAP_SEATS} seats, numbered 1 to 7.")
    if actor is not None:
        if role in STANDING_ROLES:
            require_role(actor, None, Role.ADMIRAL, action=f"Assigning the role of {role.label}")
        else:
            require_role(
                actor, convoy, Role.COMMODORE, action=f"Assigning the role of {role.label}"
            )
    try:
        with transaction.atomic():
            assignment = RoleAssignment.objects.create(
                user=user, role=role, convoy=convoy, seat=seat, is_chair=is_chair
            )
            record_event(
                actor=actor,
                action="role.assign",
                obj=assignment,
                after={
                    "user_id": user.pk,
                    "role": role.value,
                    "convoy_id": convoy.pk if convoy else None,
                    "seat": seat,
                    "is_chair": is_chair,
                },
            )
    except IntegrityError:
        if role == Role.CRAP and RoleAssignment.objects.filter(role=role, seat=seat).exists():
            raise ProcessViolation("R3", f"CRAP seat {seat} is already occupied.") from None
        if is_chair:
            raise ProcessViolation("R4", f"The {role.label} already has a chair.") from None
        raise ProcessViolation(
            "R4", f"{display_name(user)} already holds the role of {role.label} there."
        ) from None
    return assignment


def ensure_role(
    *, actor: AbstractBaseUser | None, user: AbstractBaseUser, role: Role, convoy: Convoy | None
) -> RoleAssignment:
    existing = RoleAssignment.objects.filter(user=user, role=role, convoy=convoy).first()
    return existing or assign_role(actor=actor, user=user, role=role, convoy=convoy)
