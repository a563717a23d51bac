"""``extract_page``: bytes + URL -> ExtractedPage. Pure (no Scrapy, no database), never raises.

Order matters: read the head and structured data first (question, dates, canonical), then clean
the DOM of noise (keeping the related links), decide whether the page is a listing, let
trafilatura find the main text on what is left, turn it into typed blocks, and finally take the
disclaimer, the tip and boilerplate lines out of the answer.
"""

from __future__ import annotations

import re

import lxml.html
import trafilatura
from lxml import etree

from extract import appdata, appstate
from extract.blocks import (
    Block,
    from_html,
    from_trafilatura_tree,
    merge_bullets,
    render,
    select_by_text,
)
from extract.decode import decode_body
from extract.garbage import garbage_reason
from extract.layout_tables import unwrap_layout_tables, wrap_loose_text
from extract.meta import (
    find_title_element,
    pick_h1,
    pick_question,
    read_meta,
    site_names,
    strip_question,
    title_core,
    to_date,
    visible_dates,
)
from extract.model import ExtractedPage
from extract.noise.clean import clean_lines, clean_structure
from extract.notices import not_the_pages, page_notices, pick_notice
from extract.text import compact, element_text, han_count, quote_controls, strip_controls
from extract.topic import classify
from extract.trim import strip_notices

RULES_VERSION = "9"  # bump whenever a rule of ours changes what a page extracts to
# trafilatura chooses the main text: a new trafilatura can change answers as much as a rule of ours.
EXTRACTOR_VERSION = f"{RULES_VERSION}+traf{trafilatura.__version__}"

MAX_BYTES = 3_000_000  # bigger bodies are cut: bounded time on huge pages
MAX_ELEMENTS = 60_000  # beyond this many elements the tail of the page is dropped
MIN_ANSWER_CHARS = 8
MAX_ANSWER_CHARS = 50_000  # no real answer is longer; beyond it the answer is cut (``note`` says so)
LOW_CONFIDENCE = 0.5  # below this an answer is listed for an editor to look at
_UPDATED_WORD = re.compile(r"更新|修改|编辑于|最后编辑|updated", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Comments go at parse time: "When <!-- -->President<!-- --> Trump" is one sentence, and
# trafilatura drops the text after a comment node it meets in a tree it did not parse itself.
_PARSER = lxml.html.HTMLParser(remove_comments=True, remove_pis=True)
# Every element an HtmlElement by lxml's C-level default lookup: lxml.html's own per-tag lookup runs
# Python code for each element proxy the passes touch (millions per hundred pages). Nothing here
# needs its form/input/label classes.
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)


def extract_page(body: bytes, url: str, content_type: str | None = None) -> ExtractedPage:
    """Extract one page. Never raises: any failure is a page with ``no_answer`` saying why."""
    try:
        page = _extract(body if isinstance(body, bytes | bytearray) else b"", str(url or ""), content_type)
    except Exception as exc:  # noqa: BLE001 - the contract: never raise on any input
        page = ExtractedPage(
            url=str(url or ""), page_type="other", no_answer=f"extractor error: {type(exc).__name__}"
        )
    page.extractor_version = EXTRACTOR_VERSION
    return _without_controls(page)


def _without_controls(page: ExtractedPage) -> ExtractedPage:
    """Every text the page gave us, less control characters; its URLs with them percent-encoded."""
    page.question = strip_controls(page.question)
    page.answer = strip_controls(page.answer)
    page.disclaimer = strip_controls(page.disclaimer) if page.disclaimer else page.disclaimer
    page.medical_tip = strip_controls(page.medical_tip) if page.medical_tip else page.medical_tip
    for block in page.answer_blocks:
        if isinstance(block.get("text"), str):
            block["text"] = strip_controls(block["text"])
        if "items" in block:
            block["items"] = [strip_controls(i) for i in block["items"]]
        if "rows" in block:
            block["rows"] = [[strip_controls(c) for c in row] for row in block["rows"]]
    page.related = [{"title": strip_controls(r["title"]), "url": quote_controls(r["url"])} for r in page.related]
    page.canonical_url = quote_controls(page.canonical_url) if page.canonical_url else page.canonical_url
    return page


