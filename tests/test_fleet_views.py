"""Pages of Deploy the Fleet, the Fleet Inspection, Dry Dock and the Tribunal: sign-in, roles,
methods, and refusals shown with their rule (R4, R43-R47, R52, R53)."""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from convoy.ceremonies.deployment import file_deployment_request
from convoy.ceremonies.fleet_inspection import open_fleet_inspection
from convoy.ceremonies.tribunal import (
    attribute_defect,
    convene_tribunal,
    file_appeal,
    report_defect,
)
from convoy.models import (
    Certificate,
    CertificateKind,
    ConvoyState,
    FeatureStatus,
    InspectionScore,
    Role,
    RootCause,
)
from tests.factories import person
from tests.test_fleet_inspection import present
from tests.voyage_records import ready_to_sail

SIGN_IN = resolve_url(settings.LOGIN_URL)


@dataclass
class Objects:
    request: int
    presentation: int
    defect: int
    case: int
    attribution: int
    appeal: int


@pytest.fixture
def objects(world):
    feature = ready_to_sail(world)
    request = file_deployment_request(actor=world.captain, convoy=world.convoy, summary="All.")
    feature.status = FeatureStatus.SHIPPED
    feature.save(update_fields=["status"])
    world.convoy.state = ConvoyState.FLEET_INSPECTION
    world.convoy.save(update_fields=["state"])
    inspection = open_fleet_inspection(actor=world.commodore, convoy=world.convoy)
    presentation = present(world, inspection)
    world.convoy.state = ConvoyState.DRY_DOCK
    world.convoy.save(update_fields=["state"])
    defect = report_defect(
        actor=world.commodore,
        convoy=world.convoy,
        title="Rounding",
        tier=1,
        root_cause=RootCause.CODE_ENGINEER_ERROR,
        changes=feature.changes.all(),
    )
    diat = person("diat", Role.DIAT)
    (attribution,) = attribute_defect(actor=diat, defect=defect)
    convene_tribunal(actor=world.admiral)
    appeal = file_appeal(actor=world.engineer, attribution=attribution, grounds="Not mine.")
    case = attribution.cases.get()
    return Objects(request.pk, presentation.pk, defect.pk, case.pk, attribution.pk, appeal.pk)


PAGES = [
    ("convoy:deployment", "convoy"),
    ("convoy:fleet_inspection", "convoy"),
    ("convoy:dry_dock", "convoy"),
    ("convoy:tribunal", None),
]

# (url name, argument kind, the role that would be required)
ACTIONS = [
    ("convoy:deployment_request", ("convoy",), "Feature Captain"),
    ("convoy:deployment_approve", ("convoy", "request"), "Feature Captain"),
    ("convoy:deployment_checklist", ("convoy",), "Commodore"),
    ("convoy:deployment_deploy", ("convoy",), "Commodore"),
    ("convoy:deployment_yield", ("convoy",), "Commodore"),
    ("convoy:fleet_open", ("convoy",), "Commodore"),
    ("convoy:fleet_video", ("convoy",), "DevOps Usage"),
    ("convoy:fleet_present", ("convoy",), "Feature Captain"),
    ("convoy:fleet_score", ("convoy", "presentation"), "Leadership"),
    ("convoy:fleet_conclude", ("convoy",), "Commodore"),
    ("convoy:fleet_compile", ("convoy",), "Chief Signals Officer"),
    ("convoy:defect_report", ("convoy",), "Commodore"),
    ("convoy:defect_attribute", ("convoy", "defect"), "Development Integrity"),
    ("convoy:defect_fix", ("convoy", "defect"), "Commodore"),
    ("convoy:defect_reclassify", ("convoy",), "Commodore"),
    ("convoy:tribunal_convene", (), "Admiral"),
    ("convoy:tribunal_hear", ("case",), "Admiral"),
    ("convoy:tribunal_appeal", ("attribution",), "the engineer it names"),
    ("convoy:tribunal_decide", ("appeal",), "Development Integrity"),
]


def url(world, objects, name, kinds):
    args = [world.convoy.number if k == "convoy" else getattr(objects, k) for k in kinds]
    return reverse(name, args=args)


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_pages_require_sign_in(client, world, name, kind):
    target = reverse(name, args=[world.convoy.number] if kind else [])
    response = client.get(target)
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize(("name", "kind"), PAGES)
def test_pages_are_readable_by_the_auditor(client, world, objects, name, kind):
    client.force_login(world.auditor)
    target = reverse(name, args=[world.convoy.number] if kind else [])
    response = client.get(target)
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kinds", "role"), ACTIONS)
def test_actions_require_sign_in(client, world, objects, name, kinds, role):
    response = client.post(url(world, objects, name, kinds))
    assert response.status_code == 302 and response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize(("name", "kinds", "role"), ACTIONS)
def test_actions_refuse_the_wrong_role_with_403(client, world, objects, name, kinds, role):  # R4
    client.force_login(world.auditor)
    response = client.post(url(world, objects, name, kinds), {"stage": "PEER_REVIEW"})
    assert response.status_code == 403
    assert role in response.content.decode()


@pytest.mark.parametrize(("name", "kinds", "role"), ACTIONS)
def test_actions_refuse_get(client, world, objects, name, kinds, role):
    client.force_login(world.commodore)
    assert client.get(url(world, objects, name, kinds)).status_code == 405


def test_the_deployment_page_shows_the_computed_checklist(client, world):  # R43
    ready_to_sail(world)
    client.force_login(world.commodore)
    page = client.get(reverse("convoy:deployment", args=[world.convoy.number])).content.decode()
    assert "All features passed CSET." in page
    assert "Sign the Deployment Readiness Checklist" in page
    response = client.post(
        reverse("convoy:deployment_checklist", args=[world.convoy.number]), follow=True
    )
    assert "The Deployment Readiness Checklist is signed." in response.content.decode()
    assert Certificate.objects.filter(kind=CertificateKind.DEPLOYMENT_READINESS).count() == 1


def test_a_score_out_of_range_is_shown_with_its_rule_and_not_saved(client, world, objects):
    # R45
    leader = person("leader.a", Role.LEADERSHIP, convoy=world.convoy)
    world.convoy.state = ConvoyState.FLEET_INSPECTION
    world.convoy.save(update_fields=["state"])
    client.force_login(leader)
    target = reverse("convoy:fleet_score", args=[world.convoy.number, objects.presentation])
    marks = {"slide_quality": 7, "narrative_coherence": 4, "metric_compliance": 4}
    response = client.post(target, marks | {"time_management": 4}, follow=True)
    assert "R45: Slide Quality is scored with a whole number from 1 to 5" in (
        response.content.decode()
    )
    assert not InspectionScore.objects.exists()
    response = client.post(target, marks | {"slide_quality": 5, "time_management": 4}, follow=True)
    assert "Your score for F001 is recorded and signed." in response.content.decode()


def test_a_late_appeal_is_shown_with_its_rule(client, world, objects):  # R52
    import datetime as dt

    from convoy import clock
    from convoy.models import AttributionAppeal

    AttributionAppeal.objects.filter(pk=objects.appeal).delete()
    clock.travel_to(dt.datetime(2027, 1, 20, 9, 0))
    client.force_login(world.engineer)
    target = reverse("convoy:tribunal_appeal", args=[objects.attribution])
    response = client.post(target, {"grounds": "Late."}, follow=True)
    assert "R52: Appeals are filed within 5 business days" in response.content.decode()
    assert not AttributionAppeal.objects.exists()
