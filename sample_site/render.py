"""Markup of the sample site: each page kind through its Jinja2 template (``sample_site/templates``).

Two templates that look nothing alike on purpose: a health portal thick with noise (app bar, chips, ads,
相关推荐 cards whose markup varies by page) and a city 医保局 site in old XHTML with a sidebar. What varies
between editions without being an edit (counters, card windows, the sidebar's rotation) varies here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import PackageLoader

from sample_site.content import CITY_ICP, CITY_NAME, PORTAL_NAME
from sample_site.model import QAPage, collapse, h
from sample_site.seeds import answer_text
from sample_site.server import ORIGIN_MARK
from sample_site.templating import environment

ASSETS = Path(__file__).with_name("assets")  # served verbatim under /static/
REDESIGN_PREVIEW = 50  # characters of the answer edition 3's folded answer shows

ENV = environment(PackageLoader("sample_site", "templates"), trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True)  # fmt: skip
ENV.globals.update(portal_name=PORTAL_NAME, city_name=CITY_NAME, city_icp=CITY_ICP)


class Link(NamedTuple):
    """One line of a portal listing."""

    href: str
    title: str
    snippet: str


class Pager(NamedTuple):
    pages: int
    current: int  # 0-based


def counters(path: str, edition: int) -> tuple[int, int]:
    """View and like counters: change on every page between editions (must never make a version)."""
    return 1200 + h(f"{path}|{edition}|views", 98000), 3 + h(f"{path}|{edition}|likes", 900)


def snippet(page: QAPage) -> str:
    return collapse(answer_text(page.blocks))[:60] + "…"


def link(page: QAPage, query: str = "") -> Link:
    return Link(f"{page.path}?{query}" if query else page.path, page.question, snippet(page))


def date_spans(page: QAPage) -> list[tuple[str, str]]:
    """The dates a Q&A page shows in its meta line, as (class, text)."""
    if page.published and "visible" in page.date_style:
        spans = [("time", f"发布时间 {page.published}")]
        return spans + [("time", f"更新于 {page.updated}")] if page.updated else spans
    if page.published and not page.date_style:  # card pages: 健康新闻 + date, as in the related cards
        return [("src", "健康新闻"), ("time", page.published)]
    return []


def json_ld(page: QAPage, description: str, likes: int) -> dict[str, Any] | None:
    """schema.org QAPage data, for the pages whose date style includes it."""
    if not (page.published and "jsonld" in page.date_style):
        return None
    ld: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "mainEntity": {
            "@type": "Question",
            "name": page.question,
            "dateCreated": page.published,
            "answerCount": 1,
            "acceptedAnswer": {"@type": "Answer", "text": description + "…", "upvoteCount": likes},
        },
        "datePublished": page.published,
    }
    if page.updated:
        ld["dateModified"] = page.updated
    return ld


def portal_qa(page: QAPage, edition: int) -> str:
    views, likes = counters(page.path, edition)
    description = collapse(answer_text(page.blocks))[:90]
    state = {"qid": page.path.rsplit("/", 1)[-1][:-5], "pv": views, "like": likes, "ab": h(page.path, 4)}
    return ENV.get_template("portal/qa.html").render(
        page=page,
        description=description,
        json_ld=json_ld(page, description, likes),
        state=state,
        views=views,
        likes=likes,
        date_spans=date_spans(page),
        card_style=h(page.path + "|cards", 3),
    )


def portal_listing(
    title: str, sections: list[tuple[str, list[Link]]], pager: Pager | None, private_link: str = ""
) -> str:
    """A listing: sections of links; the home page (no pager) links to the full list and the private page."""
    return ENV.get_template("portal/listing.html").render(
        title=title, sections=sections, pager=pager, private_link=private_link
    )


def portal_download() -> str:
    return ENV.get_template("portal/download.html").render()


def city_qa(page: QAPage, others: list[QAPage], edition: int) -> str:
    views, _ = counters(page.path, edition)
    # The sidebar rotates between editions too (must never make a version).
    titles = [(p.path, p.question) for p in others]
    shift = h(f"{page.path}|{edition}|side", max(len(titles), 1))
    side = titles[shift:] + titles[:shift]
    return ENV.get_template("city/qa.html").render(page=page, side=side, views=views)


def city_listing(title: str, pages: list[QAPage]) -> str:
    return ENV.get_template("city/listing.html").render(title=title, pages=pages)


def sitemap(entries: list[tuple[str, str]]) -> str:
    """(path, lastmod) entries; the server puts its own origin in place of the mark."""
    return ENV.get_template("sitemap.xml").render(entries=entries, origin=ORIGIN_MARK)


def robots(disallow: str) -> str:
    return f"User-agent: *\nDisallow: {disallow}\n\nSitemap: {ORIGIN_MARK}/sitemap.xml\n"


def asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def portal_qa_redesign(page: QAPage, edition: int) -> str:
    """Edition 3's portal page: another template, the answer folded to a preview (see the template)."""
    views, likes = counters(page.path, edition)
    state = {"qid": page.path.rsplit("/", 1)[-1][:-5], "pv": views, "like": likes}
    preview = collapse(answer_text(page.blocks))[:REDESIGN_PREVIEW] + "…"
    return ENV.get_template("portal/redesign/qa.html").render(
        page=page, description=preview, state=state, views=views, preview=preview
    )


def city_shell(page: QAPage, others: list[QAPage], edition: int) -> str:
    """Edition 4's city page: a script shell without the answer (see the template)."""
    return ENV.get_template("city/shell.html").render(page=page)
