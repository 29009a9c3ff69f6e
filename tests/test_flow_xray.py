"""The Flow X-ray (§12) on a small hand-built Convoy: every expected value worked out by hand.

CONVOY-1 (2027 Q1, 90 days = 90/7 weeks) sails on 12 March 2027 at 17:00 with three
Changes, each done (Testing Completion Certificate) at 17:00 on a chosen day:

    Change  created       done          wait to sailing   replay lead (done − created)
    c1      11 Jan 09:00  2 Mar 17:00   10 days           50 days 8 h
    c2      18 Jan 09:00  20 Feb 17:00  20 days           33 days 8 h
    c3      25 Jan 09:00  30 Jan 17:00  41 days            5 days 8 h

A fourth Change is done but REJECTED: it does not sail, so it is not replayed either.
(New York time; the sailing precedes the 14 March DST change, so days are 24 hours.)
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from convoy.metrics.xray import coordination_pairs, flow_xray
from convoy.models import (
    ChangeState,
    Convening,
    ConveningSeat,
    Defect,
    DefectStatus,
    FeaturePresentation,
    FleetInspection,
    InspectionScore,
    ManifestApproval,
    Role,
    Verdict,
)
from tests.factories import person
from tests.metrics_fixtures import at, change, sail

pytestmark = pytest.mark.django_db

SAILING = at(3, 12, 17)


@pytest.fixture
def changes(world):
    feature = world.feature(1)
    e, qa = world.engineer, world.qa
    c1 = change(feature, e, created=at(1, 11), done=at(3, 2, 17), qa=qa)
    c2 = change(feature, e, created=at(1, 18), done=at(2, 20, 17), qa=qa)
    c3 = change(feature, e, created=at(1, 25), done=at(1, 30, 17), qa=qa)
    change(feature, e, created=at(1, 25), done=at(1, 30, 17), qa=qa, state=ChangeState.REJECTED)
    return c1, c2, c3


@pytest.fixture
def ceremonies(world):
    """One CRAP Convening of 1 h 30 with 7 seats; one Manifest Approval sitting of 1 h 45
    before 2 CSC members and the 2 Feature Captains; one Fleet Inspection presentation of
    45 minutes scored by 3 leaders."""
    crap = [person(f"crap.{n}", Role.CRAP, seat=n) for n in range(1, 8)]
    convening = Convening.objects.create(
        scheduled_for=at(2, 2, 10), cadence="TWICE_WEEKLY", state="CLOSED",
        scheduled_by=crap[0], opened_by=crap[0], opened_at=at(2, 2, 10), closed_at=at(2, 2, 11, 30),
    )  # fmt: skip
    for n, member in enumerate(crap, start=1):
        ConveningSeat.objects.create(convening=convening, member=member, seat=n)
    for n in (1, 2):
        person(f"csc.{n}", Role.CSC, convoy=world.convoy)
    ManifestApproval.objects.create(
        convoy=world.convoy, convened_at=at(3, 17, 9), convened_by=world.commodore,
        verdict=Verdict.FLEET_MAY_SAIL, verdict_at=at(3, 17, 10, 45),
    )  # fmt: skip
    inspection = FleetInspection.objects.create(
        convoy=world.convoy, opened_by=world.commodore, opened_at=at(3, 22)
    )
    presentation = FeaturePresentation.objects.create(
        inspection=inspection, feature=world.convoy.features.get(number=1),
        presenter=world.captain, slot_start=at(3, 22, 10), duration_minutes=45, slide_count=25,
        slide_logo_and_convoy=True, slide_executive_summary=True, slide_gantt=True,
        slide_loc_per_engineer=True, slide_dependencies=True, slide_lessons_learned=True,
        recorded_at=at(3, 22, 11),
    )  # fmt: skip
    for n in (1, 2, 3):
        InspectionScore.objects.create(
            presentation=presentation, scorer=person(f"lead.{n}", Role.LEADERSHIP,
            convoy=world.convoy), slide_quality=3, narrative_coherence=3, metric_compliance=3,
            time_management=3, scored_at=at(3, 22, 11),
        )  # fmt: skip


def test_wait_time_is_sailing_minus_done_with_its_median(world, changes):  # §12
    xray = flow_xray(sail(world.convoy, SAILING))
    # Waits 10, 20, 41 days: the median is 20 days.
    assert xray.median_wait == dt.timedelta(days=20)
    assert xray.median_wait_days == Decimal("20.0")
    # 10 d = 1.4 weeks, 20 d = 2.9 weeks, 41 d = 5.9 weeks.
    assert dict(xray.wait_buckets) == {
        "0–1 weeks": 0, "1–2 weeks": 1, "2–4 weeks": 1, "4–6 weeks": 1,
        "6–8 weeks": 0, "8–10 weeks": 0, "10–13 weeks": 0, "13+ weeks": 0,
    }  # fmt: skip


def test_batch_size_coordination_load_and_blast_radius(world, changes):  # §12
    xray = flow_xray(sail(world.convoy, SAILING))
    c, r = xray.convoy_side, xray.replay_side
    assert (c.batch_size, r.batch_size) == (3, 1)
    assert (c.coordination_pairs, r.coordination_pairs) == (3, 0)  # 3 × 2 ÷ 2 = 3
    assert (c.blast_radius, r.blast_radius) == (3, 1)


def test_coordination_pairs_formula():  # §12: n(n−1)/2
    assert [coordination_pairs(n) for n in (0, 1, 2, 3, 10, 60)] == [0, 0, 1, 3, 45, 1770]


def test_dora_keys_for_the_convoy_and_the_replay(world, changes):  # §12
    xray = flow_xray(sail(world.convoy, SAILING))
    c, r = xray.convoy_side, xray.replay_side
    # Deployment frequency over 90 days = 12.857 weeks: 1 ÷ 12.857 = 0.08; 3 ÷ 12.857 = 0.23.
    assert (c.deployments, r.deployments) == (1, 3)
    assert (c.deployments_per_week, r.deployments_per_week) == (Decimal("0.08"), Decimal("0.23"))
    # Convoy lead: sailing − created = 60 d 8 h, 53 d 8 h, 46 d 8 h → median 53 d 8 h.
    assert c.lead_time == dt.timedelta(days=53, hours=8)
    assert c.lead_time_days == Decimal("53.3")
    # Replay lead: done − created = 50 d 8 h, 33 d 8 h, 5 d 8 h → median 33 d 8 h.
    assert r.lead_time == dt.timedelta(days=33, hours=8)
    assert r.lead_time_days == Decimal("33.3")
    # No defects: nothing failed, nothing to restore.
    assert (c.change_failure_rate, r.change_failure_rate) == (Decimal("0.0"), Decimal("0.0"))
    assert (c.time_to_restore, r.time_to_restore) == (None, None)


def test_failure_rate_and_time_to_restore(world, changes):  # §12, R53
    c1 = changes[0]
    defect = Defect.objects.create(
        convoy=world.convoy, number=1, title="Totals rounded twice", tier=2,
        root_cause="CODE_ENGINEER_ERROR", reported_by=world.qa, reported_at=at(3, 20),
        status=DefectStatus.FIXED, resolved_at=at(3, 23),
    )  # fmt: skip
    defect.changes.set([c1])
    xray = flow_xray(sail(world.convoy, SAILING))
    c, r = xray.convoy_side, xray.replay_side
    # The one deployment held the defective Change: 1 ÷ 1 = 100 %; replay: 1 ÷ 3 = 33.3 %.
    assert (c.change_failure_rate, r.change_failure_rate) == (Decimal("100.0"), Decimal("33.3"))
    # Replay: the fix ships when recorded: 23 Mar − 20 Mar = 3 days.
    assert r.time_to_restore == dt.timedelta(days=3)
    # The Convoy: no CONVOY-2 is chartered, so no next sailing: not restorable yet.
    assert c.time_to_restore is None


def test_in_the_convoy_a_fix_waits_for_the_next_sailing(world, changes):  # §12
    from convoy.ceremonies.lifecycle import create_convoy

    create_convoy(
        actor=world.admiral, year=2027, quarter=2, sailing_date=dt.date(2027, 6, 16),
        commodore=world.commodore,
    )  # fmt: skip
    Defect.objects.create(
        convoy=world.convoy, number=1, title="Totals rounded twice", tier=2,
        root_cause="CODE_ENGINEER_ERROR", reported_by=world.qa, reported_at=at(3, 20),
        status=DefectStatus.FIXED, resolved_at=at(3, 23),
    ).changes.set([changes[0]])  # fmt: skip
    xray = flow_xray(sail(world.convoy, SAILING))
    # CONVOY-2 has not sailed: its sailing date at 17:00. 20 Mar 09:00 → 16 Jun 17:00 =
    # 11 + 30 + 31 + 16 = 88 days and 8 hours.
    assert xray.convoy_side.time_to_restore == dt.timedelta(days=88, hours=8)


def test_known_behaviors_appear_in_the_xray(world, changes):  # R53
    Defect.objects.create(
        convoy=world.convoy, number=1, title="Stock alert sent twice", tier=3,
        root_cause="INSUFFICIENT_TESTING", reported_by=world.qa, reported_at=at(3, 20),
        status=DefectStatus.KNOWN_BEHAVIOR, resolved_at=at(3, 30),
    ).changes.set([changes[1]])  # fmt: skip
    xray = flow_xray(sail(world.convoy, SAILING))
    assert xray.known_behavior_count == 1
    assert [d.title for d in xray.known_behaviors] == ["Stock alert sent twice"]
    # Counted as a failure here (the framework counts it nowhere), never as restored.
    assert xray.replay_side.change_failure_rate == Decimal("33.3")
    assert xray.replay_side.time_to_restore is None


def test_ceremony_hours_are_duration_times_attendees(world, changes, ceremonies):  # §12
    xray = flow_xray(sail(world.convoy, SAILING))
    hours = {c.name: c.person_hours for c in xray.ceremonies}
    # Convening: 1.5 h × 7 seats = 10.5; Manifest Approval: 1.75 h × (2 CSC + 2 FC) = 7.00;
    # Fleet Inspection: 0.75 h × (1 presenter + 3 scorers) = 3.00.
    assert hours == {
        "CRAP Convenings": Decimal("10.50"),
        "Manifest Approval": Decimal("7.00"),
        "Fleet Inspection": Decimal("3.00"),
    }
    assert xray.convoy_side.ceremony_hours == Decimal("20.50")
    # The replay keeps the per-Change ceremony only.
    assert xray.replay_side.ceremony_hours == Decimal("10.50")
    ratio = {row.measure: row.ratio for row in xray.comparison}
    assert ratio["Ceremony hours"] == Decimal("2.0")  # 20.5 ÷ 10.5 = 1.95


def test_a_convoy_that_never_sailed(world, changes):  # §12
    xray = flow_xray(world.convoy)
    c, r = xray.convoy_side, xray.replay_side
    assert (xray.sailed, xray.shipped, xray.median_wait) == (False, 0, None)
    assert all(count == 0 for _label, count in xray.wait_buckets)
    assert (c.deployments, c.change_failure_rate, c.lead_time) == (0, None, None)
    assert (c.batch_size, c.coordination_pairs) == (0, 0)
    # One by one, the four done Changes (the rejected one too) would already be in production.
    assert r.deployments == 4
    # Sorted 5 d 8 h, 5 d 8 h, 33 d 8 h, 50 d 8 h: the middle two average to 19 d 8 h.
    assert r.lead_time == dt.timedelta(days=19, hours=8)


def test_one_change_only_has_no_coordination_load(world):  # §12
    feature = world.feature(1)
    change(feature, world.engineer, created=at(1, 11), done=at(3, 2, 17), qa=world.qa)
    xray = flow_xray(sail(world.convoy, SAILING))
    assert xray.convoy_side.batch_size == 1
    assert xray.convoy_side.coordination_pairs == 0
    assert xray.median_wait == dt.timedelta(days=10)


def test_the_page_states_the_numbers_and_the_assumptions(world, changes, client):  # §12
    sail(world.convoy, SAILING)
    client.force_login(person("cso", Role.CSO))
    page = client.get(reverse("convoy:metrics_flow_xray", args=[1]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="median-wait">20.0 days<' in html
    assert 'id="coordination-pairs">3<' in html
    assert "Assumptions" in html and "Testing Completion Certificate" in html
    assert html.count("<svg") == 2
    assert "<style" not in html and ' style="' not in html  # CSP: style-src 'self'


def test_a_feature_captain_may_not_read_the_flow_xray(world, client):  # R4
    client.force_login(world.captain)
    assert client.get(reverse("convoy:metrics_flow_xray", args=[1])).status_code == 403
