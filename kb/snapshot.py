"""What the crawl hands the KB: one observation of one URL. The seam between crawler and kb."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from extract.model import ExtractedPage


@dataclass
class Snapshot:
    """One fetch of one URL, as ``kb.ingest.ingest`` takes it.

    ``status`` is the HTTP status, or 0 when no response came (then ``error`` says why:
    ``timeout``, ``connection``, ``too_large``, ``bad_body`` …). ``page`` is the extraction of
    ``body`` (None for a 304, an error, or a body that is not a page).
    """

    url: str  # canonical URL: the page's identity
    status: int
    fetched_at: datetime
    site: str = "generic"
    fetched_url: str | None = None  # what was actually requested, when it differs
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    body: bytes | None = None
    page: ExtractedPage | None = None
    error: str | None = None
    error_detail: str = ""
    priority: int = 0  # source priority from the site profile (higher wins when copies merge)
    gone_after: int = 1  # 404/410 answers in a row before the page counts as gone
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """Counts as fetched: the site answered (a fetch with no response, such as a refused connection,
        and a ``kb reextract`` are no fetch)."""
        return self.observed and self.status != 0

    @property
    def observed(self) -> bool:
        """A fetch is an observation of the site; a ``kb reextract`` of a stored body is not."""
        return self.extra.get("source") != "reextract"
