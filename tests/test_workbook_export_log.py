"""R56: each export is a new version with its file name, recorded with who, when and the
file's hash; downloads are recorded; a failed export leaves neither file nor record."""

import hashlib
import io
import os
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from convoy.ceremonies import exports as export_ceremonies
from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.exports import export_path, export_workbook, record_download
from convoy.exports.workbook import change_manifest
from convoy.models import AuditEvent, WorkbookDownload, WorkbookExport


@pytest.fixture(autouse=True)
def export_root(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"
    return settings.SADMF_EXPORT_ROOT


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_export_is_named_logged_and_hashed(world):  # R56
    export = export_workbook(actor=world.commodore, convoy=world.convoy)
    assert export.file_name == "Release_Tracking_CONVOY-1_v1_2027-01-04_CO.xlsx"
    assert export.version == 1
    assert export.exported_by == world.commodore
    assert export.exported_at == world.convoy.created_at  # the frozen clock
    path = export_path(export)
    assert path.is_file()
    assert export.sha256 == sha256(path)
    assert export.size == path.stat().st_size
    assert export.tabs == 47
    event = AuditEvent.objects.get(action="workbook.export")
    assert event.actor == world.commodore
    assert event.after["sha256"] == export.sha256
    assert event.after["version"] == 1


def test_the_version_increases_per_export_of_that_convoy(world):  # R56
    first = export_workbook(actor=world.commodore, convoy=world.convoy)
    second = export_workbook(actor=world.commodore, convoy=world.convoy)
    assert (first.version, second.version) == (1, 2)
    assert second.file_name == "Release_Tracking_CONVOY-1_v2_2027-01-04_CO.xlsx"
    assert export_path(first).is_file() and export_path(second).is_file()


def test_the_initials_are_the_exporting_persons(world):  # R56
    world.commodore.crew.initials = "E.V."
    world.commodore.crew.save()
    export = export_workbook(actor=world.commodore, convoy=world.convoy)
    assert export.file_name.endswith("_EV.xlsx")


def test_an_auditor_may_download_but_not_start_an_export(world):  # R4, R56
    with pytest.raises(ProcessViolation) as refusal:
        export_workbook(actor=world.auditor, convoy=world.convoy)
    assert refusal.value.rule == "R4"
    assert "Commodore" in refusal.value.message
    assert WorkbookExport.objects.count() == 0
    export = export_workbook(actor=world.commodore, convoy=world.convoy)
    download = record_download(actor=world.auditor, export=export)
    assert download.downloaded_role == "AUDITOR"


def test_nobody_else_exports_or_downloads(world):  # R4
    export = export_workbook(actor=world.commodore, convoy=world.convoy)
    with pytest.raises(ProcessViolation):
        export_workbook(actor=world.admiral, convoy=world.convoy)  # the Commodore alone exports
    for outsider in (world.engineer, world.captain, world.qa):
        with pytest.raises(ProcessViolation):
            export_workbook(actor=outsider, convoy=world.convoy)
        with pytest.raises(ProcessViolation):
            record_download(actor=outsider, export=export)
    assert WorkbookExport.objects.count() == 1
    assert WorkbookDownload.objects.count() == 0


def test_a_download_is_recorded_with_an_audit_event(world):  # R56, R57
    export = export_workbook(actor=world.commodore, convoy=world.convoy)
    record_download(actor=world.commodore, export=export)
    record_download(actor=world.auditor, export=export)
    assert [d.downloaded_by for d in export.downloads.order_by("id")] == [
        world.commodore,
        world.auditor,
    ]
    assert AuditEvent.objects.filter(action="workbook.download").count() == 2


def test_a_failure_mid_build_leaves_no_workbook_and_no_record(world, monkeypatch, export_root):
    world.feature(1)

    def rows_then_failure(self, convoy):
        yield from original(self, convoy)
        raise OSError("the disk is full")

    original = change_manifest.FeatureInventory.rows
    monkeypatch.setattr(change_manifest.FeatureInventory, "rows", rows_then_failure)
    events = AuditEvent.objects.count()
    with pytest.raises(OSError):
        export_workbook(actor=world.commodore, convoy=world.convoy)
    assert list(export_root.rglob("*")) == [export_root / "CONVOY-1"]  # no file, not even partial
    assert WorkbookExport.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_a_failure_while_logging_removes_the_renamed_workbook(world, monkeypatch, export_root):
    def refuse(**kwargs):
        raise RuntimeError("the audit chain is unavailable")

    monkeypatch.setattr(export_ceremonies, "record_event", refuse)
    with pytest.raises(RuntimeError):
        export_workbook(actor=world.commodore, convoy=world.convoy)
    assert list((export_root / "CONVOY-1").iterdir()) == []
    assert WorkbookExport.objects.count() == 0


def test_what_a_killed_export_left_is_swept_once_stale(world, export_root):
    directory = export_root / "CONVOY-1"
    directory.mkdir(parents=True)
    stale = directory / ".partial-killed.xlsx"
    fresh = directory / ".partial-running.xlsx"
    stale.write_bytes(b"PK")
    fresh.write_bytes(b"PK")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    export_workbook(actor=world.commodore, convoy=world.convoy)
    assert not stale.exists()
    assert fresh.exists()


@pytest.mark.django_db(transaction=True)
def test_two_exports_at_once_get_two_versions(world):  # R56
    ready = threading.Barrier(2, timeout=60)
    results, errors = [], []

    def progress(done, total, title):
        if done == total:
            ready.wait()  # both workbooks written: both now ask for a version together

    def export():
        try:
            results.append(
                export_workbook(actor=world.commodore, convoy=world.convoy, progress=progress)
            )
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=export) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(e.version for e in results) == [1, 2]
    assert sorted(WorkbookExport.objects.values_list("version", flat=True)) == [1, 2]
    names = {e.file_name for e in results}
    assert len(names) == 2
    for export in results:
        assert export_path(export).is_file()
        assert sha256(export_path(export)) == export.sha256


def test_the_command_exports_with_progress_and_prints_path_and_hash(world, tmp_path):
    out = io.StringIO()
    call_command("export_tracking", "--convoy", "1", "--out", str(tmp_path / "out"), stdout=out)
    text = out.getvalue()
    assert "[ 1/47] Convoy Charter" in text
    assert "[47/47] Flow X-ray" in text
    export = WorkbookExport.objects.get()
    copy = tmp_path / "out" / export.file_name
    assert f"path: {copy.resolve()}" in text
    assert f"sha256: {export.sha256}" in text
    assert sha256(copy) == export.sha256


def test_the_command_exports_as_the_person_named(world, tmp_path):
    with pytest.raises(CommandError, match="R4: .*Commodore"):
        call_command(
            "export_tracking", "--convoy", "1", "--out", str(tmp_path), "--as", "auditor",
            stdout=io.StringIO(),
        )  # fmt: skip
    with pytest.raises(CommandError, match="no CONVOY-9"):
        call_command("export_tracking", "--convoy", "9", "--out", str(tmp_path))
    assert WorkbookExport.objects.count() == 0
