"""Pages of Manifest Approval, the Change Freeze and Emergency Sail: sign-in, roles (R4), HTTP
methods, and what each role sees and does (R9, R38–R42)."""

import pytest
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.emergency_sail import file_emergency_sail
from convoy.ceremonies.manifest_approval import convene_sitting
from convoy.models import (
    AbsenceAttestationForm,
    CscVote,
    EmergencySailSignature,
    FreezeAnnouncement,
    ManifestApproval,
    RiskCategory,
)
from tests.approval_helpers import (
    complete_manifest,
    put_in_manifest_approval,
    run_sitting,
    seat_committee,
    walk_to_vote,
)
from tests.factories import person

FULL_MATRIX = {c.value: {"likelihood": 3, "impact": 4} for c in RiskCategory}


@pytest.fixture
def committee(world):
    committee = seat_committee(world)
    put_in_manifest_approval(committee)
    return committee


@pytest.fixture
def sitting(committee):
    return convene_sitting(
        actor=committee.world.commodore, convoy=committee.convoy, present=committee.everyone
    )


@pytest.fixture
def sail_request(committee):
    return file_emergency_sail(
        actor=committee.world.commodore,
        convoy=committee.convoy,
        risk_acceptance_matrix=FULL_MATRIX,
        justification_narrative="word " * 3000,
        remediation_plan="Complete every missing document.",
        remediation_business_days=5,
    )


def url(name, committee, *args):
    return reverse(f"convoy:{name}", args=[committee.world.convoy.number, *args])


# (name, needs, method, role allowed) — "needs" picks the object the URL names.
POSTS = [
    ("approval_convene", None, "commodore"),
    ("approval_absence", None, "captain"),
    ("approval_roll_call", "sitting", "commodore"),
    ("approval_presentation_start", "sitting", "commodore"),
    ("approval_presentation_end", "sitting", "commodore"),
    ("approval_deliberation", "sitting", "commodore"),
    ("approval_call_vote", "sitting", "commodore"),
    ("approval_verdict", "sitting", "commodore"),
    ("approval_vote", "sitting", "csc"),
    ("freeze_announce", None, "cso"),
    ("emergency_sail_new", None, "commodore"),
    ("emergency_sail_sign", "sail_request", "csc"),
    ("emergency_sail_approve", "sail_request", "admiral"),
]
GETS = [
    ("approval", None),
    ("approval_sitting", "sitting"),
    ("freeze", None),
    ("emergency_sail_list", None),
    ("emergency_sail_detail", "sail_request"),
]


def args_for(request, needs):
    return [request.getfixturevalue(needs).pk] if needs else []


@pytest.mark.parametrize(("name", "needs", "role"), POSTS, ids=[p[0] for p in POSTS])
def test_anonymous_posts_are_sent_to_sign_in(client, committee, request, name, needs, role):  # R4
    response = client.post(url(name, committee, *args_for(request, needs)))
    assert response.status_code == 302
    assert "/signin/" in response["Location"]


@pytest.mark.parametrize(("name", "needs"), GETS, ids=[g[0] for g in GETS])
def test_anonymous_pages_are_sent_to_sign_in(client, committee, request, name, needs):  # R4
    response = client.get(url(name, committee, *args_for(request, needs)))
    assert response.status_code == 302
    assert "/signin/" in response["Location"]


@pytest.mark.parametrize(("name", "needs", "role"), POSTS, ids=[p[0] for p in POSTS])
def test_the_wrong_role_is_refused_with_403_and_nothing_changes(
    client, committee, request, name, needs, role
):  # R4
    args = args_for(request, needs)
    counts = [
        m.objects.count()
        for m in (ManifestApproval, CscVote, FreezeAnnouncement, EmergencySailSignature)
    ]
    client.force_login(committee.world.engineer)
    response = client.post(url(name, committee, *args), {"vote": "APPROVE"})
    assert response.status_code == 403
    assert "requires the role of" in response.content.decode()
    assert counts == [
        m.objects.count()
        for m in (ManifestApproval, CscVote, FreezeAnnouncement, EmergencySailSignature)
    ]


