"""Priority Change Requests (R17): filing, the approval chain, Captain's Mast.

Choices this module makes where R17 is silent, stated once here:
- The CSET and the EARB each approve once, as a body: any one member signs for it.
- "Every Feature Captain in the Convoy" means every person holding that role in the Convoy
  when the chain is checked, the filer included, each approving individually.
- The Commodore approves last, once every other approval is in; only then may the PCR be
  heard at Captain's Mast. The Commodore's ruling there is final.
- On a grant the feature takes the proposed priority and the feature that held it takes the
  feature's priority at that moment (a swap), so no two features share a priority.
- Re-filing a request identical to one still before Captain's Mast is refused: a double
  submission does not file twice (nor count twice towards coaching).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event, snapshot
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.roles import display_name, require_role, roles_of
from convoy.models import (
    Convoy,
    Feature,
    PcrApproval,
    PcrState,
    PriorityChangeRequest,
    Role,
    RoleAssignment,
)

MIN_JUSTIFICATION_WORDS = 2000  # R17
COACHING_THRESHOLD = 2  # R17: more than two PCRs in one Convoy
MAX_TEXT_CHARS = 200_000  # a form limit, far above 2,000 words; keeps requests under 2 MB

# The whitespace that separates words: exactly the characters JavaScript's `\s` matches, so
# static/convoy/wordcount.js (which uses the same class) counts as the server does.
WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_WORD = re.compile(f"[^{WHITESPACE}]+")

CHAIN_ROLES = (Role.CSET, Role.EARB, Role.FEATURE_CAPTAIN, Role.COMMODORE)
BODIES = (Role.CSET, Role.EARB)

PCR_FIELDS = [
    "feature_id",
    "feature_name",
    "feature_captain_name",
    "current_priority",
    "proposed_priority",
    "feature_team_size",
    "justification_words",
    "counter_justification_words",
]


def count_words(text: str) -> int:
    """Words are runs of non-whitespace. The one count used by the rules and the page."""
    return sum(1 for _ in _WORD.finditer(text))


def pcr_code(pcr: PriorityChangeRequest) -> str:
    return f"PCR-{pcr.pk}"


def _on(moment) -> str:  # type: ignore[no-untyped-def]
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


# Filing ---------------------------------------------------------------------------------


def check_may_file(actor: AbstractBaseUser, feature: Feature) -> None:
    """R4/R17: only the feature's own Feature Captain files, and only for a ranked feature."""
    convoy = feature.convoy
    require_role(actor, convoy, Role.FEATURE_CAPTAIN, action="Filing a Priority Change Request")
    if feature.captain_id != actor.pk:
        raise ProcessViolation(
            "R4",
            f"Filing a Priority Change Request for {feature.code} requires being its Feature "
            f"Captain, {display_name(feature.captain)}. {display_name(actor)} is not (R17).",
        )
    refuse_if_closed(convoy)
    if feature.priority is None:
        raise ProcessViolation(
            "R17",
            f"{feature.code} has no priority: it has not been ranked. A Priority Change Request "
            "changes a priority that exists.",
        )


def highest_priority(convoy: Convoy) -> int:
    return convoy.features.aggregate(n=Max("priority"))["n"] or 0


