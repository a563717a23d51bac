"""Write the static sample site (two sites x four editions) from the committed seeds.

``python -m sample_site.generate [OUT_DIR]`` rewrites ``sample_site/site/`` (or OUT_DIR). Deterministic:
no clock, no randomness (every "random" choice is a hash of a stable key), so the committed output can be
checked by regenerating it. Layout: ``site/edition<N>/{portal,city}/<url path>`` plus
``site/edition<N>/manifest.json``, the ground truth the tests, the demo and the benchmarks read.

Why two templates: the extractor must work by what blocks ARE (相关推荐 headings, repeated link cards,
footers), never by one site's class names, so the portal varies its card markup from page to page and the
city site looks nothing like it. Why edition 2: change detection must make versions for real edits only,
never for rotated related cards or counters, which change on every page. Why editions 3 and 4: edition 1's
content through a changed template (3: the portal redesigned, its answers folded behind 展开全文; 4: the
city site's pages a script shell), which must raise the template-change alarm (``kb.alarm``), not news.

The jobs live apart: ``content`` (what the site says by hand), ``pages`` (which pages an edition has),
``render`` and ``templates/`` (markup), ``manifest`` (ground truth); this module lays out the files.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from sample_site import render
from sample_site.content import PORTAL_NAME, SITEMAP_LASTMOD, TRACKING_CARD, TRACKING_QUERY
from sample_site.manifest import changes, other_entry, qa_entry
from sample_site.model import Edition, QAPage, card_key
from sample_site.pages import edition_pages
from sample_site.server import SITE_DIR

LIST_PAGE_SIZE = 20
EDITIONS = (1, 2, 3, 4)
# Editions that are edition 1's content through a changed template: {edition: (site, what changed)}.
TEMPLATE_CHANGES = {
    3: ("portal", "redesign: classes renamed, related cards above the answer, the answer folded behind 展开全文"),
    4: ("city", "broken extraction: every Q&A page a script shell, the answer fetched by script"),
}


class SiteFiles:
    """The files of one edition ({"portal/ask/x.html": text}) and their manifest entries, in order."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.entries: list[dict[str, Any]] = []

    def qa(self, page: QAPage, text: str) -> None:
        self.files[f"{page.site}{page.path}"] = text
        self.entries.append(qa_entry(page))

    def other(self, site: str, path: str, kind: str, text: str) -> None:
        rel = path + "index.html" if path.endswith("/") else path
        self.files[f"{site}{rel}"] = text
        self.entries.append(other_entry(site, path, kind))


def portal_listings(out: SiteFiles, ed: Edition) -> int:
    """The paginated full list and the home page (seeds, latest, shared); returns the number of lists."""
    public = ed.public
    n_lists = (len(public) + LIST_PAGE_SIZE - 1) // LIST_PAGE_SIZE
    for n in range(n_lists):
        links = [render.link(p) for p in public[n * LIST_PAGE_SIZE : (n + 1) * LIST_PAGE_SIZE]]
        text = render.portal_listing(f"医保问答 第{n + 1}页", [("全部问答", links)], render.Pager(n_lists, n))
        out.other("portal", f"/list/{n + 1}.html", "listing", text)
    sections = [("热门问答", [render.link(p) for p in ed.portal[:5]])]
    if ed.number == 2:
        sections.append(("最新问答", [render.link(p) for p in ed.added]))
        tracked = next(p for p in ed.portal if p.key == card_key(*TRACKING_CARD))
        sections.append(("分享热榜", [render.link(tracked, TRACKING_QUERY)]))
    home = render.portal_listing(f"{PORTAL_NAME} - 医保问题一问就懂", sections, None, ed.private.path)
    out.other("portal", "/", "listing", home)
    return n_lists


def portal_files(out: SiteFiles, ed: Edition) -> None:
    qa = render.portal_qa_redesign if TEMPLATE_CHANGES.get(ed.number, ("",))[0] == "portal" else render.portal_qa
    for page in [*ed.public, ed.private]:
        out.qa(page, qa(page, ed.number))
    n_lists = portal_listings(out, ed)
    out.other("portal", "/app/download.html", "other", render.portal_download())
    out.other("portal", "/static/m.css", "asset", render.asset("m.css"))
    out.other("portal", "/static/app.js", "asset", render.asset("app.js"))
    out.other("portal", "/robots.txt", "robots", render.robots("/private/"))
    base = SITEMAP_LASTMOD[ed.number]
    entries = [("/", base)] + [(f"/list/{n + 1}.html", base) for n in range(n_lists)]
    entries += [(p.path, p.updated or p.published or base) for p in ed.public]
    out.other("portal", "/sitemap.xml", "sitemap", render.sitemap(entries))


def city_files(out: SiteFiles, ed: Edition) -> None:
    qa = render.city_shell if TEMPLATE_CHANGES.get(ed.number, ("",))[0] == "city" else render.city_qa
    for page in ed.city:
        out.qa(page, qa(page, [p for p in ed.city if p.path != page.path], ed.number))
    by_date = sorted(ed.city, key=lambda p: (p.published or "", p.path), reverse=True)
    out.other("city", "/", "listing", render.city_listing("首页", by_date[:6]))
    out.other("city", "/zcwd/", "listing", render.city_listing("政策问答", by_date))
    if qa is render.city_shell:
        out.other("city", "/static/bundle.js", "asset", render.asset("bundle.js"))  # the shell's script
    out.other("city", "/robots.txt", "robots", render.robots("/admin/"))
    base = SITEMAP_LASTMOD[ed.number]
    entries = [("/", base), ("/zcwd/", base)] + [(p.path, p.published or base) for p in ed.city]
    out.other("city", "/sitemap.xml", "sitemap", render.sitemap(entries))


def build_edition(edition: int) -> tuple[dict[str, str], dict[str, Any]]:
    """All files of one edition ({"portal/ask/x.html": text}) and its manifest."""
    ed = edition_pages(edition)
    out = SiteFiles()
    portal_files(out, ed)
    city_files(out, ed)
    manifest: dict[str, Any] = {"edition": edition, "pages": out.entries}
    if edition == 2:
        manifest["changes"] = changes(ed)
    if edition in TEMPLATE_CHANGES:
        site, what = TEMPLATE_CHANGES[edition]
        manifest["template_change"] = {"of": 1, "site": site, "what": what}
    return out.files, manifest


def write_site(out: Path = SITE_DIR) -> int:
    """(Re)write every edition under ``out``; returns the number of files written."""
    if out.exists():
        shutil.rmtree(out)
    count = 0
    for edition in EDITIONS:
        files, manifest = build_edition(edition)
        root = out / f"edition{edition}"
        for rel, text in sorted(files.items()):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            count += 1
        (root / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8", newline="\n"
        )
        count += 1
    return count


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else SITE_DIR
    count = write_site(out)
    print(f"wrote {count} files under {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