@pytest.mark.parametrize(("name", "needs"), GETS, ids=[g[0] for g in GETS])
def test_pages_render_for_any_member(client, committee, request, name, needs):
    client.force_login(committee.world.engineer)
    response = client.get(url(name, committee, *args_for(request, needs)))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["approval_convene", "approval_verdict", "freeze_announce", "emergency_sail_sign"]
)
def test_actions_refuse_get(client, committee, request, name):
    needs = {"approval_verdict": "sitting", "emergency_sail_sign": "sail_request"}.get(name)
    client.force_login(committee.world.commodore)
    response = client.get(url(name, committee, *args_for(request, needs)))
    assert response.status_code == 405


def test_the_vote_screen_is_refused_to_a_non_member(client, committee, sitting):  # R4
    client.force_login(person("csc.nobody"))
    assert client.get(url("approval_vote", committee, sitting.pk)).status_code == 403


def test_the_commodore_convenes_from_the_page(client, committee):  # R38
    client.force_login(committee.world.commodore)
    response = client.post(
        url("approval_convene", committee), {"present": [u.pk for u in committee.everyone]}
    )
    sitting = ManifestApproval.objects.get()
    assert response["Location"] == url("approval_sitting", committee, sitting.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Quorum verified: 3 of 3 members present." in page


def test_convening_without_quorum_shows_the_rule(client, committee):  # R38
    client.force_login(committee.world.commodore)
    response = client.post(
        url("approval_convene", committee), {"present": [committee.chair.pk]}, follow=True
    )
    assert "R38: No quorum" in response.content.decode()
    assert not ManifestApproval.objects.exists()


def test_a_member_votes_on_their_own_screen(client, committee):  # R39
    sitting = walk_to_vote(committee)
    client.force_login(committee.members[0])
    response = client.post(url("approval_vote", committee, sitting.pk), {"vote": "HOLD"})
    assert response.status_code == 302
    assert CscVote.objects.get(member=committee.members[0]).approve is False
    page = client.get(url("approval_vote", committee, sitting.pk)).content.decode()
    assert "You voted to hold the Fleet in port" in page


def test_the_held_verdict_page_lists_the_deficiencies(client, committee):  # R39, R41
    sitting = run_sitting(committee)
    client.force_login(committee.world.auditor)
    page = client.get(url("approval_sitting", committee, sitting.pk)).content.decode()
    assert "The Fleet Is Held in Port." in page
    assert "Feature Specification" in page
    assert "Remediation Window until" in page
    assert "CSC Minutes" in page


def test_the_may_sail_page_rings_the_bell(client, committee):  # R40
    complete_manifest(committee)
    sitting = run_sitting(committee)
    client.force_login(committee.world.captain)
    page = client.get(url("approval_sitting", committee, sitting.pk)).content.decode()
    assert "The Fleet May Sail." in page
    assert "The ship&#x27;s bell is rung" in page or "The ship's bell is rung" in page


def test_a_feature_captain_files_an_absence_attestation_form(client, committee):  # R38
    client.force_login(committee.world.captain)
    client.post(
        url("approval_absence", committee),
        {"absent_on": clock.today().isoformat(), "reason": "Dentist."},
    )
    assert AbsenceAttestationForm.objects.get().captain == committee.world.captain


def test_every_page_shows_the_held_in_port_banner(client, committee):  # R41
    run_sitting(committee)
    client.force_login(committee.world.engineer)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "The Fleet Is Held in Port. Remediation Window until" in page


def test_the_emergency_sail_list_shows_how_many_were_ever_completed(client, committee):  # R42
    client.force_login(committee.world.engineer)
    page = client.get(url("emergency_sail_list", committee)).content.decode()
    assert "ever completed: <strong>0</strong>" in page


def test_the_convoy_page_links_each_criterion_to_its_records(client, committee):  # R8
    client.force_login(committee.world.commodore)
    page = client.get(committee.world.convoy.get_absolute_url()).content.decode()
    assert f'href="{url("approval", committee)}"' in page
    assert "Manifest Approval" in page
