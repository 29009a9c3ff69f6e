"""/healthz: the load balancer's probe and the load test's reference view."""

import pytest


@pytest.mark.django_db
def test_healthz_answers_ok_without_a_sign_in_or_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_healthz_changes_nothing_on_a_post(client):
    assert client.post("/healthz").status_code in (403, 405)  # CSRF first, then GET/HEAD only
