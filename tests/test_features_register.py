"""Registering and editing a feature through its form."""

import pytest
from django.urls import reverse

from convoy.models import AuditEvent, Feature

VALID = {
    "name": "Invoice Ledger Sync",
    "acronym": "ILS",
    "estimated_sp": "13",
    "cost_of_delay": "7",
    "political_capital_base": "4",
    "sponsor_attended_alignment": "on",
    "executive_visibility": "6",
    "acronym_quality": "3",
    "sponsor_name": "Lady Pembroke",
    "sponsor_seniority": "9",
    "sponsor_office_distance_m": "120",
}


@pytest.fixture
def register_url(world):
    return reverse("convoy:feature_register", args=[world.convoy.number])


def post(client, world, url, **changes):
    data = VALID | {"captain": str(world.captain.pk), "team": [str(world.engineer.pk)]}
    return client.post(url, {k: v for k, v in (data | changes).items() if v is not None})


def test_a_feature_captain_registers_a_feature_with_its_wsvf_inputs(client, world, register_url):
    client.force_login(world.captain)
    response = post(client, world, register_url)
    feature = Feature.objects.get()
    assert response.status_code == 302
    assert response["Location"] == feature.get_absolute_url()
    assert (feature.number, feature.name, feature.acronym) == (1, "Invoice Ledger Sync", "ILS")
    assert feature.sponsor_attended_alignment and not feature.sponsor_brought_donuts
    assert (feature.cost_of_delay, feature.executive_visibility) == (7, 6)
    assert list(feature.team.all()) == [world.engineer]
    page = client.get(response["Location"]).content.decode()
    assert "F001 Invoice Ledger Sync is registered in CONVOY-1." in page
    assert "(7 + 7) × 6 ÷ 3 = 28" in page  # R11


def test_the_form_offers_the_captain_as_feature_captain(client, world, register_url):
    client.force_login(world.captain)
    page = client.get(register_url).content.decode()
    assert f'<option value="{world.captain.pk}" selected>Fc Okafor</option>' in page


def test_out_of_range_scores_are_field_errors_and_the_form_keeps_what_was_typed(
    client, world, register_url
):  # R11
    client.force_login(world.captain)
    response = post(client, world, register_url, cost_of_delay="11", acronym_quality="0")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_cost_of_delay_error"' in page
    assert "less than or equal to 10" in page
    assert 'id="id_acronym_quality_error"' in page
    assert 'value="Invoice Ledger Sync"' in page
    assert 'value="Lady Pembroke"' in page
    assert not Feature.objects.exists()


def test_a_name_of_100000_characters_is_a_field_error(client, world, register_url):
    client.force_login(world.captain)
    response = post(client, world, register_url, name="N" * 100_000)
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 100000)." in (
        response.content.decode()
    )
    assert not Feature.objects.exists()


def test_html_in_a_name_is_shown_as_text(client, world, register_url):
    client.force_login(world.captain)
    post(client, world, register_url, name="<script>alert(1)</script> Sync")
    list_page = client.get(reverse("convoy:feature_list", args=[world.convoy.number]))
    feature_page = client.get(Feature.objects.get().get_absolute_url())
    for page in (list_page.content.decode(), feature_page.content.decode()):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Sync" in page


def test_a_double_submission_registers_one_feature(client, world, register_url):
    client.force_login(world.captain)
    first = post(client, world, register_url)
    second = post(client, world, register_url)
    assert Feature.objects.count() == 1
    assert first["Location"] == second["Location"] == Feature.objects.get().get_absolute_url()
    assert AuditEvent.objects.filter(action="feature.register").count() == 1


def test_only_code_engineers_of_the_convoy_may_join_the_team(client, world, register_url):
    client.force_login(world.captain)
    response = post(client, world, register_url, team=[str(world.qa.pk)])
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Feature.objects.exists()


def test_only_feature_captains_of_the_convoy_may_be_named_captain(client, world, register_url):
    client.force_login(world.commodore)
    response = post(client, world, register_url, captain=str(world.engineer.pk))
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


def test_a_refusal_by_the_ceremony_is_shown_on_the_form(client, world, register_url):  # R7
    from convoy.models import Convoy, ConvoyState

    client.force_login(world.commodore)
    page = client.get(register_url)  # the form is open while the Convoy is
    assert page.status_code == 200
    Convoy.objects.filter(pk=world.convoy.pk).update(state=ConvoyState.CLOSED)
    response = post(client, world, register_url)
    assert response.status_code == 400
    assert "R7: CONVOY-1 is closed." in response.content.decode()


def test_the_captain_edits_the_feature(client, world):
    feature = world.feature(1, name="Ledger Sync", cost_of_delay=3)
    client.force_login(world.captain)
    url = reverse("convoy:feature_edit", args=[world.convoy.number, 1])
    form = client.get(url).content.decode()
    assert 'value="Ledger Sync"' in form
    response = post(client, world, url, name="Ledger Sync Two", cost_of_delay="9")
    assert response.status_code == 302
    feature.refresh_from_db()
    assert (feature.name, feature.cost_of_delay) == ("Ledger Sync Two", 9)
    event = AuditEvent.objects.get(action="feature.edit")
    assert event.before["name"] == "Ledger Sync" and event.after["name"] == "Ledger Sync Two"


def test_an_invalid_edit_changes_nothing(client, world):
    feature = world.feature(1, name="Ledger Sync")
    client.force_login(world.commodore)
    url = reverse("convoy:feature_edit", args=[world.convoy.number, 1])
    response = post(client, world, url, name="", executive_visibility="0")
    assert response.status_code == 400
    feature.refresh_from_db()
    assert feature.name == "Ledger Sync"
