"""Issue 12 (1, 4): a hostile page's links and redirects cannot make a discover crawl leave its scope.

One real ``kb crawl`` from a start page on 127.0.0.1:PORT whose links and redirects try every way out:
a local file, ftp, another port of the same host (by link, 302, protocol-relative 301, meta refresh, a
``user@`` link) and another host. Each test names one attack and checks it went nowhere, was recorded
against the page that tried it, and was counted.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.scope_sites import (
    HostileSite,
    fetch_errors,
    html,
    kb_crawl,
    kb_text,
    last_run_args,
    qa_page,
    redirect,
    secret_file,
    urls_seen,
)

pytestmark = pytest.mark.slow

MARKER = "SECRET7731"
# The site's own pages: most of what it serves is fine, so the site itself is not a failed one.
GOOD_PAGES = {f"/qa{n}.html": qa_page(f"职工医保门诊第{n}问怎么报销?") for n in range(10)}
GOOD_LINKS = "".join(f"<a href='{path}'>问答</a>" for path in GOOD_PAGES)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("scope-links")
    secret = secret_file(folder, MARKER)
    db = f"sqlite:///{folder / 'kb.sqlite'}"
    with HostileSite() as site, HostileSite() as other, HostileSite("127.0.0.8") as far:
        o, f = other.origin, far.origin
        other_netloc = f"127.0.0.1:{other.port}"
        links = {
            "file": f"file://127.0.0.1{secret}",
            "file_bare": f"file://{secret}",
            "ftp": "ftp://127.0.0.1:1/ftp.html",  # a closed port: refused at once if tried
            "other_port": f"{o}/linked.html",
            "protocol_relative_link": f"//{other_netloc}/protocol-relative-link.html",
            "userinfo": f"http://user:pw@{other_netloc}/userinfo.html",
            "userinfo_confusion": f"http://127.0.0.1:{site.port}@{other_netloc}/confusion.html",
            "other_host": f"{f}/far.html",
        }
        anchors = "".join(f"<a href='{href}'>{name}</a> " for name, href in links.items())
        redirects = "".join(
            f"<a href='/{name}.html'>{name}</a> "
            for name in (
                "302",
                "301-protocol-relative",
                "meta-refresh",
                "302-file",
                "302-far",
                "canonical-elsewhere",
            )
        )
        site.routes.update(
            {
                "/": html(f"<h1>首页</h1>{anchors}{redirects}" + GOOD_LINKS),
                **GOOD_PAGES,
                "/302.html": redirect(302, f"{o}/redirected.html"),
                "/301-protocol-relative.html": redirect(301, f"//{other_netloc}/protocol-relative.html"),
                "/meta-refresh.html": html(
                    "<p>moved</p>", f"<meta http-equiv='refresh' content='0;url={o}/refreshed.html'>"
                ),
                "/302-file.html": redirect(302, links["file"]),
                "/302-far.html": redirect(302, f"{f}/redirected.html"),
                "/canonical-elsewhere.html": qa_page(
                    "医保卡丢了怎么补办?", head=f"<link rel='canonical' href='{o}/canonical.html'>"
                ),
            }
        )
        for target in (other, far):
            target.routes.update(
                {
                    p: qa_page(f"不该抓到的页面{p}?")
                    for p in (
                        "/linked.html",
                        "/redirected.html",
                        "/protocol-relative.html",
                        "/protocol-relative-link.html",
                        "/refreshed.html",
                        "/userinfo.html",
                        "/confusion.html",
                        "/far.html",
                        "/ftp.html",
                    )
                }
            )
        result = kb_crawl(db, "--start-url", f"{site.origin}/")
        yield {
            "result": result,
            "db": db,
            "site": site,
            "other": other,
            "far": far,
            "errors": {
                u.split("/", 3)[-1]: k for u, k in fetch_errors(db).items() if u.startswith(site.origin)
            },
        }


def test_the_crawl_itself_ran_and_kept_the_sites_own_page(crawl: dict) -> None:
    assert crawl["result"].returncode in (0, 3), crawl["result"].stderr
    assert any(u.endswith("/qa9.html") for u in urls_seen(crawl["db"]))


def test_file_link_on_a_page_is_never_read(crawl: dict) -> None:
    assert not [u for u in urls_seen(crawl["db"]) if u.startswith("file:")]
    assert MARKER not in kb_text(crawl["db"])


def test_ftp_link_on_a_page_is_never_requested(crawl: dict) -> None:
    assert not [u for u in urls_seen(crawl["db"]) if u.startswith("ftp:")]


def test_links_of_other_schemes_are_counted_and_shown(crawl: dict) -> None:
    dropped = last_run_args(crawl["db"])["out_of_scope"]
    assert dropped["scheme"] >= 3  # two file: links, one ftp: link
    assert dropped["offsite"] >= 5
    assert "not fetched, out of scope" in crawl["result"].stdout


def test_link_to_another_port_of_the_same_host_is_not_followed(crawl: dict) -> None:
    assert "/linked.html" not in crawl["other"].paths
    assert "/protocol-relative-link.html" not in crawl["other"].paths


def test_user_at_host_links_do_not_reach_another_port(crawl: dict) -> None:
    assert "/userinfo.html" not in crawl["other"].paths
    assert "/confusion.html" not in crawl["other"].paths


def test_302_to_another_port_is_refused_and_recorded(crawl: dict) -> None:
    assert "/redirected.html" not in crawl["other"].paths
    assert crawl["errors"]["302.html"] == "offsite_redirect"


def test_protocol_relative_301_to_another_port_is_refused_and_recorded(crawl: dict) -> None:
    assert "/protocol-relative.html" not in crawl["other"].paths
    assert crawl["errors"]["301-protocol-relative.html"] == "offsite_redirect"


def test_meta_refresh_to_another_port_is_refused_and_recorded(crawl: dict) -> None:
    assert "/refreshed.html" not in crawl["other"].paths
    assert crawl["errors"]["meta-refresh.html"] == "offsite_redirect"


def test_302_to_a_local_file_is_refused_and_recorded(crawl: dict) -> None:
    assert crawl["errors"]["302-file.html"] == "offsite_redirect"
    assert MARKER not in kb_text(crawl["db"])


def test_another_host_is_reached_by_neither_link_nor_redirect(crawl: dict) -> None:
    assert crawl["far"].paths == []
    assert crawl["errors"]["302-far.html"] == "offsite_redirect"


def test_nothing_at_all_reached_the_other_port(crawl: dict) -> None:
    assert crawl["other"].paths == []


def test_rel_canonical_on_another_port_does_not_become_a_known_page(crawl: dict) -> None:
    # Stored under it, the other port's URL would be revisited by every later refresh.
    seen = urls_seen(crawl["db"])
    assert any(u.endswith("/canonical-elsewhere.html") for u in seen)
    assert not [u for u in seen if f":{crawl['other'].port}/" in u]
