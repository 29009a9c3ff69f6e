"""The only URL fetcher WeasyPrint is given (§13: rendering never reaches the network or the
file system beyond the app's own static files).

It serves:
- files under the app's static directory (`static/`), after resolving the path (`..`,
  `%2e%2e` and symlinks are resolved first, then the result must still lie under it);
- in-memory resources the renderer was handed (charts), under the `sadmf-memory:` scheme.

Everything else is refused: http(s), ftp, `data:`, `file://` outside static or with a host.
A refusal raises, so WeasyPrint skips the resource and logs it; nothing user-written can
widen this, because the fetcher never looks at the document.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint.urls import URLFetcher, URLFetcherResponse

MEMORY_SCHEME = "sadmf-memory"


class RefusedResource(ValueError):
    """A resource outside what the document may read."""


def static_root() -> Path:
    """The app's own static files (STATICFILES_DIRS[0], i.e. <repo>/static)."""
    return Path(settings.STATICFILES_DIRS[0]).resolve()


def memory_url(name: str) -> str:
    return f"{MEMORY_SCHEME}:{name}"


class StaticOnlyFetcher(URLFetcher):
    """Serves static files and the given in-memory resources; refuses everything else."""

    def __init__(self, resources: Mapping[str, tuple[bytes, str]] | None = None, **kwargs):
        kwargs.setdefault("allowed_protocols", ("file", MEMORY_SCHEME))
        super().__init__(**kwargs)
        self.root = static_root()
        self.resources = dict(resources or {})
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == MEMORY_SCHEME:
            return self._memory(url, parts.path)
        if scheme == "file" and parts.netloc == "":
            return self._static(url, unquote(parts.path))
        self.refused.append(url)
        raise RefusedResource(f"Refused: {url[:200]}")

    def _memory(self, url: str, name: str) -> URLFetcherResponse:
        if name not in self.resources:
            self.refused.append(url)
            raise RefusedResource(f"Refused: no in-memory resource {name[:80]}")
        body, content_type = self.resources[name]
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

    def _static(self, url: str, path: str) -> URLFetcherResponse:
        try:
            resolved = Path(path).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            self.refused.append(url)
            raise RefusedResource(f"Refused: {url[:200]}") from error
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            self.refused.append(url)
            raise RefusedResource(f"Refused: {url[:200]}")
        content_type = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=resolved.read_bytes(), headers={"Content-Type": content_type}
        )
