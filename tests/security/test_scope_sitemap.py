"""Issue 12 (1, 4, 5): a hostile sitemap cannot make the sitemap spider read a file, another scheme,
another port or host, neither by its ``<loc>``s nor by a ``<meta refresh>`` on a sitemap URL (the
spider's first requests skip the dupefilter, never the scope).
"""

from __future__ import annotations

import base64
import os
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
    secret_file,
    urls_seen,
)

pytestmark = pytest.mark.slow

MARKER = "SECRET5519"
DATA_MARKER = "DATA8812"


def sitemap(locs: list[str]) -> tuple[int, dict[str, str], bytes]:
    urls = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    body = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    return 200, {"Content-Type": "application/xml"}, body.encode()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("scope-sitemap")
    secret = secret_file(folder, MARKER)
    db = f"sqlite:///{folder / 'kb.sqlite'}"
    data_page = qa_page(f"data 网址里的医保问题{DATA_MARKER}?", DATA_MARKER)[2]
    with HostileSite("127.0.0.6") as site, HostileSite("127.0.0.6") as other, HostileSite("127.0.0.7") as far:
        good = {f"/qa{n}.html": qa_page(f"异地就医第{n}问怎么备案?") for n in range(6)}
        hostile_locs = {
            "file": f"file://127.0.0.6{secret}",  # the site's own host: a host-only scope let it in
            "data": "data:text/html;base64," + base64.b64encode(data_page).decode(),
            "ftp": "ftp://127.0.0.6:1/ftp.html",  # a closed port: refused at once if tried
            "other_port": f"{other.origin}/loc-other-port.html",
            "other_host": f"{far.origin}/loc-far.html",
        }
        site.routes.update(
            {
                **good,
                "/sitemap.xml": sitemap([f"{site.origin}{p}" for p in good] + list(hostile_locs.values())),
                "/moved.xml": html(
                    "<p>moved</p>", f"<meta http-equiv='refresh' content='0;url={far.origin}/sitemap.xml'>"
                ),
            }
        )
        other.routes["/loc-other-port.html"] = qa_page("另一个端口的页面?")
        far.routes.update(
            {
                "/sitemap.xml": sitemap([f"{far.origin}/far-qa.html"]),
                "/far-qa.html": qa_page("另一个主机的页面?"),
                "/loc-far.html": qa_page("另一个主机的页面?"),
            }
        )
        profiles = folder / "profiles"
        profiles.mkdir()
        (profiles / "hostile-sitemap.toml").write_text(
            f'hosts = ["127.0.0.6"]\nsitemaps = ["{site.origin}/sitemap.xml", "{site.origin}/moved.xml"]\n',
            encoding="utf-8",
        )
        env = {"KB_PROFILE_DIRS": os.pathsep.join([os.environ.get("KB_PROFILE_DIRS", ""), str(profiles)])}
        # The start URL names the site's loopback address explicitly (the resolver lets it connect).
        args = ("--spider", "sitemap", "--site", "hostile-sitemap", "--start-url", f"{site.origin}/")
        result = kb_crawl(db, *args, env=env)
        yield {
            "result": result,
            "db": db,
            "site": site,
            "other": other,
            "far": far,
            "errors": {
                u.rsplit("/", 1)[-1]: k for u, k in fetch_errors(db).items() if u.startswith(site.origin)
            },
        }


def test_sitemap_crawl_fetched_the_sites_own_locs(crawl: dict) -> None:
    assert crawl["result"].returncode in (0, 3), crawl["result"].stderr
    assert "/qa5.html" in crawl["site"].paths


def test_file_loc_in_a_sitemap_is_never_read(crawl: dict) -> None:
    assert not [u for u in urls_seen(crawl["db"]) if u.startswith("file:")]
    assert MARKER not in kb_text(crawl["db"])


def test_data_and_ftp_locs_in_a_sitemap_are_never_requested(crawl: dict) -> None:
    assert not [u for u in urls_seen(crawl["db"]) if u.startswith(("data:", "ftp:"))]
    assert DATA_MARKER not in kb_text(crawl["db"])


def test_sitemap_locs_on_another_port_or_host_are_not_fetched(crawl: dict) -> None:
    assert crawl["other"].paths == []
    assert "/loc-far.html" not in crawl["far"].paths


def test_sitemap_meta_refresh_to_another_host_is_refused_and_recorded(crawl: dict) -> None:
    assert crawl["far"].paths == []
    assert crawl["errors"]["moved.xml"] == "offsite_redirect"


def test_sitemap_locs_out_of_scope_are_counted(crawl: dict) -> None:
    dropped = last_run_args(crawl["db"])["out_of_scope"]
    assert dropped["scheme"] == 3 and dropped["offsite"] >= 3  # 2 locs + the meta refresh
