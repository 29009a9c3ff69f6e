"""Change Request Lead Time (R50) and the CRAP rejection rate of a Convoy (R33)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from convoy.metrics.lead_time import lead_time, rejection_rate
from convoy.models import ChangeState, Role
from tests.factories import person
from tests.metrics_fixtures import at, change

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world):
    """Three accepted Changes with lead times of 2, 7 and 20 days, and two not approved."""
    feature = world.feature(1)
    e = world.engineer
    change(feature, e, created=at(1, 4), changed=at(1, 6))  # 2 days: reactive
    change(feature, e, created=at(1, 4), changed=at(1, 11))  # 7 days
    change(feature, e, created=at(1, 5), changed=at(1, 25))  # 20 days
    change(feature, e, created=at(1, 5), state=ChangeState.ON_AGENDA)
    change(feature, e, created=at(1, 5), state=ChangeState.REJECTED)
    return feature


def test_lead_time_is_approval_minus_record_creation_with_the_median(world, approved):  # R50
    lead = lead_time(world.convoy)
    assert lead.approved == 3
    # Sorted lead times 2, 7, 20 days: the median is the middle one, 7.0 days.
    assert lead.median == dt.timedelta(days=7)
    assert lead.median_days == Decimal("7.0")


def test_a_lead_time_under_five_days_is_reactive(world, approved):  # R50
    lead = lead_time(world.convoy)
    assert lead.reactive == 1  # only the 2-day one; 7 and 20 are not under 5
    assert lead.reactive_percent == Decimal("33.3")  # 1 ÷ 3 × 100
    assert dict(lead.buckets) == {
        "0–5 days": 1,
        "5–10 days": 1,
        "10–20 days": 0,
        "20–30 days": 1,
        "30–45 days": 0,
        "45–60 days": 0,
        "60+ days": 0,
    }


def test_exactly_five_days_is_not_reactive(world):  # R50
    change(world.feature(1), world.engineer, created=at(1, 4), changed=at(1, 9))
    assert lead_time(world.convoy).reactive == 0


def test_an_even_number_of_changes_takes_the_mean_of_the_middle_two(world):  # R50
    feature = world.feature(1)
    for days in (1, 3, 9, 30):
        change(feature, world.engineer, created=at(1, 4), changed=at(1, 4) + dt.timedelta(days))
    # Middle two: 3 and 9 days → (3 + 9) ÷ 2 = 6 days.
    assert lead_time(world.convoy).median == dt.timedelta(days=6)


def test_no_approved_change_leaves_the_median_undefined(world):  # R50
    change(world.feature(1), world.engineer, created=at(1, 4), state=ChangeState.CODING)
    lead = lead_time(world.convoy)
    assert (lead.approved, lead.median, lead.reactive_percent) == (0, None, None)


def test_rejection_rate_counts_every_rejection_including_resubmitted_ones(world):  # R33
    feature = world.feature(1)
    e = world.engineer
    change(feature, e, created=at(1, 4))
    change(feature, e, created=at(1, 4))
    change(feature, e, created=at(1, 4), resubmissions=1)  # rejected once, then accepted
    change(feature, e, created=at(1, 4), state=ChangeState.REJECTED)
    change(feature, e, created=at(1, 4), state=ChangeState.CODING)  # not decided
    rate = rejection_rate(world.convoy)
    # Rejections: 1 resubmission + 1 currently rejected = 2; acceptances 3.
    # 2 ÷ (2 + 3) × 100 = 40.0 %, inside the bounds 20 %–60 %.
    assert (rate.rejected, rate.accepted, rate.rate) == (2, 3, Decimal("40.0"))
    assert rate.reading == "within bounds"


def test_rejection_rate_above_the_upper_bound_reads_checklist_complexity(world):  # R33
    feature = world.feature(1)
    change(feature, world.engineer, created=at(1, 4), resubmissions=3)
    # 3 rejections ÷ (3 + 1) × 100 = 75.0 % > 60 %.
    rate = rejection_rate(world.convoy)
    assert rate.rate == Decimal("75.0")
    assert rate.reading == "checklist complexity"


def test_rejection_rate_with_nothing_decided_is_undefined(world):  # R33
    rate = rejection_rate(world.convoy)
    assert rate.rate is None
    assert rate.reading == "nothing decided"


def test_the_page_lists_each_approved_change_with_its_flag(world, approved, client):  # R50
    client.force_login(person("cso", Role.CSO))
    html = client.get(reverse("convoy:metrics_dashboard", args=[1])).content.decode()
    assert "Median lead time: <strong>7.0 days</strong>" in html
    assert html.count("Reactive (under 5 days)") == 1
    # One Change REJECTED, three ACCEPTED: 1 ÷ (1 + 3) × 100 = 25.0 %.
    assert "25.0 %" in html
