"""The priority page (R11, R12) and the capacity page (R13, R15)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from convoy.ceremonies.planning import reconcile_capacity
from convoy.ceremonies.priority import rank_features
from convoy.models import Feature, PriorityRanking, Role, StretchOpportunity
from tests.factories import person


@pytest.fixture
def cso(world):
    return person("cso.ferreira", Role.CSO)


def priority_url(world):
    return reverse("convoy:priority", args=[world.convoy.number])


def capacity_url(world):
    return reverse("convoy:capacity", args=[world.convoy.number])


def test_the_page_spells_out_each_wsvf_and_which_rule_broke_each_tie(client, world, cso):  # R12
    equal = {"cost_of_delay": 3, "political_capital_base": 1, "executive_visibility": 5}
    world.feature(1, **equal, sponsor_seniority=2)
    world.feature(2, **equal, sponsor_seniority=7)
    world.feature(3, cost_of_delay=9, executive_visibility=5)
    rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=4242)
    client.force_login(world.auditor)
    page = client.get(priority_url(world)).content.decode()
    assert "(9 + 0) × 5 ÷ 1 = 45" in page
    assert "(3 + 1) × 5 ÷ 1 = 20" in page
    assert "Stakeholder seniority: F002 7, F001 2." in page
    assert "<code>4242</code>" in page
    assert "Cso Ferreira, Chief Signals Officer" in page
    assert page.index("F003</a>") < page.index("F002</a>") < page.index("F001</a>")


def test_the_commodore_ranks_with_the_cso_as_witness(client, world, cso):  # R12
    world.feature(1)
    client.force_login(world.commodore)
    page = client.get(priority_url(world)).content.decode()
    assert f'<option value="{cso.pk}">Cso Ferreira</option>' in page
    response = client.post(priority_url(world), {"witness": cso.pk})
    assert response.status_code == 302
    ranking = PriorityRanking.objects.get()
    assert ranking.coin_witness == cso
    assert Feature.objects.get().priority == 1
    page = client.get(priority_url(world)).content.decode()
    assert f"Coin seed {ranking.coin_seed}, witnessed by Cso Ferreira." in page


def test_a_witness_who_is_not_the_cso_is_not_offered_and_not_accepted(client, world, cso):  # R12
    world.feature(1)
    client.force_login(world.commodore)
    response = client.post(priority_url(world), {"witness": world.auditor.pk})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not PriorityRanking.objects.exists()


def test_features_registered_after_the_ranking_are_listed_apart(client, world, cso):
    world.feature(1)
    rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=1)
    world.feature(2, name="Late Arrival")
    client.force_login(world.captain)
    page = client.get(priority_url(world)).content.decode()
    assert "Features registered since the last ranking" in page
    assert "Late Arrival" in page


def test_an_unranked_convoy_says_so(client, world):
    client.force_login(world.captain)
    page = client.get(priority_url(world)).content.decode()
    assert "The features of CONVOY-1 have not been ranked." in page


def test_the_capacity_page_compares_estimates_in_person_days_with_capacity(client, world):
    world.feature(1, estimated_sp=13)  # 9.49 person-days (R13)
    world.feature(2, estimated_sp=8)  # 5.84 person-days
    reconcile_capacity(
        actor=world.commodore, convoy=world.convoy, capacity_person_days=Decimal("10")
    )
    client.force_login(world.auditor)
    page = client.get(capacity_url(world)).content.decode()
    assert "21 SP over 2 features = 15.33 person-days" in page
    assert "10.00 person-days" in page
    assert "<strong>5.33 person-days</strong>" in page  # R15
    assert "overcommit" not in page.lower()


def test_the_commodore_reconciles_capacity_from_the_page(client, world):  # R15
    world.feature(1, estimated_sp=13)
    client.force_login(world.commodore)
    response = client.post(capacity_url(world), {"capacity_person_days": "5"}, follow=True)
    page = response.content.decode()
    assert (
        "Estimates of 9.49 person-days exceed the capacity of 5.00 person-days. A stretch "
        "opportunity of 4.49 person-days is recorded in the Manifest."
    ) in page
    assert "overcommit" not in page.lower()
    assert StretchOpportunity.objects.get().gap_person_days == Decimal("4.49")


def test_a_negative_capacity_is_a_field_error(client, world):
    client.force_login(world.commodore)
    response = client.post(capacity_url(world), {"capacity_person_days": "-1"})
    assert response.status_code == 400
    assert 'id="id_capacity_person_days_error"' in response.content.decode()


def test_a_tie_across_a_page_break_names_the_feature_on_the_previous_page(
    client, world, cso
):  # R12
    from django.utils import timezone

    Feature.objects.bulk_create(
        Feature(
            convoy=world.convoy,
            number=n,
            name=f"Stream {n}",
            captain=world.captain,
            sponsor_seniority=100 - n,
            created_at=timezone.now(),
        )  # fmt: skip
        for n in range(1, 53)
    )
    rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=9)
    client.force_login(world.captain)
    page = client.get(priority_url(world) + "?page=2").content.decode()
    assert "Page 2 of 2" in page
    assert "Stakeholder seniority: F050 50, F051 49." in page


def test_the_priority_and_capacity_pages_cost_the_same_queries_at_any_length(client, world, cso):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    client.force_login(world.commodore)
    counts = []
    for total in (3, 30):
        Feature.objects.all().delete()
        for n in range(1, total + 1):
            world.feature(n, cost_of_delay=n % 10 + 1)
        rank_features(actor=world.commodore, convoy=world.convoy, witness=cso, seed=total)
        world.feature(total + 1)  # one registered after the ranking
        counts.append((queries(priority_url(world)), queries(capacity_url(world))))
    assert counts[0] == counts[1]
