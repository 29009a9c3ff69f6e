"""The Change pages: permissions per URL, the CIA form, the inspection screen, signatures and
the agenda submission (R4, R19–R25)."""

import pytest
from django.urls import reverse

from convoy.ceremonies.convening import cast_ballot
from convoy.models import (
    ChangeImpactAssessment,
    ChangeState,
    CiaApproval,
    FormSignature,
    InspectionResult,
    IntakeRejection,
    RiskCategory,
)
from tests.pipeline.conftest import (
    archived_change,
    assess,
    convene,
    new_change,
    open_inspections,
    schedule,
    to_coding,
    to_signatures,
)

PAGES = [
    "change_detail",
    "change_inspection",
    "change_signatures",
    "change_submit_to_agenda",
]
ACTIONS = [
    "change_assessment",
    "change_approve_assessment",
    "change_submit_for_inspection",
    "change_inspection_release",
    "change_certify_testing",
    "change_validate_integrity",
    "change_archive_form",
    "change_resubmit",
]


@pytest.fixture
def change(crew):
    return new_change(crew)


def url(name, change):
    return reverse(f"convoy:{name}", args=[change.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, change):
    for name in PAGES + ACTIONS:
        response = (
            client.post(url(name, change)) if name in ACTIONS else client.get(url(name, change))
        )
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    response = client.get(reverse("convoy:change_list"))
    assert response["Location"].startswith(reverse("login"))


def test_action_urls_refuse_get(client, crew, change):
    client.force_login(crew.engineer)
    for name in ACTIONS + ["change_record"]:
        target = reverse("convoy:change_record") if name == "change_record" else url(name, change)
        assert client.get(target).status_code == 405, name


def test_the_change_list_offers_the_engineer_to_record_a_change(client, crew, change):
    client.force_login(crew.engineer)
    page = client.get(reverse("convoy:change_list")).content.decode()
    assert change.record_id in page and "Record a Change" in page
    response = client.post(
        reverse("convoy:change_record"), {"feature": crew.feature.pk, "title": "Second"}
    )
    assert response.status_code == 302
    assert crew.feature.changes.count() == 2


def test_the_author_files_the_cia_with_17_ratings_and_sees_the_risk_score(
    client, crew, change
):  # R19
    client.force_login(crew.engineer)
    page = client.get(url("change_detail", change)).content.decode()
    for category in RiskCategory:
        assert category.label in page
    data = {
        "business_justification": "The ledgers disagree.",
        "technical_approach": "Reconcile nightly.",
        "files_affected": "ledger/sync.py",
        "estimated_lines_added": "40",
        "estimated_lines_removed": "5",
        "impact_on_other_features": "None.",
    } | {f"rating_{c}": "2" for c in RiskCategory.values}
    response = client.post(url("change_assessment", change), data, follow=True)
    assert "risk score 34 of 85" in response.content.decode()
    assert ChangeImpactAssessment.objects.get().risk_score == 34


def test_a_cia_with_an_unrated_category_is_refused_and_nothing_stored(client, crew, change):  # R19
    client.force_login(crew.engineer)
    data = {"business_justification": "x", "technical_approach": "y", "files_affected": "z"}
    response = client.post(url("change_assessment", change), data)
    assert response.status_code == 400
    assert not ChangeImpactAssessment.objects.exists()


def test_the_chain_shows_the_awaited_approver_and_refuses_the_wrong_role(
    client, crew, change
):  # R20, R4
    assess(crew, change)
    client.force_login(crew.world.captain)
    page = client.get(url("change_detail", change)).content.decode()
    assert "Approve as Feature Captain" in page
    client.post(url("change_approve_assessment", change))
    assert CiaApproval.objects.count() == 1
    client.force_login(crew.douche)
    response = client.post(url("change_approve_assessment", change), follow=True)
    assert "R20: The Change Impact Assessment of" in response.content.decode()
    client.force_login(crew.qa)
    response = client.post(url("change_approve_assessment", change))
    assert response.status_code == 403
    assert "R4" in response.content.decode()
    assert CiaApproval.objects.count() == 1


def test_the_inspection_screen_shows_the_47_items_from_the_data(client, crew, change):  # R21
    to_coding(crew, change)
    open_inspections(crew, [change])
    client.force_login(crew.cset)
    page = client.get(url("change_inspection", change)).content.decode()
    assert page.count('type="checkbox"') == 47
    assert "47. The Code Engineer has signed the Code Compliance Self-Attestation." in page
    data = {f"item_{n}": "on" for n in range(1, 48) if n != 9}
    response = client.post(url("change_inspection", change), data, follow=True)
    assert "46 items pass, 1 fail" in response.content.decode()
    assert InspectionResult.objects.filter(passed=False).get().item.number == 9
    response = client.post(url("change_inspection_release", change), follow=True)
    assert "R21: Results are released no earlier than 3 business days" in (
        response.content.decode()
    )


def test_only_the_cset_opens_the_inspection_screen(client, crew, change):  # R4
    client.force_login(crew.engineer)
    response = client.get(url("change_inspection", change))
    assert response.status_code == 403
    assert "Code Standards Enforcement Team" in response.content.decode()


def test_signing_verifies_or_flags_the_signature(client, crew, change):  # R23
    to_signatures(crew, [change])
    client.force_login(crew.cgr[0])
    response = client.post(
        url("change_signatures", change), {"signature": "sig:cgr.alvarez"}, follow=True
    )
    assert "Your signature is verified" in response.content.decode()
    client.force_login(crew.cgr[1])
    response = client.post(url("change_signatures", change), {"signature": "wrong"}, follow=True)
    page = response.content.decode()
    assert "R23: Your signature does not match your reference on file" in page
    assert "to be collected again" in page
    assert FormSignature.objects.filter(verified=False).count() == 1


def test_the_author_archives_only_a_verified_form(client, crew, change):  # R23
    to_signatures(crew, [change])
    client.force_login(crew.engineer)
    response = client.post(url("change_archive_form", change), follow=True)
    assert "R23:" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.SIGNATURES


def test_only_the_author_opens_the_agenda_submission(client, crew, change):  # R4
    client.force_login(crew.world.other_engineer)
    assert client.get(url("change_submit_to_agenda", change)).status_code == 403


def test_a_submission_without_the_archived_form_is_refused_at_intake(client, crew, change):  # R24
    schedule(crew)
    client.force_login(crew.engineer)
    response = client.post(
        url("change_submit_to_agenda", change),
        {"risk_exposure_summary": "Low.", "rollback_authorization_declaration": "Authorised."},
    )
    assert response.status_code == 400
    assert "R24: Refused at intake" in response.content.decode()
    assert IntakeRejection.objects.count() == 1


def test_the_change_page_follows_the_change_through_the_pipeline(client, crew, change):
    def page(user, target):
        client.force_login(user)
        response = client.get(url("change_detail", target))
        assert response.status_code == 200
        return response.content.decode()

    assert "File the Change Impact Assessment" in page(crew.engineer, change)
    to_coding(crew, change)
    assert "Submit for Code Inspection" in page(crew.engineer, change)
    open_inspections(crew, [change])
    assert "Open the inspection screen" in page(crew.cset, change)
    done = archived_change(crew, "Done")
    assert "Submit to the CRAP agenda" in page(crew.engineer, done)
    convening = convene(crew, [done])
    for member in crew.crap[:6]:
        cast_ballot(actor=member, convening=convening, change=done, accept=True)
    cast_ballot(actor=crew.crap[6], convening=convening, change=done, accept=False, reasons=[5])
    text = page(crew.engineer, done)
    assert "Rejection Notice, checklist items 5" in text
    assert "Resubmit the Change" in text