def _parse(text: str):
    text = _XML_DECL.sub("", text[:MAX_BYTES])
    if not text.strip():
        return None
    try:
        root = lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    _bound(root)
    return root


def _bound(root) -> None:
    """Cut pathological trees: too many elements, or nesting deeper than any real page."""
    count = 0
    for el in root.iter():
        count += 1
        if count > MAX_ELEMENTS:
            parent = el.getparent()
            if parent is not None:
                for sib in list(el.itersiblings()):
                    parent.remove(sib)
                parent.remove(el)
            break


def _extract(body: bytes, url: str, content_type: str | None) -> ExtractedPage:
    page = ExtractedPage(url=url)
    if not body:
        page.page_type = "other"
        page.no_answer = "empty body"
        return page
    text, encoding = decode_body(bytes(body[:MAX_BYTES]), content_type)
    page.encoding = encoding
    if content_type and not re.search(r"html|xml|text/plain", content_type, re.I):
        page.page_type = "other"
        page.no_answer = f"not an HTML page ({content_type.split(';')[0].strip()})"
        return page
    if garbage := garbage_reason(body):  # the decoded text of a binary is no answer
        page.page_type = "other"
        page.no_answer = "empty body" if garbage == "empty_body" else "binary body: not a text page"
        return page
    root = _parse(text)
    if root is None:
        page.page_type = "other"
        page.no_answer = "not an HTML page (nothing to parse)"
        return page

    meta = read_meta(root, url)
    page.lang = meta.lang
    page.canonical_url = meta.canonical
    h1_el, meta.h1 = pick_h1(root, meta)
    page.question = pick_question(meta)
    title_el = h1_el if h1_el is not None else find_title_element(root, page.question)
    protected = [title_el] if title_el is not None else []
    notices = page_notices(root, title_el)  # before cleaning: the cleaner drops side boxes and bars

    report = clean_structure(root, url, url, protected)
    body_el = root.find("body")
    visible = element_text(body_el if body_el is not None else root, 20_000)
    pub, upd = visible_dates(visible)
    if not pub:
        pub = _time_element(root)
    datelines = clean_lines(root, protected)
    if not pub:
        pub = next((d for line in datelines if not _UPDATED_WORD.search(line) and (d := to_date(line))), None)
    unwrap_layout_tables(root)
    wrap_loose_text(root)
    page.related = report.related + [r for r in appdata.related(meta, url) if r["url"] != url]
    page.published = meta.published or pub or appdata.published(meta)
    page.updated = meta.updated or upd

    blocks, method = _main_blocks(root, h1_el)
    blocks, notes = strip_notices(blocks, page.question, site_names(meta))
    for kind in ("disclaimer", "tip"):
        if notes[kind] and not_the_pages(notices, notes[kind]):
            notes[kind] = None  # the main text took in a footer's or a card's notice: out, no flag
    page.has_verification_disclaimer = notes["disclaimer"] is not None
    page.disclaimer = notes["disclaimer"]
    page.has_medical_tip = notes["tip"] is not None
    page.medical_tip = notes["tip"]

    blocks, method = _app_state(page, meta, blocks, method)
    blocks = _thread_replies(page, blocks, report.comments, site_names(meta))

    # A notice in a box of its own outside the answer (a statement bar, a note below, a side box).
    if not page.has_verification_disclaimer and (text := pick_notice(notices, "disclaimer", root)):
        page.has_verification_disclaimer, page.disclaimer = True, text
    if not page.has_medical_tip and (text := pick_notice(notices, "tip", root)):
        page.has_medical_tip, page.medical_tip = True, text

    blocks, page.note = _capped(blocks)
    page.answer_blocks = blocks
    page.answer = render(blocks)
    if not page.published and not page.updated and page.answer:
        page.published = _htmldate(root)

    answer_chars = len(compact(page.answer))
    if report.cards + report.section_links >= 5 and answer_chars < 30 and not meta.is_qa_schema:
        page.page_type = "listing"
        page.no_answer = "listing page: mostly links to other pages"
    elif answer_chars < MIN_ANSWER_CHARS:
        page.page_type = "other"
        page.no_answer = "no answer text found" if page.question else "no question and no answer found"
    elif not page.question:
        page.page_type = "other"
        page.no_answer = "no question found"
    else:
        page.page_type = "qa"
    if page.page_type == "listing" or answer_chars < MIN_ANSWER_CHARS:
        page.answer, page.answer_blocks = "", []

    page.is_medical_insurance, page.topic = classify(page.question, page.answer)
    page.method = method if page.answer else "none"
    page.confidence = _confidence(page)
    return page


