"""The 8-quarter commitment pages, as each role sees them (R16, R4)."""

import pytest
from django.template import Context, Template
from django.urls import reverse

from convoy.ceremonies.commitment import commit_feature, lock_planning_cycle, open_planning_cycle
from convoy.models import Commitment, PlanningCycle


@pytest.fixture
def cycle(world):
    cycle = open_planning_cycle(actor=world.admiral, year=2027, quarter=1)
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Ledger Sync", target_year=2027, target_quarter=2
    )
    return cycle


@pytest.fixture
def locked(world, cycle):
    return lock_planning_cycle(actor=world.admiral, cycle=cycle)


def url(name, *args):
    return reverse(f"convoy:{name}", args=args)


def commitment_pk(cycle):
    return cycle.commitments.get().pk


def post_urls(cycle):
    pk = commitment_pk(cycle)
    return {
        "open": (url("commitment"), {"year": 2028, "quarter": 1}),
        "add": (url("commitment_add", 2027, 1), {"name": "Late", "target": "2027-3"}),
        "edit": (url("commitment_edit", 2027, 1, pk), {"name": "Renamed", "target": "2027-2"}),
        "withdraw": (url("commitment_withdraw", 2027, 1, pk), {}),
        "lock": (url("commitment_lock", 2027, 1), {"confirm": "on"}),
    }


def stored():
    return sorted(Commitment.objects.values_list("name", "target_year", "target_quarter"))


def test_anonymous_visitors_are_sent_to_sign_in(client, cycle):
    pages = [url("commitment"), url("commitment_cycle", 2027, 1)]
    pages.append(url("commitment_edit", 2027, 1, commitment_pk(cycle)))
    responses = [client.get(page) for page in pages]
    responses += [client.post(target, data) for target, data in post_urls(cycle).values()]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["auditor", "engineer", "commodore"])
def test_every_member_reads_the_commitment_without_forms(client, world, cycle, who):
    client.force_login(getattr(world, who))
    listing = client.get(url("commitment")).content.decode()
    assert "2027 Q1 to 2028 Q4" in listing and "Open a planning cycle" not in listing
    page = client.get(url("commitment_cycle", 2027, 1)).content.decode()
    assert "Ledger Sync" in page
    assert "Commit a feature" not in page and "Withdraw" not in page and "Lock the" not in page


@pytest.mark.parametrize("who", ["auditor", "engineer"])
@pytest.mark.parametrize("action", ["open", "add", "edit", "withdraw", "lock"])
def test_only_the_ato_changes_the_commitment(client, world, cycle, who, action):  # R4
    client.force_login(getattr(world, who))
    target, data = post_urls(cycle)[action]
    response = client.post(target, data)
    assert response.status_code == 403
    assert "requires the role of Admiral (ATO)" in response.content.decode()
    assert stored() == [("Ledger Sync", 2027, 2)]
    assert PlanningCycle.objects.get().locked_at is None
    assert PlanningCycle.objects.count() == 1


def test_the_edit_page_is_the_atos(client, world, cycle):  # R4
    client.force_login(world.engineer)
    assert client.get(url("commitment_edit", 2027, 1, commitment_pk(cycle))).status_code == 403


@pytest.mark.parametrize("name", ["commitment_add", "commitment_lock"])
def test_post_only_urls_refuse_get(client, world, cycle, name):
    client.force_login(world.admiral)
    assert client.get(url(name, 2027, 1)).status_code == 405


def test_withdraw_refuses_get(client, world, cycle):
    client.force_login(world.admiral)
    response = client.get(url("commitment_withdraw", 2027, 1, commitment_pk(cycle)))
    assert response.status_code == 405


def test_an_unknown_cycle_is_not_found(client, world):
    client.force_login(world.admiral)
    assert client.get(url("commitment_cycle", 2031, 1)).status_code == 404


def test_the_list_says_when_no_cycle_is_open(client, world):
    client.force_login(world.auditor)
    assert "No planning cycle has been opened" in client.get(url("commitment")).content.decode()


def test_the_ato_opens_a_cycle_from_the_list(client, world):
    client.force_login(world.admiral)
    response = client.post(url("commitment"), {"year": 2027, "quarter": 3}, follow=True)
    assert "Planning cycle 2027 Q3 is open." in response.content.decode()
    assert PlanningCycle.objects.filter(year=2027, quarter=3).exists()


def test_the_cycle_page_groups_commitments_by_target_quarter(client, world, cycle):  # R16
    commit_feature(
        actor=world.admiral, cycle=cycle, name="Audit Beacon", target_year=2028, target_quarter=4
    )
    client.force_login(world.admiral)
    page = client.get(url("commitment_cycle", 2027, 1)).content.decode()
    headings = ["2027 Q1", "2027 Q2", "2027 Q3", "2027 Q4", "2028 Q1", "2028 Q2", "2028 Q3"]
    positions = [page.index(f"<h3>{label}") for label in [*headings, "2028 Q4"]]
    assert positions == sorted(positions)
    q2 = page[positions[1] : positions[2]]
    assert "Ledger Sync" in q2 and "Audit Beacon" not in q2
    assert "Audit Beacon" in page[positions[-1] :]
    assert "Nothing committed for 2027 Q1." in page