def file_pcr(
    *,
    actor: AbstractBaseUser,
    feature: Feature,
    proposed_priority: int,
    justification: str,
    counter_justification: str,
) -> PriorityChangeRequest:
    """The Feature Captain files a PCR: both texts together, the record's fields as they stand."""
    with transaction.atomic():
        # The Convoy row serialises filings in it: the coaching count (R17) counts them.
        convoy = Convoy.objects.select_for_update().get(pk=feature.convoy_id)
        feature = (
            Feature.objects.select_for_update(of=("self",))
            .select_related("captain__crew")
            .get(pk=feature.pk)
        )
        feature.convoy = convoy
        check_may_file(actor, feature)
        current = feature.priority
        highest = highest_priority(convoy)
        if not 1 <= proposed_priority <= highest:
            raise ProcessViolation(
                "R17",
                f"Priority {proposed_priority} does not exist in {convoy.code}: its features "
                f"are ranked 1 to {highest}.",
            )
        if proposed_priority == current:
            raise ProcessViolation(
                "R17",
                f"The proposed priority {proposed_priority} is the current priority of "
                f"{feature.code}. A Priority Change Request proposes a different one.",
            )
        justification_words = count_words(justification)
        counter_words = count_words(counter_justification)
        if justification_words < MIN_JUSTIFICATION_WORDS:
            raise ProcessViolation(
                "R17",
                f"The justification has {justification_words:,} words; R17 requires at least "
                f"{MIN_JUSTIFICATION_WORDS:,}.",
            )
        if counter_words < justification_words:
            raise ProcessViolation(
                "R17",
                f"The counter-justification has {counter_words:,} words and the justification "
                f"{justification_words:,}; R17 requires the counter-justification to be of "
                "equal or greater length.",
            )
        earlier = PriorityChangeRequest.objects.filter(
            feature=feature,
            filed_by=actor,
            state=PcrState.FILED,
            proposed_priority=proposed_priority,
            justification=justification,
            counter_justification=counter_justification,
        ).first()
        if earlier is not None:
            raise ProcessViolation(
                "R17",
                f"This Priority Change Request was already filed as {pcr_code(earlier)} on "
                f"{_on(earlier.filed_at)} and is before Captain's Mast. It is not filed twice.",
            )
        pcr = PriorityChangeRequest.objects.create(
            convoy=convoy,
            feature=feature,
            feature_name=feature.name,
            feature_captain_name=display_name(feature.captain),
            current_priority=current,
            proposed_priority=proposed_priority,
            feature_team_size=feature.team.count(),
            justification=justification,
            counter_justification=counter_justification,
            justification_words=justification_words,
            counter_justification_words=counter_words,
            filed_by=actor,
            filed_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="pcr.file",
            obj=pcr,
            after=snapshot(pcr, PCR_FIELDS)
            | {
                # The texts are kept on the PCR; the chain holds their digests.
                "justification_sha256": _digest(justification),
                "counter_justification_sha256": _digest(counter_justification),
            },
        )
        filed = PriorityChangeRequest.objects.filter(convoy=convoy, filed_by=actor).count()
        if filed == COACHING_THRESHOLD + 1:  # R17: flagged from the third
            record_event(
                actor=actor,
                action="crew.flag_for_coaching",
                obj=actor,
                object_repr=f"{display_name(actor)} in {convoy.code}",
                after={"convoy": convoy.code, "pcrs_filed": filed},
            )
    return pcr


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def flagged_for_coaching(convoy: Convoy) -> set[int]:
    """R17: ids of the people who have filed more than two PCRs in this Convoy."""
    return set(
        PriorityChangeRequest.objects.filter(convoy=convoy)
        .values("filed_by")
        .annotate(n=Count("id"))
        .filter(n__gt=COACHING_THRESHOLD)
        .values_list("filed_by", flat=True)
    )


# The approval chain ---------------------------------------------------------------------


@dataclass(frozen=True)
class ApprovalSlot:
    """One approval R17 requires: a body (CSET, EARB), a named Feature Captain, the Commodore."""

    role: Role
    label: str
    approval: PcrApproval | None
    person: AbstractBaseUser | None = None

    @property
    def approved(self) -> bool:
        return self.approval is not None

    @property
    def phrase(self) -> str:
        """The slot as a sentence names it: "the Commodore", "Feature Captain Fc Brandt"."""
        return self.label if self.role == Role.FEATURE_CAPTAIN else f"the {self.label}"


def feature_captains(convoy: Convoy) -> list[AbstractBaseUser]:
    user_ids = RoleAssignment.objects.filter(convoy=convoy, role=Role.FEATURE_CAPTAIN).values(
        "user_id"
    )
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("crew")
    return sorted(users, key=lambda u: (display_name(u).lower(), u.pk))


