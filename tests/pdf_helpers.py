"""Reading rendered PDFs the way an auditor's tools do: poppler's pdftotext/pdfinfo/pdfdetach
and qpdf (FINDINGS.md: pdftotext drops a '-' at a line break, so compare squeezed text)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path


def text_of(pdf: Path, page: int | None = None, *, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else [])]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def squeeze(text: str) -> str:
    """Whitespace and hyphens removed: what survives any line breaking."""
    return re.sub(r"[\s\-‐]+", "", text)


def contains(text: str, *needles: str) -> list[str]:
    """The needles NOT found in the text (empty when all are there)."""
    flat = squeeze(text)
    return [n for n in needles if squeeze(n) not in flat]


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def info_of(pdf: Path) -> dict[str, str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in info.stdout.splitlines())
    )


def bookmarks(pdf: Path) -> list[str]:
    done = subprocess.run(
        ["qpdf", "--json", "--json-key=outlines", str(pdf)], capture_output=True, text=True
    )
    outlines = json.loads(done.stdout)["outlines"]

    def walk(items: list[dict]) -> list[str]:
        found = []
        for item in items:
            found.append(item["title"])
            found.extend(walk(item.get("kids", [])))
        return found

    return walk(outlines)


def attachments(pdf: Path) -> str:
    return subprocess.run(
        ["pdfdetach", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout


def every_page_numbered(pdf: Path) -> list[int]:
    """Pages whose footer does NOT read 'page X of Y'."""
    total = page_count(pdf)
    return [
        n
        for n in range(1, total + 1)
        if f"pageof{total}".replace("of", f"{n}of") not in squeeze(text_of(pdf, n))
    ]