def _capped(blocks: list[Block]) -> tuple[list[Block], str | None]:
    """The leading blocks that fit in ``MAX_ANSWER_CHARS``, and a note when any were cut: a page that
    long is a page gone wrong, and every later step (diffs, reports, the terminal) pays for its size."""
    sizes = [len(render([b])) + 2 for b in blocks]  # + the blank line between blocks
    if sum(sizes) - 2 <= MAX_ANSWER_CHARS:
        return blocks, None
    kept: list[Block] = []
    total = 0
    for block, size in zip(blocks, sizes, strict=True):
        if total + size - 2 > MAX_ANSWER_CHARS:
            room = MAX_ANSWER_CHARS - total
            if room >= 200 or not kept:  # the cut block's start, as text
                kept.append({"type": "paragraph", "text": render([block])[:room].rstrip()})
            break
        kept.append(block)
        total += size
    return kept, f"answer cut at {MAX_ANSWER_CHARS:,} characters".replace(",", " ")


_METHOD_TRUST = {"main": 1.0, "appstate": 0.85, "fallback": 0.45, "none": 0.0}


def _confidence(page: ExtractedPage) -> float:
    """How far to trust the answer: by how it was found, how much of it there is, whether a question
    stands over it, whether it shares the question's words, and whether it reads like a list of links
    (a listing or a sidebar taken for the answer). Low is worth an editor's look."""
    if not page.answer:
        return 0.0
    chars = len(compact(page.answer))
    size = min(1.0, 0.5 + chars / 400)  # 8 chars -> 0.52, 200+ chars -> 1.0
    asked = 1.0 if page.question else 0.7
    return round(_METHOD_TRUST.get(page.method, 0.5) * size * asked * _shape(page, chars), 3)


def _shape(page: ExtractedPage, chars: int) -> float:
    """1.0 for an answer that looks like one; less for short list lines or text off the question."""
    short_items = sum(
        len(compact(i)) for b in page.answer_blocks if b["type"] == "list" for i in b["items"] if len(i) < 30
    )
    factor = 0.6 if chars and short_items > 0.7 * chars else 1.0
    q = compact(page.question)
    grams = {q[i : i + 2] for i in range(len(q) - 1) if han_count(q[i : i + 2]) == 2}
    if len(grams) >= 3 and not any(g in page.answer for g in grams):
        factor *= 0.6  # not one of the question's words in the answer: likely another item's text
    return factor


_NOTICE_HINT = re.compile(r"仅供|核实|为准|面诊|医嘱|\\u4ec5\\u4f9b|\\u6838\\u5b9e|\\u4e3a\\u51c6", re.I)


