"""The Emergency Authorization Provision (R34): every element, and still the archived form."""

import datetime as dt

import pytest

from convoy import clock
from convoy.ceremonies.emergency import (
    agree_emergency,
    approve_emergency,
    authorize_emergency,
    declare_emergency,
)
from convoy.ceremonies.errors import ProcessViolation
from convoy.models import Change, ChangeState, EmergencyApproval, EmergencyAuthorization
from tests.pipeline.conftest import archived_change, convene, new_change, to_signatures

SUMMARY = " ".join(["exposure"] * 800)


def declare(change, **overrides):
    fields = {
        "justification": "Ledgers diverge in production; customers see wrong balances.",
        "risk_exposure_summary": SUMMARY,
        "remediation_plan": "Full documentation of the Change within three business days.",
        "documentation_due": clock.add_business_days(clock.today(), 3),
    } | overrides
    return declare_emergency(actor=change.author, change=change, **fields)


def assemble(crew, authorization, approvals=4, chair=True):
    if chair:
        agree_emergency(actor=crew.chair, authorization=authorization)
    for member in crew.crap[1 : 1 + approvals]:
        approve_emergency(actor=member, authorization=authorization)


def test_with_every_element_the_ato_authorizes_and_the_change_is_accepted(crew):  # R34
    change = archived_change(crew)
    authorization = declare(change)
    assemble(crew, authorization)
    authorize_emergency(actor=crew.world.admiral, authorization=authorization)
    assert Change.objects.get(pk=change.pk).state == ChangeState.ACCEPTED
    assert EmergencyAuthorization.objects.get().authorized_by == crew.world.admiral


def test_the_expedited_risk_exposure_summary_runs_to_800_words(crew):  # R34
    change = archived_change(crew)
    with pytest.raises(ProcessViolation) as refusal:
        declare(change, risk_exposure_summary=" ".join(["exposure"] * 799))
    assert refusal.value.rule == "R34"
    assert "at least 800 words; this one has 799" in refusal.value.message
    assert not EmergencyAuthorization.objects.exists()


def test_the_remediation_plan_commits_to_3_business_days(crew):  # R34
    change = archived_change(crew)
    late = clock.add_business_days(clock.today(), 4)
    with pytest.raises(ProcessViolation) as refusal:
        declare(change, documentation_due=late)
    assert refusal.value.rule == "R34"
    assert "within 3 business days" in refusal.value.message


def test_three_approvals_are_not_enough(crew):  # R34
    change = archived_change(crew)
    authorization = declare(change)
    assemble(crew, authorization, approvals=3)
    with pytest.raises(ProcessViolation) as refusal:
        authorize_emergency(actor=crew.world.admiral, authorization=authorization)
    assert refusal.value.rule == "R34"
    assert "individual approval from 4 of the 7 members (3 so far)" in refusal.value.message
    assert Change.objects.get(pk=change.pk).state == ChangeState.ARCHIVED


def test_the_chairs_agreement_is_required(crew):  # R34
    change = archived_change(crew)
    authorization = declare(change)
    assemble(crew, authorization, approvals=5, chair=False)
    with pytest.raises(ProcessViolation) as refusal:
        authorize_emergency(actor=crew.world.admiral, authorization=authorization)
    assert "the chair's agreement that it is an emergency" in refusal.value.message


def test_even_then_the_archived_signature_form_is_required(crew):  # R34, R23
    change = to_signatures(crew, [new_change(crew)])[0]
    authorization = declare(change)
    assemble(crew, authorization)
    with pytest.raises(ProcessViolation) as refusal:
        authorize_emergency(actor=crew.world.admiral, authorization=authorization)
    assert refusal.value.rule == "R34"
    assert "the archived signature form (R23)" in refusal.value.message
    assert Change.objects.get(pk=change.pk).state == ChangeState.SIGNATURES


def test_each_member_approves_once(crew):  # R34
    authorization = declare(archived_change(crew))
    approve_emergency(actor=crew.crap[2], authorization=authorization)
    with pytest.raises(ProcessViolation) as refusal:
        approve_emergency(actor=crew.crap[2], authorization=authorization)
    assert refusal.value.rule == "R34"
    assert EmergencyApproval.objects.count() == 1


def test_only_the_ato_grants_it(crew):  # R4
    authorization = declare(archived_change(crew))
    assemble(crew, authorization)
    with pytest.raises(ProcessViolation) as refusal:
        authorize_emergency(actor=crew.chair, authorization=authorization)
    assert refusal.value.rule == "R4"


def test_the_provision_applies_between_convenings(crew):  # R34
    change = archived_change(crew)
    other = archived_change(crew, "Other")
    convene(crew, [other], present=False)
    with pytest.raises(ProcessViolation) as refusal:
        declare(change, documentation_due=clock.today() + dt.timedelta(days=1))
    assert refusal.value.rule == "R34"
    assert "between Convenings" in refusal.value.message
