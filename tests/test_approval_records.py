"""R59: the verdict, the votes and the CSC Minutes are immutable once signed — through
save(), QuerySet.update()/delete() and the admin alike."""

import pytest
from django.urls import reverse

from convoy.ceremonies.errors import ProcessViolation
from convoy.models import CscMinutes, CscVote, ManifestApproval, RollCallEntry, Verdict
from tests.approval_helpers import put_in_manifest_approval, run_sitting, seat_committee
from tests.factories import person


@pytest.fixture
def held(world):
    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    return run_sitting(committee)


def test_a_signed_verdict_cannot_be_saved_over(held):  # R59
    held.verdict = Verdict.FLEET_MAY_SAIL
    with pytest.raises(ProcessViolation) as refusal:
        held.save()
    assert refusal.value.rule == "R59"
    assert ManifestApproval.objects.get().verdict == Verdict.HELD_IN_PORT


def test_queryset_update_of_signed_records_is_refused(held):  # R59
    for queryset, change in [
        (ManifestApproval.objects.all(), {"verdict": Verdict.FLEET_MAY_SAIL}),
        (CscMinutes.objects.all(), {"bell_rung": True}),
        (CscVote.objects.all(), {"approve": False}),
        (RollCallEntry.objects.all(), {"status": "PRESENT"}),
    ]:
        with pytest.raises(ProcessViolation) as refusal:
            queryset.update(**change)
        assert refusal.value.rule == "R59"
    assert CscMinutes.objects.get().bell_rung is False
    assert set(CscVote.objects.values_list("approve", flat=True)) == {True}


def test_signed_minutes_and_votes_cannot_be_deleted(held):  # R59
    with pytest.raises(ProcessViolation):
        CscMinutes.objects.get().delete()
    with pytest.raises(ProcessViolation):
        CscVote.objects.all().delete()
    assert CscMinutes.objects.count() == 1
    assert CscVote.objects.count() == 3


def test_the_minutes_record_the_verdict_and_the_deficiencies(held):  # R39, R59
    minutes = CscMinutes.objects.get()
    assert minutes.is_signed
    assert minutes.verdict == Verdict.HELD_IN_PORT
    assert "Verdict: The Fleet Is Held in Port." in minutes.body
    assert minutes.deficiencies == held.deficiencies
    assert "Vote: 3 to approve, 0 to hold, of 3." in minutes.body


def test_the_admin_does_not_edit_signed_minutes(client, held):  # R59
    staff = person("staff.admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    minutes = CscMinutes.objects.get()
    url = reverse("admin:convoy_cscminutes_change", args=[minutes.pk])
    client.post(url, {"body": "Rewritten.", "bell_rung": "on"})
    minutes.refresh_from_db()
    assert minutes.body.startswith("Minutes of the Convoy Steering Committee")
    assert minutes.bell_rung is False
    page = client.get(url).content.decode()
    assert 'name="body"' not in page
