"""Sign-in lockout after repeated failures (django-axes), on the sign-in page and the admin's."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from convoy.models import Role
from tests.factories import person

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-passphrase"


@pytest.fixture
def admiral(db):
    user = person("admiral", Role.ADMIRAL)
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def sign_in(client, username, password, path="/signin/", address="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times, path="/signin/", address="127.0.0.1", username="admiral"):
    """Wrong passwords; the attempt that reaches the limit is answered with the lockout."""
    statuses = [
        sign_in(client, username, "wrong password", path=path, address=address).status_code
        for _ in range(times)
    ]
    expected = [200] * min(times, settings.AXES_FAILURE_LIMIT - 1)
    assert statuses == expected + [429] * (times - len(expected))


def test_five_failures_lock_the_username_even_against_the_right_password(client, admiral):
    fail(client, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, "admiral", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in refused. 5 consecutive failed attempts" in page
    assert "the username “admiral” from this address" in page
    assert "locked until" in page and "(15 minutes after the latest attempt" in page
    assert "<h1>Sign in</h1>" in page  # the sign-in page, with the lockout stated
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, admiral):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    response = sign_in(client, "admiral", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admiral.pk)


def test_a_successful_sign_in_resets_the_count(client, admiral):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, "admiral", PASSWORD).status_code == 302
    client.logout()
    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    response = sign_in(client, "admiral", PASSWORD)

    assert response.status_code == 302


def test_the_lock_holds_only_for_that_username_from_that_address(client, admiral):
    person("auditor", Role.AUDITOR)
    fail(client, settings.AXES_FAILURE_LIMIT)

    assert sign_in(client, "auditor", PASSWORD).status_code == 302
    client.logout()
    assert sign_in(client, "admiral", PASSWORD, address="10.0.0.9").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, admiral):
    fail(client, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, "admiral", PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1)
    )

    response = sign_in(client, "admiral", PASSWORD)

    assert response.status_code == 302


def test_failures_at_the_admin_sign_in_lock_it_too(client, admiral):
    fail(client, settings.AXES_FAILURE_LIMIT, path="/admin/login/")

    response = sign_in(client, "admiral", PASSWORD, path="/admin/login/")

    assert response.status_code == 429
    assert "Sign-in refused. 5 consecutive failed attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still not signed in
    # One lock: the sign-in page refuses the same username from the same address.
    assert sign_in(client, "admiral", PASSWORD).status_code == 429


def test_the_lockout_page_escapes_the_username(client, db):
    fail(client, settings.AXES_FAILURE_LIMIT, username="<b>x</b>")

    response = sign_in(client, "<b>x</b>", PASSWORD)

    assert response.status_code == 429
    assert "<b>x</b>" not in response.content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in response.content.decode()


def test_behind_a_proxy_the_lock_follows_the_forwarded_address(client, admiral, settings):
    settings.SADMF_PROXY_COUNT = 1

    def attempt(password, forwarded_for):
        return client.post(
            "/signin/",
            {"username": "admiral", "password": password},
            REMOTE_ADDR="10.0.0.1",  # the load balancer
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    # The attacker writes their own X-Forwarded-For entry; only the proxy's is believed.
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("wrong password", f"198.51.100.{n}, 203.0.113.7")
    assert attempt(PASSWORD, "203.0.113.7").status_code == 429
    assert attempt(PASSWORD, "192.0.2.44").status_code == 302  # another person, same proxy
