"""The extractor: one pure function from a fetched body to an :class:`ExtractedPage`.

``from extract import extract_page, EXTRACTOR_VERSION``, and ``garbage_reason`` (is a body text at all).
No Scrapy, no database: the crawl, ``kb extract`` and ``kb reextract`` all run this same code. Bump
``extract.core.RULES_VERSION`` whenever a rule changes what a page extracts to; ``EXTRACTOR_VERSION``
adds trafilatura's version to it ("9+traf2.3.1"), so stored versions say which rules made them.
"""

from __future__ import annotations

from extract.core import EXTRACTOR_VERSION, LOW_CONFIDENCE, extract_page
from extract.garbage import garbage_reason
from extract.model import ExtractedPage

__all__ = ["EXTRACTOR_VERSION", "LOW_CONFIDENCE", "ExtractedPage", "extract_page", "garbage_reason"]
