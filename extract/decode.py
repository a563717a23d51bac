"""Bytes to text: ``w3lib.encoding.html_to_unicode``, with the bytes outranking a wrong declaration.

w3lib reads what a browser reads, in a browser's order: a BOM, the HTTP Content-Type charset, then
``<meta charset>`` / the XML declaration, and only when nothing is declared calls our
``auto_detect_fun``. Chinese sites often declare UTF-8 and serve GBK (or the reverse, or
ISO-8859-1 from a server default), so what this module adds to w3lib is that, BOMs aside, a
declaration is one candidate, not the verdict:

1. strict UTF-8 first: bytes that decode as UTF-8 without an error are UTF-8, whatever is
   declared (GBK bytes almost never form valid UTF-8 by accident);
2. then the declared codec (the header's, then the page's own ``<meta>``: a server-wide header is
   often the wrong one), if it decodes without an error, except that a single-byte declaration
   (ISO-8859-1 / windows-1252) on bytes that read as Han text in GB18030 is GB;
3. then GB18030 (a superset of GB2312 and GBK);
4. when nothing decodes cleanly, the candidate with the fewest replacement characters.

The same rule is the auto-detect hook for undeclared pages. Also not in w3lib: a declared codec
that is no text encoding (``charset=base64``, ``idna``, ``undefined``) makes ``html_to_unicode``
raise; here it is a page without a usable declaration.
"""

from __future__ import annotations

import re

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom, to_unicode

_SINGLE_BYTE = {"cp1252", "iso8859-15"}  # w3lib resolves latin-1 and ascii labels to cp1252
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _looks_gb(body: bytes) -> bool:
    """A page declared Latin-1 that decodes as GB18030 into mostly Han characters is GB."""
    try:
        text = body.decode("gb18030")
    except UnicodeDecodeError:
        return False
    high = sum(1 for ch in text if ord(ch) > 127)
    return high > 20 and len(_CJK.findall(text)) > 0.8 * high


def _replacements(body: bytes, enc: str) -> float:
    try:
        return to_unicode(body, enc).count("\ufffd")
    except (UnicodeError, LookupError):
        return float("inf")


def _pick_codec(body: bytes, declared: list[str | None]) -> str:
    """The codec the bytes agree with: strict UTF-8, a declared codec, GB18030, else the least bad."""
    candidates = list(dict.fromkeys(["utf-8", *(d for d in declared if d), "gb18030"]))
    for enc in candidates:
        try:
            body.decode(enc)
        except (UnicodeError, LookupError):
            continue
        if enc in _SINGLE_BYTE and _looks_gb(body):
            return "gb18030"
        return enc
    return min(candidates, key=lambda enc: _replacements(body, enc))


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, codec name). Never raises: the last resort replaces bad bytes."""
    sniffed = False

    def sniff(data: bytes) -> str:
        nonlocal sniffed
        sniffed = True
        return _pick_codec(data, [])

    try:
        enc, text = html_to_unicode(content_type, body, auto_detect_fun=sniff)
    except (UnicodeError, LookupError):  # a declared "codec" that is no text encoding
        enc, text = "", ""
    else:
        if sniffed or read_bom(body)[0] is not None:
            return text, enc
    # A declaration: the bytes have the last word, and the page's own <meta> is a second opinion
    # when the header's charset is wrong.
    best = _pick_codec(body, [enc, html_body_declared_encoding(body)])
    return (text, enc) if best == enc else (to_unicode(body, best), best)
