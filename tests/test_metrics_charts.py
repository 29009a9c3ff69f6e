"""Charts drawn on the server (§12, §13): deterministic SVG with a text alternative, clean
under the Content Security Policy, reusable unchanged in the PDFs."""

import re
import xml.etree.ElementTree as ET

from convoy.metrics import charts

SVG = "{http://www.w3.org/2000/svg}"


def wait_chart(slug: str = "wait") -> str:
    return charts.bar_chart(
        slug=slug,
        title="Wait from done to production",
        labels=["0–1 weeks", "1–2 weeks", "2–4 weeks"],
        values=[0, 4, 11],
        unit="Changes",
    )


def test_the_same_numbers_draw_the_same_bytes():
    assert wait_chart() == wait_chart()


def test_a_chart_carries_its_title_and_the_numbers_as_its_text_alternative():
    root = ET.fromstring(wait_chart())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "wait-title wait-desc"
    assert root.find(f"{SVG}title").text == "Wait from done to production"
    description = root.find(f"{SVG}desc").text
    assert "0–1 weeks: 0; 1–2 weeks: 4; 2–4 weeks: 11" in description


def test_a_chart_has_no_inline_style_for_the_content_security_policy():
    svg = wait_chart()
    assert "<style" not in svg
    assert " style=" not in svg
    assert 'fill="#1c6e8c"' in svg  # the bars' colour survives as an attribute


def test_a_chart_has_no_date_and_no_xml_prolog():
    svg = wait_chart()
    assert svg.startswith("<svg")
    assert "<dc:date" not in svg and "metadata" not in svg


def test_two_charts_on_one_page_share_no_id():
    ids_a = re.findall(r' id="([^"]+)"', wait_chart("a"))
    ids_b = re.findall(r' id="([^"]+)"', wait_chart("b"))
    assert ids_a and not set(ids_a) & set(ids_b)
    assert all(i.startswith("a-") for i in ids_a)


def test_text_stays_text():  # selectable in the PDFs
    root = ET.fromstring(wait_chart())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1–2 weeks" in texts


def test_an_undefined_ratio_draws_the_bands_and_says_undefined():  # R48
    svg = charts.gauge_chart(
        slug="fcr",
        title="Feature Completion Ratio",
        value=None,
        bands=[(0, 60, "Black", "#000"), (60, 140, "Green", "#080")],
    )
    root = ET.fromstring(svg)
    assert "Feature Completion Ratio: undefined." in root.find(f"{SVG}desc").text
    assert "Undefined" in [t.text for t in root.iter(f"{SVG}text")]


def test_the_comparison_chart_names_both_sides():  # §12
    svg = charts.comparison_chart(
        slug="cmp",
        title="The Convoy beside the replay",
        measures=["Batch size", "Time to restore"],
        convoy=[27, None],
        replay=[1, 3.5],
        convoy_label="The Convoy",
        replay_label="One by one",
    )
    description = ET.fromstring(svg).find(f"{SVG}desc").text
    assert "Batch size: The Convoy 27, One by one 1" in description
    assert "Time to restore: The Convoy —, One by one 3.5" in description


def test_weasyprint_draws_the_same_svg_as_vector_text(tmp_path):  # §13
    import subprocess

    from weasyprint import HTML

    pdf = tmp_path / "chart.pdf"
    HTML(string=f"<html><body>{wait_chart()}</body></html>").write_pdf(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "1–2 weeks" in text
    assert "Changes" in text
