"""Each tab reads its records with a small constant number of queries: the workbook of a
Convoy with many more records costs the same number of queries (STYLE 9; bench/ measures it
at 100 and 10,000 Changes)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from convoy.ceremonies.changes import record_change
from convoy.ceremonies.planning import add_task
from convoy.exports.workbook.builder import build_workbook
from convoy.models import Certificate, CertificateKind, Role, StatusReport
from tests.workbook_fixtures import at, busy  # noqa: F401


def queries_to_build(convoy, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        build_workbook(convoy, path)
    return len(queries)


def test_more_records_cost_no_more_queries(busy, tmp_path):  # noqa: F811
    world = busy.world
    before = queries_to_build(busy.convoy, tmp_path / "small.xlsx")

    for number in range(4, 9):
        feature = world.feature(number, name=f"Ledger Sync {number}")
        for task in range(3):
            add_task(actor=world.captain, feature=feature, title=f"Task {task}", hours=Decimal(2))
        for n in range(5):
            change = record_change(actor=world.engineer, feature=feature, title=f"Change {n}")
            Certificate.objects.create(
                kind=CertificateKind.TESTING_COMPLETION, convoy=busy.convoy, change=change,
                issued_by=world.qa, issued_role=Role.QA, issued_at=at(2, 2),
            )  # fmt: skip
        StatusReport.objects.create(
            feature=feature, signal="GREEN", summary="On track.", reported_by=world.captain,
            reported_at=at(2, 3),
        )  # fmt: skip

    after = queries_to_build(busy.convoy, tmp_path / "large.xlsx")
    assert after == before
    assert before <= 2 * 47
