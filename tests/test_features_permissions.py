"""Who may open and post to each feature page (R4): anonymous visitors are sent to sign in,
people without the role get 403 naming it, and each URL answers only its methods."""

import pytest
from django.urls import reverse

from convoy.models import AuditEvent

pytestmark = pytest.mark.usefixtures("world")

F = ("feature",)  # URL takes the Convoy and the feature number
C = ()  # URL takes the Convoy number only

# name, URL arguments, methods it answers
PAGES = [
    ("feature_list", C, {"GET"}),
    ("feature_register", C, {"GET", "POST"}),
    ("feature_detail", F, {"GET"}),
    ("feature_edit", F, {"GET", "POST"}),
    ("feature_status", F, {"POST"}),
    ("task_add", F, {"POST"}),
    ("task_split", F, {"POST"}),
    ("priority", C, {"GET", "POST"}),
    ("capacity", C, {"GET", "POST"}),
]

# Who may not act, per mutation (the world's people by attribute name).
REFUSED = {
    "feature_register": ["auditor", "engineer", "qa"],
    "feature_edit": ["auditor", "engineer", "other_captain"],
    "feature_status": ["auditor", "engineer", "other_captain", "commodore"],
    "task_add": ["auditor", "engineer", "other_captain"],
    "task_split": ["auditor", "engineer", "other_captain"],
    "priority": ["auditor", "engineer", "captain"],
    "capacity": ["auditor", "engineer", "captain"],
}

# The roles the refusal names.
REQUIRED_ROLE = {
    "feature_register": ["Feature Captain", "Commodore"],
    "feature_edit": ["Feature Captain", "Commodore"],
    "feature_status": ["Feature Captain"],
    "task_add": ["Feature Captain", "Commodore"],
    "task_split": ["Feature Captain", "Commodore"],
    "priority": ["Commodore"],
    "capacity": ["Commodore"],
}


@pytest.fixture
def feature(world):
    return world.feature(1)


def url_of(world, name, args):
    return reverse(f"convoy:{name}", args=[world.convoy.number, *([1] if args else [])])


def request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, {})


@pytest.mark.parametrize(("name", "args", "methods"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, feature, name, args, methods):
    url = url_of(world, name, args)
    for method in methods:
        response = request(client, method, url)
        assert response.status_code == 302
        assert response["Location"] == f"/signin/?next={url}"


@pytest.mark.parametrize(("name", "args", "methods"), PAGES)
def test_it_answers_other_methods_with_405(client, world, feature, name, args, methods):
    client.force_login(world.commodore)
    url = url_of(world, name, args)
    for method in {"GET", "POST"} - methods:
        assert request(client, method, url).status_code == 405
    assert client.put(url).status_code == 405


@pytest.mark.parametrize(("name", "people"), REFUSED.items())
def test_people_without_the_role_are_refused_with_403(client, world, feature, name, people):
    args = next(a for n, a, _m in PAGES if n == name)
    url = url_of(world, name, args)
    events = AuditEvent.objects.count()
    for attribute in people:
        client.force_login(getattr(world, attribute))
        response = client.post(url, {"title": "T", "hours": "1", "signal": "GREEN",
                                     "summary": "S", "capacity_person_days": "1"})  # fmt: skip
        assert response.status_code == 403, attribute
        page = response.content.decode()
        assert '<span class="rule">R4</span>' in page
        assert all(role in page.split('class="rule">R4</span>')[1] for role in REQUIRED_ROLE[name])
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("name", ["feature_register", "feature_edit"])
def test_the_forms_themselves_are_refused_with_403(client, world, feature, name):  # R4
    args = next(a for n, a, _m in PAGES if n == name)
    for attribute in ("auditor", "engineer"):
        client.force_login(getattr(world, attribute))
        assert client.get(url_of(world, name, args)).status_code == 403


@pytest.mark.parametrize("name", ["feature_list", "feature_detail", "priority", "capacity"])
def test_every_member_may_read_the_pages(client, world, feature, name):
    args = next(a for n, a, _m in PAGES if n == name)
    for attribute in ("auditor", "engineer", "qa", "captain", "commodore"):
        client.force_login(getattr(world, attribute))
        assert client.get(url_of(world, name, args)).status_code == 200