def test_the_ato_commits_edits_and_withdraws_from_the_pages(client, world, cycle):
    client.force_login(world.admiral)
    response = client.post(
        url("commitment_add", 2027, 1), {"name": "Audit Beacon", "target": "2028-1"}, follow=True
    )
    assert "“Audit Beacon” is committed for 2028 Q1." in response.content.decode()
    pk = Commitment.objects.get(name="Audit Beacon").pk
    edit = client.get(url("commitment_edit", 2027, 1, pk)).content.decode()
    assert 'value="Audit Beacon"' in edit
    client.post(url("commitment_edit", 2027, 1, pk), {"name": "Audit Lamp", "target": "2028-2"})
    client.post(url("commitment_withdraw", 2027, 1, commitment_pk_named("Ledger Sync")))
    assert stored() == [("Audit Lamp", 2028, 2)]


def commitment_pk_named(name):
    return Commitment.objects.get(name=name).pk


def test_a_target_outside_the_8_quarters_is_not_offered(client, world, cycle):  # R16
    client.force_login(world.admiral)
    response = client.post(url("commitment_add", 2027, 1), {"name": "Far", "target": "2029-1"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert stored() == [("Ledger Sync", 2027, 2)]


def test_locking_needs_the_atos_confirmation(client, world, cycle):  # R16
    client.force_login(world.admiral)
    response = client.post(url("commitment_lock", 2027, 1), {})
    assert response.status_code == 400
    assert "Confirm the lock: it cannot be undone (R16)." in response.content.decode()
    assert not PlanningCycle.objects.get().is_locked


def test_the_ato_locks_and_the_cycle_page_shows_the_lock_banner(client, world, cycle):  # R16
    client.force_login(world.admiral)
    response = client.post(url("commitment_lock", 2027, 1), {"confirm": "on"}, follow=True)
    page = response.content.decode()
    assert 'class="lock-banner"' in page
    assert (
        "The 8-quarter commitment of cycle 2027 Q1 was locked by Admiral on 4 January 2027 at "
        "09:00. Nothing may be added, removed or edited."
    ) in page
    assert "Commit a feature" not in page and "Withdraw" not in page


@pytest.mark.parametrize("action", ["add", "edit", "withdraw", "lock"])
def test_after_locking_every_change_from_the_pages_is_refused(client, world, locked, action):
    client.force_login(world.admiral)
    target, data = post_urls(locked)[action]
    response = client.post(target, data, follow=True)
    page = response.content.decode()
    assert "R16: The 8-quarter commitment of cycle 2027 Q1 was locked by Admiral" in page  # R16
    assert stored() == [("Ledger Sync", 2027, 2)]


def test_the_edit_page_of_a_locked_cycle_shows_the_banner_and_no_form(client, world, locked):
    client.force_login(world.admiral)
    page = client.get(url("commitment_edit", 2027, 1, commitment_pk(locked))).content.decode()
    assert 'class="lock-banner"' in page and "Save the commitment" not in page


def test_the_list_shows_who_locked_each_cycle(client, world, locked):
    client.force_login(world.auditor)
    page = client.get(url("commitment")).content.decode()
    assert "Locked</span> by Admiral on 2027-01-04" in page


def test_commitment_names_are_shown_escaped(client, world, cycle):
    commit_feature(
        actor=world.admiral,
        cycle=cycle,
        name="<script>alert(1)</script>",
        target_year=2027,
        target_quarter=3,
    )
    client.force_login(world.admiral)
    page = client.get(url("commitment_cycle", 2027, 1)).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


BANNER = Template("{% load commitment_tags %}{% commitment_lock_banner convoy %}")


def test_the_banner_tag_shows_a_locked_cycle_covering_the_convoys_quarter(world, locked):  # R16
    html = BANNER.render(Context({"convoy": world.convoy}))
    assert 'class="lock-banner"' in html
    assert "Nothing may be added, removed or edited." in html
    assert "It commits 0 features for 2027 Q1." in html
    assert reverse("convoy:commitment_cycle", args=[2027, 1]) in html


def test_the_banner_tag_is_silent_while_the_cycle_is_open(world, cycle):
    assert BANNER.render(Context({"convoy": world.convoy})).strip() == ""


def test_the_banner_tag_ignores_cycles_that_do_not_cover_the_quarter(world):
    old = open_planning_cycle(actor=world.admiral, year=2024, quarter=4)  # to 2026 Q3
    commit_feature(
        actor=world.admiral, cycle=old, name="Ledger Sync", target_year=2025, target_quarter=1
    )
    lock_planning_cycle(actor=world.admiral, cycle=old)
    assert BANNER.render(Context({"convoy": world.convoy})).strip() == ""
