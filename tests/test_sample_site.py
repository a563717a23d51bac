"""The bundled sample site: seeds, generated editions, and the live server."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import urllib.robotparser
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from sample_site import render
from sample_site.generate import SITE_DIR, write_site
from sample_site.model import QAPage
from sample_site.seeds import answer_text, load_seeds
from sample_site.server import SampleSite


def test_seeds_shape() -> None:
    seeds = load_seeds()
    assert [s["id"] for s in seeds] == ["s000", "s001", "s002", "s003", "s004"]
    assert sum(len(s["cards"]) for s in seeds) == 100
    assert {s["id"] for s in seeds if s["disclaimer"]} == {"s000", "s003", "s004"}
    for seed in seeds:
        assert seed["tip"].startswith("提示:本内容不能代替面诊")
        assert seed["blocks"] and all(
            b["type"] in {"paragraph", "heading", "list", "table"} for b in seed["blocks"]
        )
        on_topic = [c for c in seed["cards"] if c["on_topic"]]
        assert 0 < len(on_topic) < len(seed["cards"])  # every seed mixes on- and off-topic cards
        for card in seed["cards"]:
            assert card["title"] and len(card["snippet"]) > 50
            assert "首页 顶部" not in card["snippet"]


def test_seed_table_split_by_hand() -> None:
    table = next(b for b in load_seeds()[0]["blocks"] if b["type"] == "table")
    assert table["rows"][0] == ["对比维度", "一级账户", "二级账户"]
    assert [row[0] for row in table["rows"][1:]] == ["资金来源", "使用范围", "记账规则"]
    assert all(len(row) == 3 for row in table["rows"])


def test_answer_text_rendering() -> None:
    blocks = [
        {"type": "paragraph", "text": "甲"},
        {"type": "heading", "text": "1. 乙", "level": 3},
        {"type": "list", "ordered": False, "items": ["a", "b"]},
        {"type": "list", "ordered": True, "items": ["c", "d"]},
        {"type": "table", "rows": [["h1", "h2"], ["x", "y"]]},
    ]
    assert answer_text(blocks) == (
        "甲\n\n1. 乙\n\n- a\n- b\n\n1. c\n2. d\n\n| h1 | h2 |\n| --- | --- |\n| x | y |"
    )


# ---------------------------------------------------------------- generated site


def _site_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generator_matches_committed_output(tmp_path: Path) -> None:
    write_site(tmp_path / "site")
    fresh, committed = _site_files(tmp_path / "site"), _site_files(SITE_DIR)
    assert sorted(fresh) == sorted(committed), "run `python -m sample_site.generate` and commit"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"committed site is stale: {stale[:5]}"


def _page(question: str, text: str, date_style: tuple[str, ...] = ()) -> QAPage:
    blocks = [{"type": "paragraph", "text": text}]
    return QAPage(
        "x", None, "portal", "/ask/x.html", question, blocks, published="2025-01-01", date_style=date_style
    )


def test_templates_escape_what_a_page_says() -> None:
    html = render.portal_qa(_page('<script>alert("x")</script> & 更多', "<i>甲</i>"), 1)
    assert "<script>alert" not in html and "<i>" not in html
    assert '<h1 class="q-title">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 更多</h1>' in html
    assert "<p>&lt;i&gt;甲&lt;/i&gt;</p>" in html


def test_json_in_a_script_is_json_and_never_closes_the_script() -> None:
    html = render.portal_qa(_page("<b>粗体</b>", "乙", ("jsonld",)), 1)
    assert '{"@type": "Question", "name": "<b>粗体</b>"' in html
    with pytest.raises(ValueError, match="break out of its <script>"):
        render.portal_qa(_page("</SCRIPT><script>alert(1)</script>", "乙", ("jsonld",)), 1)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def _links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return [u for u in parser.links if not u.startswith(("javascript:", "#", "mailto:"))]


def _file(edition: int, site: str, path: str) -> Path:
    rel = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
    return SITE_DIR / f"edition{edition}" / site / rel


@pytest.mark.parametrize("edition", [1, 2, 3, 4])
def test_every_link_resolves(edition: int) -> None:
    manifest = SampleSite.manifest(edition)
    served = {(p["site"], p["path"]) for p in manifest["pages"]}
    linked: set[tuple[str, str]] = set()
    for site, path in served:
        if not path.endswith((".html", "/")):
            continue
        for link in _links(_file(edition, site, path).read_text(encoding="utf-8")):
            parts = urlsplit(link)
            assert not parts.scheme and not parts.netloc and link.startswith("/"), f"{path}: {link}"
            assert (site, parts.path) in served, f"{site}{path} links to missing {link}"
            linked.add((site, parts.path))
    # Every Q&A page is reachable by links (listing pages included), so a crawl from "/" finds them all.
    qa = {(p["site"], p["path"]) for p in manifest["pages"] if p["kind"] in ("qa", "robots_disallowed")}
    assert qa <= linked
    if edition == 2:
        gone = {(g["site"], g["path"]) for g in manifest["changes"]["gone"]}
        assert not gone & (served | linked)
        assert all(_file(1, *g).exists() for g in gone)


def _text(html: str) -> str:
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", re.sub(r"(?s)<(script|style)\b.*?</\1>", "", html)))


def test_portal_noise_is_bigger_than_the_answer_and_varied() -> None:
    """As on the real pages: 相关推荐 outweighs the answer, and its markup differs between pages."""
    card_classes: set[str] = set()
    for page in SampleSite.manifest(1)["pages"]:
        if page["site"] != "portal" or page["kind"] != "qa":
            continue
        html = _file(1, "portal", page["path"]).read_text(encoding="utf-8")
        related = html[html.index("相关推荐") : html.index("<footer")]
        assert len(_text(related)) > len(re.sub(r"\s+", "", page["answer"])), page["path"]
        card_classes.add(re.search(r'<(?:div|li) class="([^"]+)"><', related.split("\n", 3)[-1]).group(1))
    assert len(card_classes) >= 3


def test_manifest_edition1() -> None:
    manifest = SampleSite.manifest(1)
    qa = [p for p in manifest["pages"] if p["kind"] == "qa"]
    portal = [p for p in qa if p["site"] == "portal"]
    city = [p for p in qa if p["site"] == "city"]
    assert len(portal) == 105 and 8 <= len(city) - 2 <= 10
    assert {p["entry_key"] for p in city} < {p["entry_key"] for p in portal}
    both = {p["seed"] for p in city if p["entry_key"] == p["seed"]}
    assert both == {"s001", "s003"}
    seeds = {s["id"]: s for s in load_seeds()}
    for page in qa:
        assert page["answer"] == answer_text(page["answer_blocks"])
        assert page["published"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", page["published"])
        if page["entry_key"] in seeds:
            seed = seeds[page["entry_key"]]
            assert page["answer"] == answer_text(seed["blocks"]) and page["question"] == seed["question"]
            assert page["has_verification_disclaimer"] == (
                page["site"] == "portal" and bool(seed["disclaimer"])
            )
    assert sum(not p["is_medical_insurance"] for p in portal) == 41
    assert all(p["is_medical_insurance"] for p in city)


def test_manifest_edition2_changes() -> None:
    one, two = SampleSite.manifest(1), SampleSite.manifest(2)
    changes = two["changes"]
    assert len(changes["changed"]) == 3 and {c["what"] for c in changes["changed"]} == {
        "number",
        "paragraph",
        "disclaimer",
    }
    assert len(changes["gone"]) == 2 and len(changes["added"]) == 2
    pages1 = {(p["site"], p["path"]): p for p in one["pages"] if p["kind"] == "qa"}
    pages2 = {(p["site"], p["path"]): p for p in two["pages"] if p["kind"] == "qa"}
    keys_on = {
        site: {p["entry_key"] for k, p in pages1.items() if k[0] == site} for site in ("portal", "city")
    }
    changed = {(c["site"], c["path"]) for c in changes["changed"]}
    for key in changed:  # changed entries live on one site only
        assert pages1[key]["entry_key"] not in keys_on["city"]
    number = next(c for c in changes["changed"] if c["what"] == "number")
    old, new = pages1[(number["site"], number["path"])], pages2[(number["site"], number["path"])]
    assert "3000元" in old["answer"] and "3000元" not in new["answer"]
    assert new["answer"] == old["answer"].replace("3000元", "4000元")
    # Only the listed entries differ in content between editions.
    differ = {k for k in pages1.keys() & pages2.keys() if _content(pages1[k]) != _content(pages2[k])}
    assert differ == changed
    added = {(a["site"], a["path"]) for a in changes["added"]}
    dup = changes["near_duplicate"]
    assert set(pages2) - set(pages1) == added | {(dup["site"], dup["path"])}
    assert set(pages1) - set(pages2) == {(g["site"], g["path"]) for g in changes["gone"]}
    copy, orig = pages2[(dup["site"], dup["path"])], pages2[(dup["copy_of"]["site"], dup["copy_of"]["path"])]
    assert copy["entry_key"] == orig["entry_key"] and copy["answer"] != orig["answer"]
    assert copy["answer"] == orig["answer"].replace(dup["old_sentence"], dup["new_sentence"])
    assert re.findall(r"\d+", dup["old_sentence"]) == re.findall(r"\d+", dup["new_sentence"])
    tracking = changes["tracking_url"]
    home = _file(2, tracking["site"], "/").read_text(encoding="utf-8")
    assert f'href="{tracking["path"]}?{tracking["query"]}"' in home
    # Noise changed on every page that stayed: bytes differ although the content does not.
    for site, path in pages1.keys() & pages2.keys():
        html1, html2 = (_file(e, site, path).read_text(encoding="utf-8") for e in (1, 2))
        assert html1 != html2, path
        assert _links(html1) != _links(html2), f"related cards / sidebar not rotated on {path}"


def _content(page: dict) -> tuple:
    return (page["question"], page["answer"], page["has_verification_disclaimer"])


def test_robots_disallow_holds_a_linked_page() -> None:
    manifest = SampleSite.manifest(1)
    private = [p for p in manifest["pages"] if p["kind"] == "robots_disallowed"]
    assert len(private) == 1 and private[0]["path"].startswith("/private/")
    robots = _file(1, "portal", "/robots.txt").read_text(encoding="utf-8")
    assert "Disallow: /private/" in robots.splitlines()
    assert f'href="{private[0]["path"]}"' in _file(1, "portal", "/").read_text(encoding="utf-8")
    sitemap = _file(1, "portal", "/sitemap.xml").read_text(encoding="utf-8")
    assert "/private/" not in sitemap and sitemap.count("<lastmod>") == sitemap.count("<loc>") > 100


# ---------------------------------------------------------------- live server


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_server_validators_and_editions() -> None:
    manifest = SampleSite.manifest(2)
    changed = manifest["changes"]["changed"][0]
    gone = manifest["changes"]["gone"][0]
    with SampleSite(edition=1) as site:
        assert site.portal_url.startswith("http://127.0.0.1:") and site.city_url.startswith(
            "http://127.0.0.2:"
        )
        assert site.start_urls == [site.portal_url + "/", site.city_url + "/"]
        status, headers, body = _get(site.url("portal", changed["path"]))
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        etag, last_modified = headers["ETag"], headers["Last-Modified"]
        assert "3000元" in body.decode("utf-8")
        assert _get(site.url("portal", changed["path"]), {"If-None-Match": etag})[0] == 304
        assert _get(site.url("portal", changed["path"]), {"If-Modified-Since": last_modified})[0] == 304
        assert _get(site.url("portal", changed["path"] + "?from=share"))[0] == 200
        assert _get(site.url("portal", "/ask/nope.html"))[0] == 404
        status, _, body = _get(site.url("city", "/zcwd/"))
        assert status == 200 and "政策问答" in body.decode("utf-8")
        robots = _get(site.url("portal", "/robots.txt"))[2].decode()
        assert f"Sitemap: {site.portal_url}/sitemap.xml" in robots
        assert _get(site.url("portal", gone["path"]))[0] == 200
        assert site.hits("portal", changed["path"]) == 4
        assert site.hits("portal", changed["path"] + "?from=share") == 1
        assert {r["status"] for r in site.requests} == {200, 304, 404}

        site.set_edition(2)
        site.reset_log()
        status, headers, body = _get(site.url("portal", changed["path"]), {"If-None-Match": etag})
        assert status == 200 and headers["ETag"] != etag and "4000元" in body.decode("utf-8")
        assert headers["Last-Modified"] != last_modified
        assert _get(site.url("portal", gone["path"]))[0] == 404
        assert len(site.requests) == 2 and site.requests[0]["headers"]["If-None-Match"] == etag
        # A page whose bytes did not change keeps its validators across editions.
        same = _get(site.url("portal", "/static/m.css"))[1]
        site.set_edition(1)
        assert _get(site.url("portal", "/static/m.css"))[1]["ETag"] == same["ETag"]


def test_server_latency_and_stop() -> None:
    site = SampleSite(latency=0.05)
    with site:
        start = time.monotonic()
        assert _get(site.url("portal", "/"))[0] == 200
        assert time.monotonic() - start >= 0.05
        url = site.url("portal", "/")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=1)


def test_served_by_hand_on_one_fixed_port() -> None:
    """`python -m sample_site.server --port N` (the README's way, what the env example crawls): both sites
    on port N; a port already taken is one line and exit 2."""
    with SampleSite(port=0) as probe:  # a port free on both addresses
        port = probe.portal_url.rsplit(":", 1)[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "sample_site.server", "--port", port], stdout=subprocess.PIPE, text=True
    )
    try:
        banner = server.stdout.readline() if server.stdout else ""
        assert f"portal http://127.0.0.1:{port}/" in banner and f"city http://127.0.0.2:{port}/" in banner
        portal = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        city = urllib.request.urlopen(f"http://127.0.0.2:{port}/zcwd/", timeout=10).read()
        assert portal != city and b"/zcwd/" in city
        taken = subprocess.run(
            [sys.executable, "-m", "sample_site.server", "--port", port],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert taken.returncode == 2 and taken.stderr.strip().splitlines() == [
            f"sample_site.server: cannot serve on port {port}: Address already in use"
        ]
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.parametrize("edition", [1, 2])
def test_polite_crawl_over_http_finds_the_sitemap(edition: int) -> None:
    """A robots-respecting BFS from the start URLs reaches exactly the sitemap's pages on both hosts."""
    manifest = SampleSite.manifest(edition)
    with SampleSite(edition=edition) as site:
        robots = {}
        for name in ("portal", "city"):
            parser = urllib.robotparser.RobotFileParser(site.url(name, "/robots.txt"))
            parser.read()
            robots[site.url(name, "")] = parser
        seen: set[str] = set()
        queue = list(site.start_urls)
        while queue:
            url = queue.pop()
            if url in seen:
                continue
            seen.add(url)
            status, headers, body = _get(url)
            assert status == 200, url
            if not headers["Content-Type"].startswith("text/html"):
                continue
            for link in _links(body.decode("utf-8")):
                absolute = urljoin(url, link)
                origin = absolute[: absolute.index("/", len("http://"))]
                if robots[origin].can_fetch("*", absolute) and absolute not in seen:
                    queue.append(absolute)
        assert not [r for r in site.requests if r["path"].startswith("/private/")]
        sitemap_urls: set[str] = set()
        for name in ("portal", "city"):
            xml = _get(site.url(name, "/sitemap.xml"))[2].decode("utf-8")
            sitemap_urls |= set(re.findall(r"<loc>([^<]+)</loc>", xml))
    pages = {site_url for site_url in seen if site_url.endswith((".html", "/")) and "?" not in site_url}
    qa = [p for p in manifest["pages"] if p["kind"] in ("qa", "listing")]
    assert sitemap_urls <= pages and len(sitemap_urls) == len(qa)
    assert {u for u in pages - sitemap_urls if "/app/" not in u} == set()
    assert any("?from=share" in u for u in seen) == (edition == 2)
