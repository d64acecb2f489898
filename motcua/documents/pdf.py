"""PDF rendering with WeasyPrint: a Django template in, PDF bytes out.

Stylesheets and images load from our static files (`{% static %}`) and `data:` URIs only: the
fetcher refuses the network and the rest of the disk, so content placed in a document can never
make the server fetch a URL (SSRF) or read a file.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# WeasyPrint logs every rendering step at INFO; keep its warnings and errors only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _base_url() -> str:
    return settings.MOTCUA_BASE_URL.rstrip("/") + "/"


def static_path(url: str) -> Path | None:
    """The file behind a static URL (absolute or relative to MOTCUA_BASE_URL), if any."""
    prefix = urljoin(_base_url(), settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    relative = unquote(urlsplit(url[len(prefix) :]).path)
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:  # `../` out of the static directories
        return None
    if not found and settings.STATIC_ROOT:
        candidate = (Path(settings.STATIC_ROOT) / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(Path(settings.STATIC_ROOT).resolve()):
            found = str(candidate)
    return Path(found) if found else None


class StaticOnlyFetcher(URLFetcher):
    """Resolves static files and data: URIs; everything else fails (and is left out)."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_path(url)
        if path is None:
            raise ValueError(f"not a static file: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """Render `template_name` with `context` to PDF bytes (A4 with documents/a4_base.html)."""
    html = render_to_string(template_name, context, request=request)
    document = HTML(string=html, base_url=_base_url(), url_fetcher=StaticOnlyFetcher())
    return document.write_pdf()
