"""The Convoy's feature list: a sortable, filterable, paginated table whose query count does
not grow with the number of features."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.planning import report_status
from convoy.models import Convoy, Feature, FeatureStatus, Signal

# Queries per page, whatever the number of features (12 measured): session, user and crew
# profile, the Convoy, the navigation (current Convoy and roles, twice), roles for the
# register link, the filter's captain choices, the count and the page's rows. Two spare
# for the navigation to grow.
LIST_QUERY_BOUND = 14


def url(world, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("convoy:feature_list", args=[world.convoy.number]) + (
        f"?{query}" if query else ""
    )


def codes(response) -> list[str]:
    return re.findall(r">(F\d{3})</a>", response.content.decode())


def bulk_features(world, count: int) -> None:
    captains = [world.captain, world.other_captain]
    Feature.objects.bulk_create(
        Feature(
            convoy=world.convoy,
            number=n,
            name=f"Bulk Stream {n:03d}",
            acronym="BS" if n % 2 else "",
            captain=captains[n % 2],
            estimated_sp=n % 21,
            cost_of_delay=n % 10 + 1,
            political_capital_base=n % 7,
            sponsor_brought_donuts=n % 3 == 0,
            executive_visibility=(n * 7) % 10 + 1,
            acronym_quality=n % 4 + 1,
            deferral_count=n % 5,
            signal=[s for s, _ in Signal.choices][n % 4],
            priority=n,
            created_at=clock.now(),
        )
        for n in range(1, count + 1)
    )


def test_the_list_shows_each_feature_with_its_wsvf_and_person_days(client, world):  # R11, R13
    world.feature(
        7, name="Invoice Ledger Sync", acronym="ILS", estimated_sp=13, cost_of_delay=7,
        political_capital_base=4, sponsor_attended_alignment=True, executive_visibility=6,
        acronym_quality=3,
    )  # fmt: skip
    client.force_login(world.auditor)
    page = client.get(url(world)).content.decode()
    feature_url = reverse("convoy:feature_detail", args=[world.convoy.number, 7])
    assert f'<a href="{feature_url}">F007</a>' in page
    assert "Invoice Ledger Sync" in page and "(ILS)" in page
    assert "Fc Okafor" in page
    assert ">28.00<" in page  # (7 + 4 + 3) × 6 / 3
    assert ">9.49<" in page  # 13 × 0.73
    assert "Not reported" in page and "Not ranked" in page


def test_the_signal_shows_as_a_badge(client, world):
    feature = world.feature(1)
    report_status(actor=world.captain, feature=feature, signal=Signal.RED, summary="Blocked.")
    client.force_login(world.captain)
    assert '<span class="signal signal-RED">Red</span>' in client.get(url(world)).content.decode()


def test_legacy_priority_is_tagged(client, world):  # R10
    feature = world.feature(1)
    Feature.objects.filter(pk=feature.pk).update(deferral_count=3)
    client.force_login(world.captain)
    assert '3 <span class="tag">Legacy Priority</span>' in client.get(url(world)).content.decode()


def test_it_filters_by_captain_status_signal_and_name(client, world):
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Dark Mode", captain=world.other_captain)
    Feature.objects.filter(number=2).update(status=FeatureStatus.IN_PROGRESS, signal=Signal.AMBER)
    client.force_login(world.captain)
    assert codes(client.get(url(world, captain=world.other_captain.pk))) == ["F002"]
    assert codes(client.get(url(world, status="REGISTERED"))) == ["F001"]
    assert codes(client.get(url(world, signal="AMBER"))) == ["F002"]
    assert codes(client.get(url(world, name="ledger"))) == ["F001"]


def test_it_sorts_by_wsvf_in_the_database(client, world):  # R11
    world.feature(1, cost_of_delay=2)
    world.feature(2, cost_of_delay=9)
    world.feature(3, cost_of_delay=5)
    client.force_login(world.captain)
    assert codes(client.get(url(world, sort="-wsvf_score"))) == ["F002", "F003", "F001"]
    assert codes(client.get(url(world, sort="wsvf_score"))) == ["F001", "F003", "F002"]


def test_unranked_features_sort_after_ranked_ones(client, world):
    for n in (1, 2, 3):
        world.feature(n)
    Feature.objects.filter(number=3).update(priority=1)
    Feature.objects.filter(number=1).update(priority=2)
    client.force_login(world.captain)
    assert codes(client.get(url(world, sort="priority"))) == ["F003", "F001", "F002"]


def test_it_shows_25_features_a_page(client, world):
    bulk_features(world, 30)
    client.force_login(world.captain)
    first = client.get(url(world))
    assert len(codes(first)) == 25
    assert "Page 1 of 2" in first.content.decode()
    assert codes(client.get(url(world, page=2))) == [f"F{n:03d}" for n in range(26, 31)]


def test_an_empty_convoy_says_no_features_are_registered(client, world):
    client.force_login(world.captain)
    page = client.get(url(world)).content.decode()
    assert "No features are registered in CONVOY-1." in page


def test_a_filter_matching_nothing_says_so(client, world):
    world.feature(1)
    client.force_login(world.captain)
    page = client.get(url(world, name="nothing")).content.decode()
    assert "No features match these filters." in page


def test_the_register_link_is_shown_to_those_who_may_register(client, world):
    client.force_login(world.captain)
    register = reverse("convoy:feature_register", args=[world.convoy.number])
    assert register in client.get(url(world)).content.decode()
    client.force_login(world.engineer)
    assert register not in client.get(url(world)).content.decode()


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.usefixtures("uncached_pages")
def test_the_query_count_is_the_same_for_3_and_300_features(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.captain)
    bulk_features(world, 3)
    small = count_queries(client, url(world, sort="-wsvf_score"))
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        client.get(url(world, sort="-wsvf_score"))
    Feature.objects.all().delete()
    bulk_features(world, 300)
    large = count_queries(client, url(world, sort="-wsvf_score"))
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        client.get(url(world, sort="-wsvf_score", page=3))
    assert small == large


@pytest.mark.usefixtures("uncached_pages")
def test_the_query_count_is_the_same_for_the_demo_and_a_2000_change_stress_convoy(client, db):
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", scale=2000, stdout=io.StringIO())
    from django.contrib.auth import get_user_model

    from convoy import clock

    # The workshop clock's offset is cached for 2 s; re-reading it would add a query at random.
    clock.travel_to(clock.now())

    client.force_login(get_user_model().objects.get(username="commodore"))
    # CONVOY-26, like the stress convoy, is not the current Convoy, whose roles the navigation
    # reads anyway (a reading of the current Convoy's own page shares that query).
    demo = Convoy.objects.get(number=26)
    stress = Convoy.objects.order_by("-year").first()
    assert stress.features.count() == 40
    demo_url = reverse("convoy:feature_list", args=[demo.number])
    stress_url = reverse("convoy:feature_list", args=[stress.number])
    client.get(demo_url)  # warm the workshop clock's offset cache (the page banners read it)
    assert count_queries(client, demo_url) == count_queries(client, stress_url)
    assert count_queries(client, stress_url) <= LIST_QUERY_BOUND
