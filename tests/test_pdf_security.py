"""The documents never reach the network or the file system beyond the app's own static files
(§13): user text that looks like HTML or CSS is printed as text; the closed fetcher refuses
every other URL even if markup reached the renderer."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from weasyprint import HTML

from convoy.ceremonies.changes import record_change
from convoy.ceremonies.reports import render_report, rendering_path
from convoy.exports.pdf import fetcher as fetcher_module
from convoy.exports.pdf.fetcher import RefusedResource, StaticOnlyFetcher, static_root
from convoy.models import Feature, ReportKind
from convoy.models.tribunal import Defect
from tests.pdf_helpers import attachments, contains, text_of
from tests.pdf_records import inspect


class Listener:
    """A loopback HTTP server that records every request it receives."""

    def __init__(self) -> None:
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL the renderer asked the fetcher for, served or refused."""
    urls: list[str] = []
    original = StaticOnlyFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(fetcher_module.StaticOnlyFetcher, "fetch", recording)
    return urls


@pytest.fixture(autouse=True)
def _stores(settings, tmp_path):
    settings.SADMF_EXPORT_ROOT = tmp_path / "exports"


def payloads(port: int) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        '<link rel="attachment" href="file:///etc/hostname">',
        f"<style>@import url(http://127.0.0.1:{port}/import);"
        f"body{{background:url(http://127.0.0.1:{port}/css)}}</style>",
        f'<div style="background:url(http://127.0.0.1:{port}/inline)">x</div>',
        "<script>document.title='pwned'</script>",
    ]


def only_static_or_memory(urls: list[str]) -> list[str]:
    root = static_root().as_uri()
    return [u for u in urls if not (u.startswith(root + "/") or u.startswith("sadmf-memory:"))]


def hostname() -> str:
    return Path("/etc/hostname").read_text().strip()


@pytest.mark.parametrize("kind", [ReportKind.MANIFEST, ReportKind.FLEET_INSPECTION])
def test_user_text_that_looks_like_markup_is_printed_and_reaches_nothing(
    world, listener, fetched, kind
):  # §13
    inspect(world)
    attack = payloads(listener.port)
    # a feature name, a Change title, a defect title: text written by users
    Feature.objects.filter(pk=world.f1.pk).update(name=attack[0] + attack[1])
    world.f1.refresh_from_db()
    change = record_change(actor=world.engineer, feature=world.f1, title=attack[2][:200])
    Defect.objects.filter(convoy=world.convoy).update(title=attack[3] + attack[4])
    actor = world.commodore
    rendering = render_report(actor=actor, convoy=world.convoy, kind=kind)
    pdf = rendering_path(rendering)
    text = text_of(pdf)

    assert not contains(text, attack[0] + attack[1])  # printed literally
    if kind == ReportKind.MANIFEST:
        assert not contains(text, change.title)
    else:
        assert not contains(text, attack[3] + attack[4])
    assert listener.hits == []  # no request made
    assert only_static_or_memory(fetched) == []  # no file read outside static
    assert attachments(pdf).startswith("0 embedded files")  # nothing embedded
    if hostname():
        assert hostname() not in text.replace(attack[1], "")


def test_the_fetcher_refuses_every_vector_even_when_markup_reaches_the_renderer(
    listener, tmp_path, fetched
):  # §13: defence in depth, should a template ever mark user text safe
    outside = tmp_path / "secret.txt"
    outside.write_text("TOP SECRET")
    link = static_root() / "reports" / ".link-to-secret-for-test"
    hostile = "\n".join(
        [
            *payloads(listener.port),
            f'<img src="http://127.0.0.1:{listener.port}/img">',
            f'<img src="https://127.0.0.1:{listener.port}/tls">',
            '<img src="../pyproject.toml"><img src="reports/%2e%2e/%2e%2e/pyproject.toml">',
            '<img src="file://localhost/etc/passwd">',
            '<img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">',
            f'<a rel="attachment" href="file://{outside}">a</a>',
            '<img src="reports/.link-to-secret-for-test">',
            f'<object data="http://127.0.0.1:{listener.port}/object"></object>',
        ]
    )
    link.symlink_to(outside)
    try:
        refusing = StaticOnlyFetcher()
        pdf = HTML(
            string=f'<base href="http://127.0.0.1:{listener.port}/">{hostile}',
            base_url=static_root().as_uri() + "/",
            url_fetcher=refusing,
        ).write_pdf()
    finally:
        link.unlink()
    out = tmp_path / "hostile.pdf"
    out.write_bytes(pdf)
    assert listener.hits == []
    assert b"TOP SECRET" not in pdf
    assert attachments(out).startswith("0 embedded files")
    assert fetched and len(refusing.refused) == len(fetched)  # every one of them refused


def test_the_fetcher_serves_our_static_files_and_the_charts_it_was_handed():  # §13
    serving = StaticOnlyFetcher({"chart.svg": (b"<svg/>", "image/svg+xml")})
    css = serving.fetch((static_root() / "reports" / "paged.css").as_uri())
    assert b"counter(pages)" in css.read()
    assert serving.fetch("sadmf-memory:chart.svg").read() == b"<svg/>"
    with pytest.raises(RefusedResource):
        serving.fetch("sadmf-memory:other.svg")
    with pytest.raises(RefusedResource):
        serving.fetch("file:///etc/passwd")
