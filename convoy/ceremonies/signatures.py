"""The Integrated Record and Signature Protocol (R23) and resubmission after rejection (R32).

At least 5 verified signatures on the current revision of the change request form, at least
2 of them from change governance representatives. Each signature is compared with the
signer's reference on file; a mismatch is kept and flagged, and only that signer signs again.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change, refuse_unless_in
from convoy.ceremonies.code_inspection import SIGNATURE_PROTOCOL, current_form, generate_form
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.impact_assessment import refuse_unless_author
from convoy.ceremonies.roles import display_name, refuse_own_change, require_role
from convoy.models import (
    Change,
    ChangeRequestForm,
    ChangeState,
    CrewProfile,
    FormSignature,
    Role,
)

SIGNATURES_REQUIRED = SIGNATURE_PROTOCOL["signatures"]
GOVERNANCE_SIGNATURES_REQUIRED = SIGNATURE_PROTOCOL["governance_signatures"]
# Who may sign, in the order a person holding several roles signs as: a change governance
# representative first, so that their signature counts toward the governance quota.
SIGNER_ROLES = (
    Role.CGR,
    Role.FEATURE_CAPTAIN,
    Role.CSET,
    Role.EARB,
    Role.QA,
    Role.DIAT,
    Role.DOUCHE,
    Role.COMMODORE,
)


@dataclass(frozen=True)
class FormStatus:
    verified: int
    governance: int
    flagged: list[FormSignature]

    @property
    def complete(self) -> bool:
        return (
            self.verified >= SIGNATURES_REQUIRED
            and self.governance >= GOVERNANCE_SIGNATURES_REQUIRED
            and not self.flagged
        )

    def shortfall(self) -> list[str]:
        missing = []
        if self.verified < SIGNATURES_REQUIRED:
            missing.append(
                f"{SIGNATURES_REQUIRED - self.verified} more verified signature(s) "
                f"({self.verified} of {SIGNATURES_REQUIRED})"
            )
        if self.governance < GOVERNANCE_SIGNATURES_REQUIRED:
            missing.append(
                f"{GOVERNANCE_SIGNATURES_REQUIRED - self.governance} more from a change "
                f"governance representative ({self.governance} of "
                f"{GOVERNANCE_SIGNATURES_REQUIRED})"
            )
        for signature in self.flagged:
            missing.append(f"the flagged signature of {display_name(signature.signer)}, again")
        return missing


def form_status(form: ChangeRequestForm) -> FormStatus:
    signatures = list(form.signatures.select_related("signer__crew"))
    verified = [s for s in signatures if s.verified]
    recollected = {s.recollects_id for s in signatures if s.recollects_id}
    flagged = [s for s in signatures if not s.verified and s.pk not in recollected]
    return FormStatus(
        verified=len(verified),
        governance=sum(1 for s in verified if s.governance),
        flagged=flagged,
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _locked_current_form(change: Change) -> ChangeRequestForm:
    form = current_form(change)
    if form is None:
        raise ProcessViolation(
            "R23",
            f"{change.record_id} has no change request form: its Code Inspection has "
            "not been opened.",
        )
    return ChangeRequestForm.objects.select_for_update().get(pk=form.pk)


def require_signer(actor: AbstractBaseUser, change: Change) -> Role:
    """R4: the role in which `actor` may sign the change request form of `change`."""
    return require_role(
        actor, change.feature.convoy, *SIGNER_ROLES, action="Signing a change request form"
    )


def sign_form(*, actor: AbstractBaseUser, change: Change, signature: str) -> FormSignature:
    """R23: one signature on the current form; a mismatch with the reference is flagged."""
    refuse_if_closed(change.feature.convoy)
    role = require_signer(actor, change)
    refuse_own_change(actor, change, "sign the request form of")  # R1
    reference = (
        CrewProfile.objects.filter(user=actor).values_list("signature_reference", flat=True).first()
    )
    if not reference:
        raise ProcessViolation(
            "R23",
            f"{display_name(actor)} has no signature reference on file; a signature that cannot "
            "be verified is not collected.",
        )
    presented = signature.strip()
    if not presented:
        raise ProcessViolation("R23", "A signature is required.")
    try:
        with transaction.atomic():
            change = lock_change(change)
            if change.state in (ChangeState.TESTING, ChangeState.DIAT_REVIEW):
                raise ProcessViolation(
                    "R22",
                    f"The DIAT's integrity validation is required before signatures are "
                    f"collected. {change.record_id} is in {ChangeState(change.state).label}.",
                )
            refuse_unless_in(
                change, ChangeState.SIGNATURES, rule="R23", doing="collecting signatures"
            )
            form = _locked_current_form(change)
            mine = list(form.signatures.filter(signer=actor))
            if any(s.verified for s in mine):
                raise ProcessViolation(
                    "R23",
                    f"{display_name(actor)}'s signature on {form.record_id} is verified; "
                    "a verified signature is not collected again.",
                )
            recollected = {s.recollects_id for s in mine if s.recollects_id}
            outstanding = next(
                (s for s in mine if not s.verified and s.pk not in recollected), None
            )
            verified = hmac.compare_digest(_digest(presented), _digest(reference.strip()))
            row = FormSignature.objects.create(
                form=form,
                signer=actor,
                signed_role=role,
                governance=role == Role.CGR,
                signature_digest=_digest(presented),
                verified=verified,
                signed_at=clock.now(),
                recollects=outstanding,
            )
            record_event(
                actor=actor,
                action="form.sign" if verified else "form.signature_flagged",
                obj=row,
                after={
                    "form_id": form.pk,
                    "revision": form.revision,
                    "role": role.value,
                    "verified": verified,
                    "recollects": outstanding.pk if outstanding else None,
                },
            )
    except IntegrityError:
        raise ProcessViolation(
            "R23", f"{display_name(actor)}'s signature on this form is already verified."
        ) from None
    return row


def archive_form(*, actor: AbstractBaseUser, change: Change) -> ChangeRequestForm:
    """R23: the submitting Code Engineer archives the verified form; only then the agenda."""
    refuse_if_closed(change.feature.convoy)
    require_role(actor, change.feature.convoy, Role.CODE_ENGINEER, action="Archiving a form")
    refuse_unless_author(actor, change, "Archiving the change request form")
    with transaction.atomic():
        change = lock_change(change)
        refuse_unless_in(change, ChangeState.SIGNATURES, rule="R23", doing="archiving the form")
        form = _locked_current_form(change)
        status = form_status(form)
        if not status.complete:
            raise ProcessViolation(
                "R23",
                f"{form.record_id} is not verified and may not be archived. Still required: "
                f"{'; '.join(status.shortfall())}.",
            )
        form.archived_by = actor
        form.archived_at = clock.now()
        form.save(update_fields=["archived_by", "archived_at"])
        record_event(
            actor=actor,
            action="form.archive",
            obj=form,
            after={
                "revision": form.revision,
                "verified_signatures": status.verified,
                "governance_signatures": status.governance,
            },
        )
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.ARCHIVED,
            action="change.archived",
            rule="R23",
        )
    return form


def resubmit_change(*, actor: AbstractBaseUser, change: Change) -> ChangeRequestForm:
    """R32: a rejected Change returns to Signatures on a new form revision, count + 1."""
    refuse_if_closed(change.feature.convoy)
    require_role(actor, change.feature.convoy, Role.CODE_ENGINEER, action="Resubmitting")
    refuse_unless_author(actor, change, "Resubmitting the Change")
    with transaction.atomic():
        change = lock_change(change)
        refuse_unless_in(change, ChangeState.REJECTED, rule="R32", doing="resubmission")
        previous = current_form(change)
        change.resubmission_count += 1
        form = generate_form(change=change, revision=(previous.revision + 1 if previous else 0))
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.SIGNATURES,
            action="change.resubmit",
            rule="R32",
        )
    return form