def _app_state(page: ExtractedPage, meta, blocks: list[Block], method: str) -> tuple[list[Block], str]:
    """The answer from the app state / JSON-LD when the DOM gave none (a client-rendered shell) or
    only the whole-body fallback; the notices beside it whenever the page has not shown its own."""
    shell = len(compact(render(blocks))) < 40
    hinted = any(_NOTICE_HINT.search(text) for _kind, text in meta.state_scripts)
    if not (shell or method == "fallback" or (hinted and not page.has_verification_disclaimer)):
        return blocks, method
    if not meta.jsonld and not meta.state_scripts:
        return blocks, method
    found = appstate.find(meta.jsonld + meta.app_state, page.question or title_core(meta.title))
    if found is None:
        return blocks, method
    app_blocks, more = strip_notices(found.blocks, page.question or found.question, site_names(meta))
    size = len(compact(render(app_blocks)))
    if (shell and size > len(compact(render(blocks)))) or (method == "fallback" and size >= 40):
        blocks, method = app_blocks, "appstate"
        page.question = page.question or strip_question(found.question)
    else:
        more = {"disclaimer": None, "tip": None}
    disclaimer, tip = found.disclaimer or more["disclaimer"], found.tip or more["tip"]
    if disclaimer and not page.has_verification_disclaimer:
        page.has_verification_disclaimer, page.disclaimer = True, disclaimer
    if tip and not page.has_medical_tip:
        page.has_medical_tip, page.medical_tip = True, tip
    return blocks, method


def _thread_replies(page: ExtractedPage, blocks: list[Block], comments: list, names: set[str]) -> list[Block]:
    """A thread whose opening post is a line or two: its replies are the answer, not comments on it
    (they are dropped as comments only when the page has an answer of its own)."""
    own = len(compact(render(blocks)))
    if own >= 80 or not comments:
        return blocks
    replies = [b for el in comments for b in from_html(el)]
    replies, _notes = strip_notices(replies, page.question, names)
    if len(compact(render(replies))) < max(200, 5 * own):
        return blocks
    return merge_bullets(blocks + replies)


def _trafilatura_tree(root):
    """trafilatura's choice as its XML output tree, built from the tree we hand it: what
    ``trafilatura.extract(output_format="xml")`` serializes, without the serializing, the re-parsing
    (twice) and the content fingerprint that only its string output needs."""
    options = dict(include_tables=True, include_comments=False, include_images=False, include_links=False,
                   favor_recall=True, fast=False, deduplicate=False)  # fmt: skip
    try:
        from trafilatura.utils import sanitize_tree
        from trafilatura.xml import build_xml_output, remove_empty_elements, strip_double_tags

        doc = trafilatura.bare_extraction(root, output_format="xml", as_dict=False, **options)
        if doc is None or getattr(doc, "body", None) is None:
            return None
        strip_double_tags(doc.body)
        remove_empty_elements(doc.body)
        return sanitize_tree(build_xml_output(doc))
    except Exception:  # noqa: BLE001 - trafilatura can fail on odd trees: the fallback takes over
        return None


def _main_blocks(root, h1_el) -> tuple[list[Block], str]:
    """trafilatura chooses the main text on the cleaned tree; we render the chosen DOM blocks.

    trafilatura's own XML can merge paragraphs around inline labels and drop headings; the DOM
    keeps the page's real structure. When the DOM blocks do not cover what trafilatura chose
    (text it assembled itself), its XML is used instead.
    """
    tree = _trafilatura_tree(root)
    body = root.find("body")
    dom = from_html(body) if body is not None else []
    if tree is None:
        return merge_bullets(dom), "fallback"  # trafilatura chose nothing: the whole cleaned body
    xml_blocks = from_trafilatura_tree(tree)
    chosen = render(xml_blocks)
    picked = select_by_text(dom, chosen)
    total = len(compact(chosen))
    if total and len(compact(render(picked))) >= 0.85 * total:
        return merge_bullets(picked), "main"
    return merge_bullets(xml_blocks), "main"


def _time_element(root) -> str | None:
    """The first <time datetime> left after cleaning (the cards' own <time>s are gone by then)."""
    for el in root.iter("time"):
        d = to_date(el.get("datetime") or "")
        if d:
            return d
    return None


def _htmldate(root) -> str | None:
    """htmldate as the last resort, on the cleaned tree: a related card's date is gone by then."""
    try:
        from htmldate import find_date

        found = find_date(root, url=None, original_date=True, extensive_search=False)
    except Exception:  # noqa: BLE001
        return None
    return to_date(found) if found else None
