"""The Emergency Authorization pages (R34): the declaration with its live word counter, the
chair's agreement, the members' approvals and the ATO's grant. Permissions per URL."""

import pytest
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.emergency import agree_emergency, approve_emergency, declare_emergency
from convoy.models import Change, ChangeState, EmergencyApproval, EmergencyAuthorization
from tests.pipeline.conftest import archived_change, new_change, to_signatures

SUMMARY = " ".join(["exposure"] * 800)


def fields(**overrides):
    due = clock.add_business_days(clock.today(), 3)
    return {
        "justification": "Ledgers diverge in production.",
        "risk_exposure_summary": SUMMARY,
        "remediation_plan": "Full documentation within three business days.",
        "documentation_due": due.isoformat(),
    } | overrides


@pytest.fixture
def change(crew):
    return archived_change(crew)


@pytest.fixture
def declared(crew, change):
    data = fields()
    data["documentation_due"] = clock.add_business_days(clock.today(), 3)
    return declare_emergency(actor=change.author, change=change, **data)


def declare_url(change):
    return reverse("convoy:emergency_declare", args=[change.pk])


def url(name, authorization):
    return reverse(f"convoy:{name}", args=[authorization.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, change, declared):
    gets = [
        declare_url(change),
        reverse("convoy:emergency_list"),
        url("emergency_detail", declared),
    ]
    posts = [
        url(n, declared) for n in ("emergency_agree", "emergency_approve", "emergency_authorize")
    ]
    for target in gets:
        assert client.get(target)["Location"].startswith(reverse("login")), target
    for target in posts + [declare_url(change)]:
        assert client.post(target)["Location"].startswith(reverse("login")), target


def test_action_urls_refuse_get(client, crew, declared):
    client.force_login(crew.world.admiral)
    for name in ("emergency_agree", "emergency_approve", "emergency_authorize"):
        assert client.get(url(name, declared)).status_code == 405, name


def test_the_author_declares_with_a_live_word_counter(client, crew, change):  # R34
    client.force_login(change.author)
    page = client.get(declare_url(change)).content.decode()
    assert 'data-wordcount-min="800"' in page
    assert "0 / 800 words" in page
    assert "wordcount.js" in page
    response = client.post(declare_url(change), fields())
    authorization = EmergencyAuthorization.objects.get()
    assert response["Location"] == url("emergency_detail", authorization)
    detail = client.get(response["Location"]).content.decode()
    assert "800 words (at least 800)" in detail
    assert "the chair&#x27;s agreement that it is an emergency" in detail


def test_a_summary_under_800_words_is_refused_and_nothing_stored(client, crew, change):  # R34
    client.force_login(change.author)
    short = " ".join(["exposure"] * 799)
    response = client.post(declare_url(change), fields(risk_exposure_summary=short))
    assert response.status_code == 400
    page = response.content.decode()
    assert "R34: The expedited Risk Exposure Summary runs to at least 800 words" in page
    assert "799 / 800 words" in page
    assert not EmergencyAuthorization.objects.exists()


def test_a_remediation_plan_beyond_3_business_days_is_refused(client, crew, change):  # R34
    client.force_login(change.author)
    late = clock.add_business_days(clock.today(), 4).isoformat()
    response = client.post(declare_url(change), fields(documentation_due=late))
    assert response.status_code == 400
    assert "within 3 business days" in response.content.decode()
    assert not EmergencyAuthorization.objects.exists()


def test_only_the_changes_author_declares(client, crew, change):  # R4
    for outsider in (crew.world.other_engineer, crew.chair, crew.world.captain):
        client.force_login(outsider)
        assert client.get(declare_url(change)).status_code == 403
        assert client.post(declare_url(change), fields()).status_code == 403
    assert not EmergencyAuthorization.objects.exists()


def test_the_change_page_links_to_the_declaration_and_lists_it(client, crew, change):  # R34
    client.force_login(change.author)
    page = client.get(reverse("convoy:change_detail", args=[change.pk])).content.decode()
    assert declare_url(change) in page
    client.post(declare_url(change), fields())
    page = client.get(reverse("convoy:change_detail", args=[change.pk])).content.decode()
    assert url("emergency_detail", EmergencyAuthorization.objects.get()) in page
    assert "pending" in page


def test_the_chair_agrees_members_approve_and_the_ato_grants(client, crew, declared):  # R34
    detail = url("emergency_detail", declared)
    client.force_login(crew.chair)
    assert "Agree, as chairperson" in client.get(detail).content.decode()
    client.post(url("emergency_agree", declared))
    for member in crew.crap[1:5]:
        client.force_login(member)
        assert "Approve individually" in client.get(detail).content.decode()
        client.post(url("emergency_approve", declared))
        assert "Approve individually" not in client.get(detail).content.decode()
    assert EmergencyApproval.objects.count() == 4
    client.force_login(crew.world.admiral)
    page = client.get(detail).content.decode()
    assert "Every element is present" in page
    client.post(url("emergency_authorize", declared))
    assert Change.objects.get(pk=declared.change_id).state == ChangeState.ACCEPTED
    assert "Granted by" in client.get(detail).content.decode()


def test_the_grant_without_every_element_is_refused_on_the_page(client, crew, declared):  # R34
    agree_emergency(actor=crew.chair, authorization=declared)
    for member in crew.crap[1:4]:
        approve_emergency(actor=member, authorization=declared)
    client.force_login(crew.world.admiral)
    response = client.post(url("emergency_authorize", declared), follow=True)
    page = response.content.decode()
    assert "R34: The Emergency Authorization for" in page
    assert "(3 so far)" in page
    assert Change.objects.get(pk=declared.change_id).state == ChangeState.ARCHIVED


def test_even_then_the_archived_form_is_required(client, crew):  # R34, R23
    change = to_signatures(crew, [new_change(crew, "Unarchived")])[0]
    client.force_login(change.author)
    client.post(declare_url(change), fields())
    authorization = EmergencyAuthorization.objects.get()
    page = client.get(url("emergency_detail", authorization)).content.decode()
    assert "the archived signature form (R23)" in page
    assert "Not archived" in page


def test_wrong_roles_are_refused_each_action(client, crew, declared):  # R4
    client.force_login(crew.crap[3])
    assert client.post(url("emergency_agree", declared)).status_code == 403
    assert client.post(url("emergency_authorize", declared)).status_code == 403
    client.force_login(crew.world.other_engineer)
    assert client.post(url("emergency_approve", declared)).status_code == 403
    assert client.get(url("emergency_detail", declared)).status_code == 403
    assert client.get(reverse("convoy:emergency_list")).status_code == 403
    assert not EmergencyApproval.objects.exists()
    assert EmergencyAuthorization.objects.get().chair_agreed_at is None


def test_a_second_approval_by_the_same_member_is_refused(client, crew, declared):  # R34
    client.force_login(crew.crap[2])
    client.post(url("emergency_approve", declared))
    response = client.post(url("emergency_approve", declared), follow=True)
    assert "R34:" in response.content.decode()
    assert "has approved this emergency already" in response.content.decode()
    assert EmergencyApproval.objects.count() == 1


def test_the_list_shows_declarations_to_the_ato_and_the_crap(client, crew, declared):  # R34
    for reader in (crew.world.admiral, crew.crap[4], crew.rbrb, crew.world.auditor):
        client.force_login(reader)
        page = client.get(reverse("convoy:emergency_list")).content.decode()
        assert declared.change.record_id in page and "Pending" in page