def approval_chain(
    pcr: PriorityChangeRequest, captains: list[AbstractBaseUser] | None = None
) -> list[ApprovalSlot]:
    """Every approval the PCR needs, in the order shown; the Commodore's is last.

    Uses `pcr.approvals.all()` (prefetch it with `approver__crew` for lists) and, when given,
    the Convoy's Feature Captains (one query for a page of PCRs).
    """
    if captains is None:
        captains = feature_captains(pcr.convoy)
    approvals = list(pcr.approvals.all())

    def first(role: Role, approver_id: int | None = None) -> PcrApproval | None:
        for approval in approvals:
            if approval.role == role and approver_id in (None, approval.approver_id):
                return approval
        return None

    slots = [ApprovalSlot(role, role.label, first(role)) for role in BODIES]
    captain_ids = {c.pk for c in captains}
    # Feature Captains who approved and have since left the role still show their approval.
    former = [
        a.approver
        for a in approvals
        if a.role == Role.FEATURE_CAPTAIN and a.approver_id not in captain_ids
    ]
    for captain in [*captains, *former]:
        slots.append(
            ApprovalSlot(
                Role.FEATURE_CAPTAIN,
                f"Feature Captain {display_name(captain)}",
                first(Role.FEATURE_CAPTAIN, captain.pk),
                captain,
            )
        )
    slots.append(ApprovalSlot(Role.COMMODORE, "Commodore", first(Role.COMMODORE)))
    return slots


def awaiting(slots: list[ApprovalSlot], *, but_commodore: bool = False) -> list[ApprovalSlot]:
    return [s for s in slots if not s.approved and not (but_commodore and s.role == Role.COMMODORE)]


def _approval_refusal(
    actor: AbstractBaseUser, pcr: PriorityChangeRequest, role: Role, slots: list[ApprovalSlot]
) -> ProcessViolation | None:
    """Why `actor` may not approve `pcr` as `role` now, or None. Shared by rule and page."""
    code = pcr_code(pcr)
    if pcr.state != PcrState.FILED:
        return ProcessViolation(
            "R17",
            f"{code} was heard at Captain's Mast on {_on(pcr.ruled_at)}. Its approval chain "
            "is closed.",
        )
    if role in BODIES:
        done = next(s.approval for s in slots if s.role == role)
        if done is not None:
            return ProcessViolation(
                "R17",
                f"The {role.label} has already approved {code}: "
                f"{display_name(done.approver)} on {_on(done.approved_at)}.",
            )
    if role == Role.FEATURE_CAPTAIN:
        mine = [s for s in slots if s.role == role and s.person.pk == actor.pk]
        if mine and mine[0].approved:
            return ProcessViolation(
                "R17",
                f"{display_name(actor)} has already approved {code} as Feature Captain on "
                f"{_on(mine[0].approval.approved_at)}.",
            )
    if role == Role.COMMODORE:
        if slots[-1].approved:
            return ProcessViolation("R17", f"The Commodore has already approved {code}.")
        missing = awaiting(slots, but_commodore=True)
        if missing:
            return ProcessViolation(
                "R17",
                f"The Commodore approves last. {code} still awaits the approval of "
                f"{_listing([s.phrase for s in missing])}.",
            )
    return None


def approval_capacity(role: Role | str) -> str:
    role = Role(role)
    if role in BODIES:
        return f"a member of the {role.label}"
    return "the Commodore" if role == Role.COMMODORE else "a Feature Captain"


def _listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def approvals_open_to(actor: AbstractBaseUser, pcr: PriorityChangeRequest) -> list[Role]:
    """The roles in which `actor` may approve `pcr` now (the page shows one button each)."""
    held = roles_of(actor, pcr.convoy)
    slots = approval_chain(pcr)
    return [
        role
        for role in CHAIN_ROLES
        if role in held and _approval_refusal(actor, pcr, role, slots) is None
    ]


