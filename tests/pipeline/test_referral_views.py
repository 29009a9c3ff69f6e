"""False-oath referral pages (R35): the oaths in the minutes and the referral to the Tribunal.
Permissions per URL; the referral is made once, with its finding."""

import pytest
from django.urls import reverse

from convoy.models import AuditEvent, FalseOathReferral, Oath
from tests.pipeline.conftest import archived_change, convene


@pytest.fixture
def oath(crew):
    convene(crew, [archived_change(crew)])
    return Oath.objects.get()


def refer_url(oath):
    return reverse("convoy:oath_refer", args=[oath.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, oath):
    for target in (reverse("convoy:oath_list"), refer_url(oath)):
        assert client.get(target)["Location"].startswith(reverse("login")), target
    assert client.post(refer_url(oath))["Location"].startswith(reverse("login"))


def test_the_oath_list_refuses_post(client, crew, oath):
    client.force_login(crew.rbrb)
    assert client.post(reverse("convoy:oath_list")).status_code == 405


def test_the_chair_refers_a_false_oath_and_the_rbrb_reads_it(client, crew, oath):  # R35, R33
    client.force_login(crew.chair)
    listing = client.get(reverse("convoy:oath_list")).content.decode()
    assert refer_url(oath) in listing and "v2027" in listing
    page = client.get(refer_url(oath)).content.decode()
    assert "I swear that this Change is complete" in page
    response = client.post(refer_url(oath), {"finding": "The Change was not documented."})
    assert response.status_code == 302
    referral = FalseOathReferral.objects.get()
    assert referral.oath == oath and referral.referred_by == crew.chair
    assert AuditEvent.objects.filter(action="oath.refer_to_tribunal").count() == 1
    page = client.get(refer_url(oath)).content.decode()
    assert "Referred to the Tribunal on" in page and "was not documented" in page
    assert "Refer to the Tribunal</button>" not in page
    client.force_login(crew.rbrb)
    oversight = client.get(reverse("convoy:oversight")).content.decode()
    assert "The Change was not documented." in oversight
    assert "was not documented" in client.get(reverse("convoy:oath_list")).content.decode()


def test_the_chair_refers_from_the_convening_screen(client, crew, oath):  # R35
    client.force_login(crew.chair)
    screen = client.get(reverse("convoy:convening_detail", args=[oath.convening_id]))
    assert refer_url(oath) in screen.content.decode()
    client.post(refer_url(oath), {"finding": "Sworn complete; found incomplete."})
    assert FalseOathReferral.objects.filter(referred_by=crew.chair).count() == 1


def test_a_referral_without_a_finding_is_refused_and_nothing_stored(client, crew, oath):  # R35
    client.force_login(crew.chair)
    response = client.post(refer_url(oath), {"finding": "   "})
    assert response.status_code == 400
    assert not FalseOathReferral.objects.exists()


def test_an_oath_is_referred_once(client, crew, oath):  # R35
    client.force_login(crew.chair)
    client.post(refer_url(oath), {"finding": "First finding."})
    response = client.post(refer_url(oath), {"finding": "Second finding."})
    assert response.status_code == 400
    assert "R35: This oath has been referred to the Tribunal." in response.content.decode()
    assert FalseOathReferral.objects.get().finding == "First finding."


def test_the_rbrb_reads_the_oaths_but_may_not_refer(client, crew, oath):  # R4, issue 10
    client.force_login(crew.rbrb)
    listing = client.get(reverse("convoy:oath_list"))
    assert listing.status_code == 200
    assert refer_url(oath) not in listing.content.decode()
    assert "Not referred" in listing.content.decode()
    assert client.get(refer_url(oath)).status_code == 403
    assert client.post(refer_url(oath), {"finding": "Overturned."}).status_code == 403
    assert not FalseOathReferral.objects.exists()


def test_others_may_not_refer(client, crew, oath):  # R4
    for outsider in (crew.crap[3], crew.world.engineer, crew.world.auditor):
        client.force_login(outsider)
        assert client.get(refer_url(oath)).status_code == 403
        assert client.post(refer_url(oath), {"finding": "No."}).status_code == 403
    client.force_login(crew.crap[3])
    assert client.get(reverse("convoy:oath_list")).status_code == 403
    assert not FalseOathReferral.objects.exists()


def test_auditors_read_the_oaths_without_a_referral_link(client, crew, oath):
    client.force_login(crew.world.auditor)
    page = client.get(reverse("convoy:oath_list")).content.decode()
    assert "v2027" in page and refer_url(oath) not in page
