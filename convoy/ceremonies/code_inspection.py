"""Code Inspection against the 47-item Code Compliance Checklist (R21), and the change
request form that opening the inspection generates (R23).

The checklist is data: convoy/data/code_compliance_checklist.json, loaded into
`ChecklistItem` by `ensure_checklist()` (the migration loads it the same way).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from convoy import clock
from convoy.ceremonies.audit import record_event
from convoy.ceremonies.change_states import lock_change, move_change, refuse_unless_in
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.guards import refuse_if_closed
from convoy.ceremonies.impact_assessment import next_approver_role, refuse_unless_author
from convoy.ceremonies.roles import refuse_own_change, require_role
from convoy.models import (
    CIA_APPROVAL_CHAIN,
    Certificate,
    CertificateKind,
    Change,
    ChangeImpactAssessment,
    ChangeRequestForm,
    ChangeState,
    ChecklistItem,
    CodeInspection,
    EarbEscalation,
    InspectionResult,
    Role,
)

CHECKLIST_FILE = Path(__file__).resolve().parent.parent / "data" / "code_compliance_checklist.json"
CHECKLIST_SIZE = 47
RELEASE_AFTER_BUSINESS_DAYS = 3  # R21
ESCALATE_AFTER_FAILURES = 3  # R21: more than 3 failures go to the EARB
SIGNATURE_PROTOCOL = {"signatures": 5, "governance_signatures": 2}  # R23


def checklist_data() -> list[dict[str, object]]:
    """The 47 items as stored in the data file: [{"number": 1, "text": "…"}, …]."""
    items = json.loads(CHECKLIST_FILE.read_text(encoding="utf-8"))
    if len(items) != CHECKLIST_SIZE:
        raise RuntimeError(f"{CHECKLIST_FILE} holds {len(items)} items, not {CHECKLIST_SIZE}.")
    return items


def ensure_checklist() -> int:
    """Load the checklist items that are missing; returns how many were created."""
    present = set(ChecklistItem.objects.values_list("number", flat=True))
    missing = [
        ChecklistItem(number=item["number"], text=item["text"])
        for item in checklist_data()
        if item["number"] not in present
    ]
    ChecklistItem.objects.bulk_create(missing)
    return len(missing)


def checklist_numbers() -> set[int]:
    return set(ChecklistItem.objects.values_list("number", flat=True))


def release_not_before(submitted_at: dt.datetime) -> dt.datetime:
    """R21: the same time of day, 3 business days after the day of submission."""
    local = timezone.localtime(submitted_at)
    day = clock.add_business_days(local.date(), RELEASE_AFTER_BUSINESS_DAYS)
    return clock.at_local(day, local.time())


def current_form(change: Change) -> ChangeRequestForm | None:
    return ChangeRequestForm.objects.filter(change=change).order_by("-revision").first()


def generate_form(*, change: Change, revision: int) -> ChangeRequestForm:
    """R23: record id, submitting Code Engineer, target Convoy, required approval chain."""
    form = ChangeRequestForm.objects.create(
        change=change,
        revision=revision,
        record_id=change.record_id,
        submitting_engineer=change.author,
        target_convoy=change.feature.convoy,
        approval_chain=[role.value for role in CIA_APPROVAL_CHAIN]
        + [Role.QA.value, Role.DIAT.value],
        generated_at=clock.now(),
    )
    record_event(
        actor=None,
        action="form.generate",
        obj=form,
        after={
            "change_id": change.pk,
            "revision": revision,
            "record_id": form.record_id,
            "submitting_engineer_id": change.author_id,
            "target_convoy": change.feature.convoy.code,
            "approval_chain": form.approval_chain,
            "signature_protocol": SIGNATURE_PROTOCOL,
        },
    )
    return form


def submit_for_inspection(
    *, actor: AbstractBaseUser, change: Change, lines_added: int, lines_removed: int
) -> CodeInspection:
    """The Code Engineer submits the code; a new inspection round opens (R21)."""
    convoy = change.feature.convoy
    refuse_if_closed(convoy)
    require_role(actor, convoy, Role.CODE_ENGINEER, action="Submitting code for inspection")
    refuse_unless_author(actor, change, "Submitting code for inspection")
    for label, value in (("added", lines_added), ("removed", lines_removed)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProcessViolation("R21", f"Lines {label} is a whole number, zero or more.")
    with transaction.atomic():
        change = lock_change(change)
        if change.state in (ChangeState.DRAFT, ChangeState.IMPACT_ASSESSMENT):
            assessment = ChangeImpactAssessment.objects.filter(change=change).first()
            awaiting = "has not been filed"
            if assessment is not None:
                role = next_approver_role(assessment)
                awaiting = f"awaits the {role.label}'s approval" if role else "is approved"
            raise ProcessViolation(
                "R19",
                f"No coding before the Change Impact Assessment is approved. The CIA of "
                f"{change.record_id} {awaiting}.",
            )
        refuse_unless_in(change, ChangeState.CODING, rule="R21", doing="submitting for inspection")
        now = clock.now()
        round_number = change.inspections.count() + 1
        inspection = CodeInspection.objects.create(
            change=change,
            round=round_number,
            submitted_by=actor,
            submitted_at=now,
            release_not_before=release_not_before(now),
        )
        change.lines_added = lines_added
        change.lines_removed = lines_removed
        change.save(update_fields=["lines_added", "lines_removed"])
        record_event(
            actor=actor,
            action="inspection.open",
            obj=inspection,
            after={
                "change_id": change.pk,
                "round": round_number,
                "lines_added": lines_added,
                "lines_removed": lines_removed,
                "release_not_before": inspection.release_not_before,
            },
        )
        if not ChangeRequestForm.objects.filter(change=change).exists():
            generate_form(change=change, revision=0)  # R23
        move_change(
            actor=actor,
            change=change,
            to_state=ChangeState.CODE_INSPECTION,
            action="change.code_inspection",
            rule="R21",
        )
    return inspection


def _open_round(inspection: CodeInspection) -> CodeInspection:
    inspection = CodeInspection.objects.select_for_update().get(pk=inspection.pk)
    latest = CodeInspection.objects.filter(change_id=inspection.change_id).order_by("-round")[0]
    if latest.pk != inspection.pk:
        raise ProcessViolation(
            "R21", f"Round {inspection.round} has been superseded by round {latest.round}."
        )
    return inspection


def record_inspection(
    *, actor: AbstractBaseUser, inspection: CodeInspection, results: Mapping[int, bool]
) -> CodeInspection:
    """R21: the CSET marks each of the 47 items pass or fail. There is no partial pass."""
    change = inspection.change
    refuse_if_closed(change.feature.convoy)
    require_role(actor, None, Role.CSET, action="Running a Code Inspection")
    refuse_own_change(actor, change, "inspect")  # R1
    items = {item.number: item for item in ChecklistItem.objects.all()}
    unknown = sorted(set(results) - set(items))
    if unknown:
        raise ProcessViolation(
            "R21",
            f"Item {', '.join(map(str, unknown))} is not on the Code Compliance Checklist "
            f"of {len(items)} items.",
        )
    undecided = sorted(set(items) - set(results))
    if undecided:
        raise ProcessViolation(
            "R21",
            f"Every checklist item is marked pass or fail; there is no partial pass. "
            f"Undecided: item {', '.join(map(str, undecided))}.",
        )
    if any(not isinstance(value, bool) for value in results.values()):
        raise ProcessViolation("R21", "Each item is marked pass or fail, nothing in between.")
    with transaction.atomic():
        change = lock_change(change)
        inspection = _open_round(inspection)
        refuse_unless_in(change, ChangeState.CODE_INSPECTION, rule="R21", doing="inspection")
        if inspection.recorded_at is not None:
            raise ProcessViolation(
                "R21",
                f"The results of round {inspection.round} of {change.record_id} are recorded "
                "and are not edited.",
            )
        InspectionResult.objects.bulk_create(
            InspectionResult(inspection=inspection, item=items[number], passed=results[number])
            for number in sorted(items)
        )
        failed = sorted(number for number, passed in results.items() if not passed)
        inspection.inspector = actor
        inspection.recorded_at = clock.now()
        inspection.passed = not failed
        inspection.save(update_fields=["inspector", "recorded_at", "passed"])
        record_event(
            actor=actor,
            action="inspection.record",
            obj=inspection,
            after={"change_id": change.pk, "round": inspection.round, "failed_items": failed},
        )
    return inspection


def release_inspection_results(
    *, actor: AbstractBaseUser, inspection: CodeInspection
) -> CodeInspection:
    """R21: released no earlier than 3 business days after submission. A pass moves the Change
    to Testing with a Code Review Completion Certificate; a fail returns it to Coding, and
    after more than 3 failures it is escalated to the EARB."""
    change = inspection.change
    convoy = change.feature.convoy
    refuse_if_closed(convoy)
    require_role(actor, None, Role.CSET, action="Releasing Code Inspection results")
    refuse_own_change(actor, change, "inspect")  # R1
    with transaction.atomic():
        change = lock_change(change)
        inspection = _open_round(inspection)
        if inspection.recorded_at is None:
            raise ProcessViolation(
                "R21", f"Round {inspection.round} has no results recorded to release."
            )
        if inspection.released_at is not None:
            raise ProcessViolation("R21", f"Round {inspection.round} has already been released.")
        now = clock.now()
        if now < inspection.release_not_before:
            not_before = timezone.localtime(inspection.release_not_before)
            raise ProcessViolation(
                "R21",
                f"Results are released no earlier than {RELEASE_AFTER_BUSINESS_DAYS} business "
                f"days after submission. Round {inspection.round} of {change.record_id} may be "
                f"released from {not_before:%Y-%m-%d %H:%M}.",
            )
        inspection.released_by = actor
        inspection.released_at = now
        inspection.save(update_fields=["released_by", "released_at"])
        record_event(
            actor=actor,
            action="inspection.release",
            obj=inspection,
            after={"change_id": change.pk, "round": inspection.round, "passed": inspection.passed},
        )
        if inspection.passed:
            certificate = Certificate.objects.create(
                kind=CertificateKind.CODE_INSPECTION,
                convoy=convoy,
                feature=change.feature,
                change=change,
                issued_by=actor,
                issued_role=Role.CSET,
                issued_at=now,
                notes=f"Passed all 47 items in round {inspection.round}.",
            )
            record_event(
                actor=actor,
                action="certificate.issue",
                obj=certificate,
                after={"kind": certificate.kind, "change_id": change.pk},
            )
            move_change(
                actor=actor,
                change=change,
                to_state=ChangeState.TESTING,
                action="change.testing",
                rule="R21",
            )
        else:
            move_change(
                actor=actor,
                change=change,
                to_state=ChangeState.CODING,
                action="change.inspection_failed",
                rule="R21",
            )
            failures = CodeInspection.objects.filter(
                change=change, passed=False, released_at__isnull=False
            ).count()
            escalated = EarbEscalation.objects.filter(change=change).exists()
            if failures > ESCALATE_AFTER_FAILURES and not escalated:
                escalation = EarbEscalation.objects.create(
                    change=change, inspection=inspection, failures=failures, escalated_at=now
                )
                record_event(
                    actor=actor,
                    action="inspection.escalate",
                    obj=escalation,
                    after={"change_id": change.pk, "failures": failures, "to": Role.EARB.value},
                )
    return inspection


def standards_adherence_iteration_count(change: Change) -> int:
    """R21: the number of inspection rounds the Change has needed."""
    return change.inspections.count()