def approve_pcr(
    *, actor: AbstractBaseUser, pcr: PriorityChangeRequest, role: Role | str
) -> PcrApproval:
    """One approval of the chain: CSET, EARB, each Feature Captain, then the Commodore."""
    try:
        role = Role(role)
    except ValueError:
        role = None  # type: ignore[assignment]
    if role not in CHAIN_ROLES:  # R17
        raise ProcessViolation(
            "R17",
            "A Priority Change Request is approved by the Code Standards Enforcement Team, the "
            "Enterprise Architecture Review Board, every Feature Captain of the Convoy and the "
            "Commodore, and by no one else.",
        )
    with transaction.atomic():
        pcr = (
            PriorityChangeRequest.objects.select_for_update(of=("self",))
            .select_related("convoy")
            .get(pk=pcr.pk)
        )
        refuse_if_closed(pcr.convoy)
        require_role(
            actor,
            pcr.convoy,
            role,
            action=f"Approving a Priority Change Request as {approval_capacity(role)}",
        )
        refusal = _approval_refusal(actor, pcr, role, approval_chain(pcr))
        if refusal is not None:
            raise refusal
        approval = PcrApproval.objects.create(
            pcr=pcr, approver=actor, role=role, approved_at=clock.now()
        )
        record_event(
            actor=actor,
            action="pcr.approve",
            obj=approval,
            object_repr=f"{role.label} approval of {pcr_code(pcr)}",
            after={"pcr_id": pcr.pk, "role": role.value, "approver_id": actor.pk},
        )
    return approval


# Captain's Mast -------------------------------------------------------------------------


def rule_on_pcr(
    *, actor: AbstractBaseUser, pcr: PriorityChangeRequest, grant: bool, note: str
) -> PriorityChangeRequest:
    """R17: the Commodore hears the PCR at Captain's Mast. The verdict is final."""
    with transaction.atomic():
        pcr = (
            PriorityChangeRequest.objects.select_for_update(of=("self",))
            .select_related("convoy", "feature")
            .get(pk=pcr.pk)
        )
        convoy = pcr.convoy
        refuse_if_closed(convoy)
        require_role(actor, convoy, Role.COMMODORE, action="Ruling at Captain's Mast")
        code = pcr_code(pcr)
        if pcr.state != PcrState.FILED:
            raise ProcessViolation(
                "R17",
                f"The Commodore's verdict on {code} was rendered on {_on(pcr.ruled_at)}: "
                f"{pcr.get_state_display()}. It is final.",
            )
        missing = awaiting(approval_chain(pcr))
        if missing:
            raise ProcessViolation(
                "R17",
                f"{code} cannot be heard at Captain's Mast before its approval chain is "
                f"complete. It awaits the approval of {_listing([s.phrase for s in missing])}.",
            )
        note = note.strip()
        if not note:
            raise ProcessViolation("R17", "The verdict at Captain's Mast states its grounds.")
        before = snapshot(pcr, ["state", "ruled_at", "ruling_note"])
        if grant:
            _swap_priorities(actor, pcr)
        pcr.state = PcrState.GRANTED if grant else PcrState.DENIED
        pcr.ruled_at = clock.now()
        pcr.ruling_note = note
        pcr.save(update_fields=["state", "ruled_at", "ruling_note"])
        record_event(
            actor=actor,
            action="pcr.rule",
            obj=pcr,
            before=before,
            after=snapshot(pcr, ["state", "ruled_at", "ruling_note"]),
        )
    return pcr


def _swap_priorities(actor: AbstractBaseUser, pcr: PriorityChangeRequest) -> None:
    """The feature takes the proposed priority; the feature holding it takes the old one."""
    features = {
        f.pk: f
        for f in Feature.objects.select_for_update().filter(convoy=pcr.convoy).order_by("pk")
    }
    feature = features[pcr.feature_id]
    vacated = feature.priority
    holders = [
        f for f in features.values() if f.priority == pcr.proposed_priority and f.pk != feature.pk
    ]
    for moved, priority in [(feature, pcr.proposed_priority), *((h, vacated) for h in holders)]:
        before = snapshot(moved, ["priority"])
        moved.priority = priority
        moved.save(update_fields=["priority"])
        record_event(
            actor=actor,
            action="feature.reprioritise",
            obj=moved,
            before=before,
            after=snapshot(moved, ["priority"]) | {"by": pcr_code(pcr)},
        )
