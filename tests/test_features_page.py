"""The feature page: WSVF with its arithmetic, estimate, signal, status reports, tasks with
the add form and the offer to split, Changes and history, at a constant query count."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from convoy.ceremonies.planning import add_task, report_status
from convoy.models import Signal, StatusReport, Task


def page_url(world, number=1, name="feature_detail"):
    return reverse(f"convoy:{name}", args=[world.convoy.number, number])


def test_it_shows_the_wsvf_inputs_score_and_estimate(client, world):  # R11, R13
    world.feature(
        1, acronym="", estimated_sp=13, cost_of_delay=2, political_capital_base=1,
        sponsor_brought_donuts=True, executive_visibility=3, mentioned_in_earnings_call=True,
        acronym_quality=5,
    )  # fmt: skip
    client.force_login(world.auditor)
    page = client.get(page_url(world)).content.decode()
    assert "1 base + 5 for donuts = 6" in page
    assert "10: mentioned in a quarterly earnings call (entered as 3)" in page
    assert "1: the feature has no acronym" in page
    assert "(2 + 6) × 10 ÷ 1 = 80" in page
    assert "13 SP = 9.49 person-days" in page


def test_the_captain_reports_status_from_the_page(client, world):
    world.feature(1)
    client.force_login(world.captain)
    response = client.post(
        page_url(world, name="feature_status"), {"signal": "AMBER", "summary": "EARB pending."}
    )
    assert response.status_code == 302
    page = client.get(page_url(world)).content.decode()
    assert '<span class="signal signal-AMBER">Amber</span>' in page
    assert "EARB pending." in page


def test_a_status_report_without_a_summary_is_a_field_error(client, world):
    world.feature(1)
    client.force_login(world.captain)
    response = client.post(page_url(world, name="feature_status"), {"signal": "GREEN"})
    assert response.status_code == 400
    assert 'id="id_summary_error"' in response.content.decode()
    assert not StatusReport.objects.exists()


def test_the_status_form_is_for_the_features_captain_only(client, world):
    world.feature(1)
    client.force_login(world.commodore)
    assert "Report the status" not in client.get(page_url(world)).content.decode()
    client.force_login(world.captain)
    assert "Report the status" in client.get(page_url(world)).content.decode()


def test_the_captain_adds_a_task(client, world):  # R14
    world.feature(42)
    client.force_login(world.captain)
    response = client.post(
        page_url(world, 42, "task_add"), {"title": "Draft the SAD update", "hours": "3.5"}
    )
    assert response.status_code == 302
    page = client.get(page_url(world, 42)).content.decode()
    assert "C1-F042-T001 is provisioned: Draft the SAD update, 3.5 h." in page
    assert "<td>C1-F042-T001</td><td>Draft the SAD update</td>" in page


def test_a_task_over_4_hours_is_refused_with_an_offer_to_split_it(client, world):  # R14
    world.feature(1)
    client.force_login(world.captain)
    response = client.post(page_url(world, name="task_add"), {"title": "Migrate", "hours": "10"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "R14: A task may take at most 4 hours; this one takes 10." in page
    assert "may be provisioned as 3 tasks: 3.34 h, 3.33 h, 3.33 h." in page
    assert "Split into 3 tasks of at most 4 hours" in page
    assert 'value="Migrate"' in page
    assert not Task.objects.exists()


def test_the_offer_to_split_provisions_the_parts_in_one_click(client, world):  # R14
    world.feature(1)
    client.force_login(world.captain)
    response = client.post(page_url(world, name="task_split"), {"title": "Migrate", "hours": "10"})
    assert response.status_code == 302
    assert list(Task.objects.values_list("title", "hours")) == [
        ("Migrate (1/3)", Decimal("3.34")),
        ("Migrate (2/3)", Decimal("3.33")),
        ("Migrate (3/3)", Decimal("3.33")),
    ]
    page = client.get(page_url(world)).content.decode()
    assert "3 tasks are provisioned (C1-F001-T001 to C1-F001-T003), 10 h in all." in page


def test_the_task_form_is_shown_to_the_captain_and_the_commodore_only(client, world):  # R14
    world.feature(1)
    for person, shown in (
        (world.captain, True),
        (world.commodore, True),
        (world.other_captain, False),
        (world.engineer, False),
    ):
        client.force_login(person)
        assert ("Add the task" in client.get(page_url(world)).content.decode()) is shown


def test_the_edit_link_is_shown_to_those_who_may_edit(client, world):
    world.feature(1)
    edit = page_url(world, name="feature_edit")
    client.force_login(world.captain)
    assert edit in client.get(page_url(world)).content.decode()
    client.force_login(world.auditor)
    assert edit not in client.get(page_url(world)).content.decode()


def test_the_history_shows_registration_status_and_tasks(client, world):  # R57
    feature = world.feature(1)
    report_status(actor=world.captain, feature=feature, signal=Signal.GREEN, summary="Fine.")
    add_task(actor=world.captain, feature=feature, title="Draft", hours=Decimal(1))
    client.force_login(world.auditor)
    page = client.get(page_url(world)).content.decode()
    for action in ("feature.register", "feature.report_status", "task.add"):
        assert f"<code>{action}</code>" in page


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.usefixtures("uncached_pages")
def test_the_query_count_does_not_grow_with_tasks_and_reports(client, world):
    few = world.feature(1)
    many = world.feature(2)
    for feature, count in ((few, 1), (many, 30)):
        for n in range(count):
            add_task(actor=world.captain, feature=feature, title=f"T{n}", hours=Decimal(1))
            report_status(actor=world.captain, feature=feature, signal=Signal.GREEN, summary="…")
    client.force_login(world.captain)
    assert count_queries(client, page_url(world, 1)) == count_queries(client, page_url(world, 2))
