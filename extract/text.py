"""Small text helpers shared by the extractor modules (whitespace, element text, URLs)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

_WS = re.compile(r"\s+")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# C0 controls but tab and newline, DEL, and C1: ESC/BEL/CSI sequences from a page must never reach an
# editor's terminal (``kb show``, report.md) as escapes.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def squash(text: str | None) -> str:
    """Collapse every whitespace run (incl. NBSP and ideographic space) to one space, trimmed."""
    if not text:
        return ""
    return _WS.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def compact(text: str | None) -> str:
    """Text without any whitespace: how Chinese text is compared (spacing is not content)."""
    if not text:
        return ""
    return _WS.sub("", text.replace("\u3000", "").replace("\xa0", ""))


def strip_controls(text: str) -> str:
    """``text`` without control characters (newline and tab stay)."""
    return _CONTROLS.sub("", text) if text else text


def quote_controls(url: str) -> str:
    """A URL with its control characters percent-encoded (as a browser sends them): same link, inert."""
    return _CONTROLS.sub(lambda m: "".join(f"%{b:02X}" for b in m.group(0).encode("utf-8")), url) if url else url


def han_count(text: str) -> int:
    return len(_HAN.findall(text))


def element_text(el, limit: int | None = None) -> str:
    """Squashed text content of an lxml element; stops early after ``limit`` characters."""
    if limit is None:
        try:
            return squash(el.text_content())
        except (ValueError, AttributeError):
            return ""
    parts: list[str] = []
    size = 0
    for chunk in el.itertext():
        parts.append(chunk)
        size += len(chunk.strip())
        if size > limit:
            break
    return squash("".join(parts))


@lru_cache(maxsize=8192)  # the cleaning passes ask about the same links many times per page
def page_link(href: str | None, base: str) -> str | None:
    """Absolute http(s) URL of a link that leads to another page, else None (anchors, js, mail)."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "file") or (parts.scheme != "file" and not parts.netloc):
        return None
    return url.split("#", 1)[0]
