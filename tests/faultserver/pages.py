"""Markup of the fault site's good pages: Q&A pages, the start page, robots.txt and sitemaps."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemLoader

from sample_site.templating import environment
from tests.faultserver.content import FAULT_PATHS, QA, ROBOTS, SPECIAL_LINKS

ENV = environment(FileSystemLoader(Path(__file__).with_name("templates")))


def qa_html(
    question: str,
    paragraphs: list[str],
    *,
    canonical: str | None = None,
    charset: str = "utf-8",
    more: str | None = None,
) -> str:
    """A Q&A page; ``more`` links the next page of a chain."""
    return ENV.get_template("qa.html").render(
        question=question, paragraphs=paragraphs, canonical=canonical, charset=charset, more=more
    )


def good_paths() -> list[str]:
    return [f"/qa/{n}.html" for n in QA]


def index_html(faults: bool) -> str:
    """The start page: the good pages, and with ``faults`` a link to every special and fault page."""
    links = [(f"/qa/{n}.html", q) for n, (q, _) in QA.items()]
    if faults:
        links += SPECIAL_LINKS
        links += [(p, f"医保问答故障页面 {k} 的标题") for p, k in FAULT_PATHS.items() if "loop-b" not in p]
    return ENV.get_template("index.html").render(links=links)


def robots_txt(origin: str, crawl_delay: float | None) -> str:
    text = ROBOTS + (f"Crawl-delay: {crawl_delay}\n" if crawl_delay else "")
    return text + f"Sitemap: {origin}/sitemap_index.xml\n"


def sitemap_index(origin: str) -> bytes:
    """An index naming a gzipped sitemap."""
    return ENV.get_template("sitemap_index.xml").render(origin=origin).encode()


def sitemap(origin: str) -> bytes:
    return ENV.get_template("sitemap.xml").render(origin=origin, paths=good_paths()).encode()
