"""The Flow X-ray and the Signal Report of the demo (§12, R48, R49): the figures checked
against an independent computation from the raw records, and the pages' query counts the
same for the demo Convoy and for stress Convoys of growing size.

The demo (and two stress convoys) is loaded once for the module inside a transaction rolled
back at the end, as in test_load_demo.
"""

import datetime as dt
import io
import statistics
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy import clock
from convoy.demo import DEMO_NOW
from convoy.metrics.signals import feature_completion
from convoy.metrics.xray import flow_xray
from convoy.models import (
    Certificate,
    CertificateKind,
    Change,
    ChangeState,
    Convening,
    Convoy,
    Defect,
    DefectStatus,
    FeaturePresentation,
    ManifestApproval,
    Notification,
    Role,
    RoleAssignment,
    RollCallStatus,
    Signal,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]

SCALES = (60, 240)  # Changes in the two stress convoys (the benchmark goes to 10,000)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    fast_hashing = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        for scale in SCALES:
            call_command("load_demo", scale=scale, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def convoy_26() -> Convoy:
    return Convoy.objects.get(number=26)


def stress(changes: int) -> Convoy:
    return (
        Convoy.objects.filter(year__gte=2900).annotate(n=Count("features__changes")).get(n=changes)
    )


def median(values):  # type: ignore[no-untyped-def]
    return statistics.median(sorted(values)) if values else None


def hundredths(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def independent_xray(convoy: Convoy) -> dict[str, object]:
    """The X-ray recomputed row by row in Python from the raw records."""
    shipped = list(Change.objects.filter(feature__convoy=convoy, state=ChangeState.ACCEPTED))
    done = {}
    for cert in Certificate.objects.filter(
        change__in=shipped, kind=CertificateKind.TESTING_COMPLETION
    ):
        done[cert.change_id] = min(done.get(cert.change_id, cert.issued_at), cert.issued_at)
    sailed = convoy.sailed_at
    waits = [sailed - done[c.pk] for c in shipped if c.pk in done]
    defective = set(
        Defect.changes.through.objects.filter(defect__convoy=convoy).values_list(
            "change_id", flat=True
        )
    )

    def person_hours(start, end, people):  # type: ignore[no-untyped-def]
        return Fraction((end - start) // dt.timedelta(microseconds=1), 3_600_000_000) * people

    convening_hours = Fraction(0)
    for c in Convening.objects.filter(closed_at__gte=convoy.created_at, closed_at__lte=sailed):
        presenters = {
            s.presentation.presenter_id
            for s in c.submissions.all()
            if hasattr(s, "presentation") and s.presentation is not None
        }
        convening_hours += person_hours(c.opened_at, c.closed_at, c.seats.count() + len(presenters))
    assigned = RoleAssignment.objects.filter(
        convoy=convoy, role__in=[Role.CSC, Role.FEATURE_CAPTAIN]
    ).count()
    sitting_hours = Fraction(0)
    for sitting in ManifestApproval.objects.filter(convoy=convoy, verdict_at__isnull=False):
        roll = list(sitting.roll.all())
        present = {e.person_id for e in roll if e.status == RollCallStatus.PRESENT}
        people = len(present) if roll else assigned
        sitting_hours += person_hours(sitting.convened_at, sitting.verdict_at, people)
    inspection_hours = sum(
        Fraction(p.duration_minutes, 60) * (1 + p.scores.count())
        for p in FeaturePresentation.objects.filter(inspection__convoy=convoy)
    )
    weeks = Decimal((convoy.quarter_end - convoy.quarter_start).days + 1) / 7
    fixed = Defect.objects.filter(convoy=convoy, status=DefectStatus.FIXED)
    return {
        "n": len(shipped),
        "median_wait": median(waits),
        "pairs": len(shipped) * (len(shipped) - 1) // 2,
        "convoy_hours": hundredths(convening_hours + sitting_hours + inspection_hours),
        "replay_hours": hundredths(convening_hours),
        "convoy_per_week": (Decimal(1) / weeks).quantize(Decimal("0.01")),
        "replay_per_week": (Decimal(len(done)) / weeks).quantize(Decimal("0.01")),
        "convoy_lead": median([sailed - c.created_at for c in shipped]),
        "replay_lead": median([done[c.pk] - c.created_at for c in shipped if c.pk in done]),
        "convoy_cfr": Decimal("100.0") if defective & {c.pk for c in shipped} else Decimal("0.0"),
        "replay_cfr": (
            Decimal(len(defective & {c.pk for c in shipped})) * 100 / len(done)
        ).quantize(Decimal("0.1")),
        "replay_restore": median([d.resolved_at - d.reported_at for d in fixed]),
    }


def test_the_demo_xray_agrees_with_the_raw_records():  # §12
    convoy = convoy_26()
    xray = flow_xray(convoy)
    expected = independent_xray(convoy)
    c, r = xray.convoy_side, xray.replay_side
    assert xray.shipped == expected["n"]
    assert xray.median_wait == expected["median_wait"]
    assert c.coordination_pairs == expected["pairs"]
    assert c.ceremony_hours == expected["convoy_hours"]
    assert r.ceremony_hours == expected["replay_hours"]
    assert (c.deployments_per_week, r.deployments_per_week) == (
        expected["convoy_per_week"],
        expected["replay_per_week"],
    )
    assert (c.lead_time, r.lead_time) == (expected["convoy_lead"], expected["replay_lead"])
    assert (c.change_failure_rate, r.change_failure_rate) == (
        expected["convoy_cfr"],
        expected["replay_cfr"],
    )
    assert r.time_to_restore == expected["replay_restore"]


def test_the_demo_quarter_is_plausible():  # §12: weeks of waiting, not seconds
    xray = flow_xray(convoy_26())
    assert dt.timedelta(weeks=1) < xray.median_wait < dt.timedelta(weeks=10)
    assert xray.shipped >= 25
    assert xray.convoy_side.coordination_pairs > 300
    assert xray.convoy_side.ceremony_hours > 100  # twice-weekly Convenings of seven
    assert xray.convoy_side.change_failure_rate == Decimal("100.0")
    assert xray.convoy_side.time_to_restore > dt.timedelta(weeks=8)  # next quarter's sailing
    assert xray.replay_side.time_to_restore < dt.timedelta(weeks=1)
    assert xray.known_behavior_count == 1


def test_the_demo_signal_report_escalated_once_per_crossing():  # R48, R49
    completion = feature_completion(convoy_26())
    # Six of the eight features committed in 2024 Q4 shipped: 6 ÷ 8 × 100 = 75.0 %.
    assert (completion.shipped, completion.committed, completion.fcr) == (6, 8, Decimal("75.0"))
    assert completion.signal == Signal.RED
    recorded = Notification.objects.filter(convoy=convoy_26())
    assert sorted(recorded.values_list("threshold", "role")) == [
        (80, "ADMIRAL"),
        (90, "COMMODORE"),
    ]
    assert feature_completion(Convoy.objects.get(number=27)).fcr is None  # no cycle 2025 Q1


def test_the_xray_page_states_the_numbers_of_both_sides(client):  # §12
    client.force_login(get_user_model().objects.get(username="cso"))
    html = client.get(reverse("convoy:metrics_flow_xray", args=[26])).content.decode()
    xray = flow_xray(convoy_26())
    assert f'id="median-wait">{xray.median_wait_days} days<' in html
    assert f'id="coordination-pairs">{xray.convoy_side.coordination_pairs}<' in html
    assert f'id="ceremony-hours">{xray.convoy_side.ceremony_hours}<' in html
    assert f"one by one: {xray.replay_side.deployments_per_week}" in html
    assert "Stock alert email sent twice" in html  # the known-behaviors registry (R53)


@pytest.fixture
def still_clock():
    """The workshop clock's offset is re-read from the database when its 2-second cache
    expires; frozen at the demo's moment, no page reads it, so counts depend on pages only."""
    with clock.frozen_at(DEMO_NOW):
        yield


@pytest.mark.usefixtures("uncached_pages")
@pytest.mark.usefixtures("still_clock")
def test_dashboard_query_count_does_not_grow_with_the_number_of_changes(
    client, django_assert_num_queries
):
    client.force_login(get_user_model().objects.get(username="cso"))
    with CaptureQueriesContext(connection) as demo_queries:
        assert client.get(reverse("convoy:metrics_dashboard", args=[26])).status_code == 200
    for scale in SCALES:
        url = reverse("convoy:metrics_dashboard", args=[stress(scale).number])
        with django_assert_num_queries(len(demo_queries)):
            assert client.get(url).status_code == 200


@pytest.mark.usefixtures("uncached_pages")
@pytest.mark.usefixtures("still_clock")
def test_xray_query_count_does_not_grow_with_the_number_of_changes(
    client, django_assert_num_queries
):
    # The stress convoys stop in Code Inspection; marked as sailed at their quarter's end
    # they ship their accepted Changes like CONVOY-26, so every table of the page has rows.
    for scale in SCALES:
        convoy = stress(scale)
        end = dt.datetime.combine(convoy.quarter_end, dt.time(17), tzinfo=dt.UTC)
        Convoy.objects.filter(pk=convoy.pk).update(sailed_at=end)
    client.force_login(get_user_model().objects.get(username="cso"))
    with CaptureQueriesContext(connection) as demo_queries:
        assert client.get(reverse("convoy:metrics_flow_xray", args=[26])).status_code == 200
    for scale in SCALES:
        url = reverse("convoy:metrics_flow_xray", args=[stress(scale).number])
        with django_assert_num_queries(len(demo_queries)):
            assert client.get(url).status_code == 200
