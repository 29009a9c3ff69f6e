"""The dashboard, the Convoy page and the audit trail, as each role sees them (R4)."""

import pytest
from django.urls import reverse

from convoy.models import ConvoyState, Role
from tests.factories import person


@pytest.fixture
def populated(world):
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Audit Beacon", captain=world.other_captain)
    return world


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in [
        reverse("convoy:dashboard"),
        reverse("convoy:convoy_detail", args=[1]),
        reverse("convoy:audit_trail"),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_dashboard_shows_the_convoy_its_features_and_their_owners(client, populated):
    client.force_login(populated.captain)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "CONVOY-1" in page and "2027 Q1" in page
    assert "Alignment" in page
    assert "Ledger Sync" in page and "Fc Okafor" in page
    assert "Audit Beacon" in page and "Fc Brandt" in page


def test_dashboard_tells_the_feature_captain_what_to_do_next(client, populated):
    client.force_login(populated.captain)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "Provision the task list of F001" in page
    assert "F002" not in page.split("Expected of you next")[1].split("Features and")[0]


def test_dashboard_tells_the_commodore_which_exit_criteria_hold(client, populated):
    client.force_login(populated.commodore)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "Advance CONVOY-1 to Provisioning: every exit criterion holds." in page


def test_dashboard_without_any_convoy_says_so(client, db):
    client.force_login(person("lonely"))
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "No Convoy has been chartered" in page


def test_user_text_is_shown_escaped(client, world):
    world.feature(1, name="<script>alert(1)</script>")
    client.force_login(world.captain)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_only_the_commodore_sees_advance_buttons(client, populated):
    url = reverse("convoy:convoy_detail", args=[1])
    client.force_login(populated.captain)
    assert "Advance to Provisioning" not in client.get(url).content.decode()
    client.force_login(populated.commodore)
    assert "Advance to Provisioning" in client.get(url).content.decode()


def test_the_commodore_advances_the_convoy_from_its_page(client, populated):
    client.force_login(populated.commodore)
    response = client.post(
        reverse("convoy:convoy_advance", args=[1]), {"to_state": "PROVISIONING"}, follow=True
    )
    assert "CONVOY-1 has advanced to Provisioning." in response.content.decode()
    populated.convoy.refresh_from_db()
    assert populated.convoy.state == ConvoyState.PROVISIONING


def test_an_advance_that_breaks_the_order_is_refused_with_the_rule(client, populated):  # R7
    client.force_login(populated.commodore)
    response = client.post(
        reverse("convoy:convoy_advance", args=[1]), {"to_state": "SAILED"}, follow=True
    )
    page = response.content.decode()
    assert "R7:" in page and "process violation" in page
    populated.convoy.refresh_from_db()
    assert populated.convoy.state == ConvoyState.ALIGNMENT


@pytest.mark.parametrize("who", ["captain", "engineer", "auditor"])
def test_others_are_refused_advancing_with_the_required_role_named(client, populated, who):  # R4
    client.force_login(getattr(populated, who))
    response = client.post(reverse("convoy:convoy_advance", args=[1]), {"to_state": "PROVISIONING"})
    assert response.status_code == 403
    assert "requires the role of Commodore" in response.content.decode()
    populated.convoy.refresh_from_db()
    assert populated.convoy.state == ConvoyState.ALIGNMENT


def test_advance_accepts_only_post(client, populated):
    client.force_login(populated.commodore)
    assert client.get(reverse("convoy:convoy_advance", args=[1])).status_code == 405


def test_the_auditor_reads_the_audit_trail(client, populated):
    client.force_login(populated.auditor)
    page = client.get(reverse("convoy:audit_trail")).content.decode()
    assert "feature.register" in page and "convoy.create" in page


def test_a_code_engineer_may_not_read_the_audit_trail(client, populated):  # R4
    client.force_login(populated.engineer)
    response = client.get(reverse("convoy:audit_trail"))
    assert response.status_code == 403
    assert "Auditor" in response.content.decode()


def test_feature_page_shows_estimate_in_person_days_and_history(client, world):  # R13
    world.feature(1, name="Ledger Sync", estimated_sp=10)
    client.force_login(world.engineer)
    page = client.get(reverse("convoy:feature_detail", args=[1, 1])).content.decode()
    assert "10 SP = 7.30 person-days" in page
    assert "feature.register" in page


def test_unknown_convoy_or_feature_is_a_404(client, world):
    client.force_login(world.captain)
    assert client.get(reverse("convoy:convoy_detail", args=[404])).status_code == 404
    assert client.get(reverse("convoy:feature_detail", args=[1, 99])).status_code == 404


def test_navigation_lists_the_roles_held(client, world):
    person("cso", Role.CSO)
    client.force_login(world.captain)
    page = client.get(reverse("convoy:dashboard")).content.decode()
    assert "Feature Captain" in page
    assert "Audit trail" not in page
