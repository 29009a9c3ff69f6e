"""R59: signed records are immutable once signed; corrections are new records."""

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.fleet_inspection import score_presentation
from convoy.models import (
    Certificate,
    CertificateKind,
    Dimension,
    InspectionScore,
    ManifestDocument,
    RejectionNotice,
    Role,
    Tally,
)
from tests.factories import person
from tests.test_fleet_inspection import inspection, present  # noqa: F401 - fixture


@pytest.fixture
def score(world, inspection):  # noqa: F811
    presentation = present(world, inspection)
    scorer = person("leader.a", Role.LEADERSHIP, convoy=world.convoy)
    return score_presentation(
        actor=scorer, presentation=presentation, marks=dict.fromkeys(Dimension.values, 4)
    )


@pytest.fixture
def certificate(world):
    return Certificate.objects.create(
        kind=CertificateKind.SIT_SIGN_OFF,
        convoy=world.convoy,
        issued_by=world.qa,
        issued_role=Role.QA,
        issued_at=clock.now(),
    )


class ScoreForm(forms.ModelForm):
    class Meta:
        model = InspectionScore
        fields = ["slide_quality"]


def test_a_score_cannot_be_edited_through_a_form(score):  # R59
    form = ScoreForm({"slide_quality": 1}, instance=score)
    assert form.is_valid()
    with pytest.raises(ProcessViolation) as refusal:
        form.save()
    assert refusal.value.rule == "R59"
    assert InspectionScore.objects.get(pk=score.pk).slide_quality == 4


def test_a_score_cannot_be_edited_through_queryset_update(score):  # R59
    with pytest.raises(ProcessViolation) as refusal:
        InspectionScore.objects.filter(pk=score.pk).update(slide_quality=1)
    assert refusal.value.rule == "R59"
    assert InspectionScore.objects.get(pk=score.pk).slide_quality == 4


def test_a_score_cannot_be_deleted(score):  # R59
    with pytest.raises(ProcessViolation):
        score.delete()
    with pytest.raises(ProcessViolation):
        InspectionScore.objects.all().delete()
    assert InspectionScore.objects.filter(pk=score.pk).exists()


def test_the_admin_refuses_to_edit_a_score(client, world, score):  # R59
    world.admiral.is_staff = world.admiral.is_superuser = True
    world.admiral.save()
    client.force_login(world.admiral)
    url = reverse("admin:convoy_inspectionscore_change", args=[score.pk])
    assert client.post(url, {"slide_quality": 1}).status_code == 403
    # Even an admin that allowed editing would be refused by the record itself.
    model_admin = admin.ModelAdmin(InspectionScore, admin.site)
    score.slide_quality = 1
    with pytest.raises(ProcessViolation) as refusal:
        model_admin.save_model(None, score, None, change=True)
    assert refusal.value.rule == "R59"
    assert InspectionScore.objects.get(pk=score.pk).slide_quality == 4


def test_a_certificate_is_immutable_and_corrected_by_a_new_one(world, certificate):  # R59
    certificate.notes = "Rewritten."
    with pytest.raises(ProcessViolation) as refusal:
        certificate.save()
    assert refusal.value.rule == "R59"
    with pytest.raises(ProcessViolation):
        Certificate.objects.filter(pk=certificate.pk).update(notes="Rewritten.")
    correction = Certificate.objects.create(
        kind=CertificateKind.SIT_SIGN_OFF,
        convoy=world.convoy,
        issued_by=world.qa,
        issued_role=Role.QA,
        issued_at=clock.now(),
        notes="Corrected.",
        supersedes=certificate,
    )
    assert Certificate.objects.get(pk=certificate.pk).notes == ""
    assert certificate.superseded_by == correction


@pytest.mark.parametrize("model", [Tally, RejectionNotice])
def test_crap_tallies_and_rejection_notices_refuse_bulk_rewrites(db, model):  # R59
    with pytest.raises(ProcessViolation) as refusal:
        model.objects.all().update(change=None)
    assert refusal.value.rule == "R59"


def test_a_verified_manifest_signature_is_final(world):  # R59
    from convoy.ceremonies.manifest import file_document
    from convoy.models import DocumentKind

    feature = world.feature(1)
    document = file_document(
        actor=world.captain,
        convoy=world.convoy,
        feature=feature,
        kind=DocumentKind.FEATURE_SPECIFICATION,
        body="The specification.",
        sign=True,
    )
    assert document.signature_verified
    with pytest.raises(ProcessViolation) as refusal:
        ManifestDocument.objects.filter(pk=document.pk).update(body="Other.")
    assert refusal.value.rule == "R59"
    document.body = "Other."
    with pytest.raises(ProcessViolation):
        document.save()
    assert ManifestDocument.objects.get(pk=document.pk).body == "The specification."


def test_a_concluded_fleet_inspection_is_frozen(world, score):  # R59
    from convoy.ceremonies.fleet_inspection import conclude_fleet_inspection
    from convoy.models import FeatureStatus, FleetInspection

    world.convoy.features.exclude(number=1).update(status=FeatureStatus.DEFERRED)
    concluded = conclude_fleet_inspection(
        actor=world.commodore, inspection=score.presentation.inspection
    )
    concluded.opened_at = clock.now()
    with pytest.raises(ProcessViolation) as refusal:
        concluded.save()
    assert refusal.value.rule == "R59"
    with pytest.raises(ProcessViolation):
        FleetInspection.objects.filter(pk=concluded.pk).update(signed_at=None)
