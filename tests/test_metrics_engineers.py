"""The Tribunal's per-engineer figures (R51) and the per-engineer page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from convoy.metrics.engineers import FULL_ATTRIBUTION, convoy_engineers, velocity
from convoy.models import (
    AppealOutcome,
    AttributionAppeal,
    CodeInspection,
    Defect,
    DefectAttribution,
    Role,
    Task,
)
from tests.factories import person
from tests.metrics_fixtures import at, change, sail, ship

pytestmark = pytest.mark.django_db


def inspect(change_, round_, passed, when):
    return CodeInspection.objects.create(
        change=change_,
        round=round_,
        submitted_by=change_.author,
        submitted_at=when,
        release_not_before=when,
        recorded_at=when,
        passed=passed,
        released_at=when,
    )


@pytest.fixture
def figures(world):
    """Two features: F001 (8 SP, shipped) and F002 (5 SP, not). lindqvist serves on both,
    moreau on F001 only. One defect touches a Change of each: full attribution to both."""
    f1 = world.feature(1, estimated_sp=8, team=[world.engineer, world.other_engineer])
    f2 = world.feature(2, estimated_sp=5, team=[world.engineer])
    ship(f1)
    for n, feature in enumerate((f1, f1, f2), start=1):
        Task.objects.create(
            feature=feature, number=n, title="t", hours=2, created_by=world.captain,
            created_at=at(1, 4),
        )  # fmt: skip
    a = change(f1, world.engineer, created=at(1, 5), lines=(100, 20))
    b = change(f2, world.engineer, created=at(1, 6), lines=(30, 0))
    c = change(f1, world.other_engineer, created=at(1, 6), lines=(7, 3))
    inspect(a, 1, True, at(1, 8))  # a passes in round 1
    inspect(b, 1, False, at(1, 8))  # b fails round 1 and 2, passes round 3
    inspect(b, 2, False, at(1, 12))
    inspect(b, 3, True, at(1, 15))
    defect = Defect.objects.create(
        convoy=world.convoy, number=1, title="Totals rounded twice", tier=2,
        root_cause="CODE_ENGINEER_ERROR", reported_by=world.qa, reported_at=at(3, 20),
    )  # fmt: skip
    defect.changes.set([a, c])
    diat = person("diat", Role.DIAT)
    for eng, ch in ((world.engineer, a), (world.other_engineer, c)):
        DefectAttribution.objects.create(
            defect=defect, engineer=eng, change=ch, attributed_by=diat, attributed_at=at(3, 21)
        )
    # CONVOY-1 was chartered at 2027-01-04 09:00; it sails 14 days later: 2 weeks.
    sail(world.convoy, world.convoy.created_at + dt.timedelta(days=14))
    return {e.username: e for e in convoy_engineers(world.convoy)}


def test_completed_story_points_are_the_shipped_features_estimates(figures):  # R51
    # lindqvist: F001 (8, shipped) + F002 (5, not shipped) → 8. moreau: F001 → 8.
    assert figures["ce.lindqvist"].completed_sp == 8
    assert figures["ce.moreau"].completed_sp == 8


def test_individual_velocity_is_completed_points_over_the_convoy_duration(world, figures):
    # R51: 8 SP ÷ (14 days ÷ 7) = 8 ÷ 2 = 4.00 SP per week.
    assert velocity(figures["ce.lindqvist"].completed_sp, dt.timedelta(days=14)) == Decimal("4.00")


def test_tasks_lines_and_changes_per_engineer(figures):  # R51
    lindqvist, moreau = figures["ce.lindqvist"], figures["ce.moreau"]
    assert (lindqvist.tasks, moreau.tasks) == (3, 2)  # F001 has 2 tasks, F002 has 1
    assert (lindqvist.changes_authored, moreau.changes_authored) == (2, 1)
    # lindqvist: (100 + 20) + (30 + 0) = 150; moreau: 7 + 3 = 10.
    assert (lindqvist.lines, moreau.lines) == (150, 10)


def test_every_engineer_who_touched_a_defect_gets_full_attribution(figures):  # R51
    # One defect, two engineers: each counts 1, not 1/2.
    assert figures["ce.lindqvist"].defects == 1
    assert figures["ce.moreau"].defects == 1


def test_a_withdrawn_attribution_no_longer_counts(world, figures):  # R51, R52
    attribution = DefectAttribution.objects.get(engineer=world.other_engineer)
    AttributionAppeal.objects.create(
        attribution=attribution, filed_by=world.other_engineer, filed_at=at(3, 22),
        grounds="Not my line.", outcome=AppealOutcome.WITHDRAWN,
    )  # fmt: skip
    counts = {e.username: e.defects for e in convoy_engineers(world.convoy)}
    assert counts == {"ce.lindqvist": 1, "ce.moreau": 0}


def test_first_pass_rate_and_iteration_count(figures):  # R21, R51
    lindqvist = figures["ce.lindqvist"]
    # Round 1 released for 2 Changes, passed for 1: 1 ÷ 2 × 100 = 50 %.
    assert (lindqvist.first_pass, lindqvist.inspected) == (1, 2)
    # Rounds: a 1 + b 3 = 4 over 2 Changes inspected → 2.00 (the framework's average: 2.3).
    assert (lindqvist.rounds, lindqvist.inspected_changes) == (4, 2)
    moreau = figures["ce.moreau"]
    assert (moreau.inspected, moreau.rounds) == (0, 0)


def test_the_engineer_page_explains_full_attribution(world, figures, client):  # R51
    client.force_login(person("cso", Role.CSO))
    url = reverse("convoy:metrics_engineer", args=[1, "ce.lindqvist"])
    html = client.get(url).content.decode()
    assert FULL_ATTRIBUTION in html
    assert 'id="velocity">4.00 SP per week<' in html
    assert "50.0 %" in html
    assert "2.00" in html
    assert "Totals rounded twice" in html


def test_an_engineer_reads_their_own_figures_but_not_a_colleagues(world, figures, client):
    client.force_login(world.engineer)  # R4
    assert (
        client.get(reverse("convoy:metrics_engineer", args=[1, "ce.lindqvist"])).status_code == 200
    )
    refused = client.get(reverse("convoy:metrics_engineer", args=[1, "ce.moreau"]))
    assert refused.status_code == 403


def test_the_diat_reads_any_engineers_figures(world, figures, client):  # R4
    client.force_login(person("diat.two", Role.DIAT))
    assert client.get(reverse("convoy:metrics_engineer", args=[1, "ce.moreau"])).status_code == 200


def test_the_dashboard_table_links_each_engineer(world, figures, client):  # R51
    client.force_login(person("cso", Role.CSO))
    html = client.get(reverse("convoy:metrics_dashboard", args=[1])).content.decode()
    assert reverse("convoy:metrics_engineer", args=[1, "ce.moreau"]) in html
    assert "4.00" in html
