"""Bytes to text: BOMs, declared versus real charsets, the GB family; and bodies that are no text at all.

Why not trust the declaration: Chinese sites often declare UTF-8 and serve GBK (or the
reverse). We pick the candidate that decodes cleanly, preferring strict UTF-8, then the
declared codec, then GB18030 (a superset of GB2312 and GBK).
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([a-zA-Z0-9_\-]+)", re.I)

# Codecs that are really a smaller GB codec's superset: decode with the superset.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "euc-cn": "gb18030",
    "hz-gb-2312": "gb18030",
    "big5": "big5hkscs",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",
    "ascii": "utf-8",
}


def _normalize(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_encodings(body: bytes, content_type: str | None) -> list[str]:
    """Encodings the response claims, header first, then <meta> and the XML declaration."""
    found: list[str] = []
    if content_type:
        m = _HEADER_CHARSET.search(content_type)
        if m:
            found.append(m.group(1))
    head = body[:4096]
    for rx in (_META_CHARSET, _XML_DECL):
        m = rx.search(head)
        if m:
            found.append(m.group(1).decode("ascii", "ignore"))
    out: list[str] = []
    for name in found:
        norm = _normalize(name)
        if norm and norm not in out:
            out.append(norm)
    return out


_SINGLE_BYTE = {"cp1252", "latin_1", "iso8859-15", "ascii"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _looks_gb(body: bytes) -> bool:
    """A page declared Latin-1 that decodes as GB18030 into mostly Han characters is GB."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    high = sum(1 for ch in text if ord(ch) > 127)
    return high > 20 and len(_CJK.findall(text)) > 0.8 * high


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, codec name). Never raises: the last resort replaces bad bytes."""
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc
    declared = declared_encodings(body, content_type)
    candidates = ["utf-8"] + [d for d in declared if d != "utf-8"]
    if "gb18030" not in candidates:
        candidates.append("gb18030")
    for enc in candidates:
        try:
            text = body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc in _SINGLE_BYTE and _looks_gb(body):
            return body.decode("gb18030"), "gb18030"
        return text, enc
    # Nothing decodes cleanly: take the candidate with the fewest replacement characters.
    best_text, best_enc, best_bad = "", "utf-8", None
    for enc in candidates:
        try:
            text = body.decode(enc, errors="replace")
        except LookupError:
            continue
        bad = text.count("\ufffd")
        if best_bad is None or bad < best_bad:
            best_text, best_enc, best_bad = text, enc, bad
    return best_text, best_enc


GARBAGE_HEAD = 8192  # bytes looked at: a page's first 8 KiB are markup and text, never control bytes


def garbage_reason(body: bytes) -> str | None:
    """Why a body cannot be a text page (``empty_body``, ``binary``), else None.

    One rule for the crawl and ``kb extract``: a 200 whose body is garbage is a fault of the fetch and
    must never replace what the KB has; a file that is garbage has no answer. Binary is a NUL or more
    than 1% control bytes in the head, read as text when a UTF-16/32 BOM says the NULs are encoding.
    """
    if not body.strip():
        return "empty_body"
    head = bytes(body[:GARBAGE_HEAD])
    codes: bytes | list[int] = head
    for bom, enc in _BOMS:
        if enc.startswith(("utf-16", "utf-32")) and head.startswith(bom):
            codes = [ord(ch) for ch in head[len(bom) :].decode(enc, errors="replace")]
            break
    if 0 in codes:
        return "binary"
    controls = sum(1 for c in codes if c < 32 and c not in (9, 10, 12, 13))
    return "binary" if controls > len(codes) // 100 else None
