"""Issue 12 (3): ``kb crawl --spider refresh`` with no ``--site`` (the README's nightly) is not a crawl of
everything: each known page's own site is its scope, so a known page that starts redirecting elsewhere
(another port, another host, the cloud metadata address) is recorded, not followed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from kb import clock
from tests.security.scope_sites import HostileSite, fetch_errors, kb_crawl, qa_page, redirect

pytestmark = pytest.mark.slow

METADATA = "http://169.254.169.254/latest/meta-data/iam/"


@pytest.fixture(scope="module")
def refresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    db = f"sqlite:///{tmp_path_factory.mktemp('scope-refresh') / 'kb.sqlite'}"
    with HostileSite() as site, HostileSite() as other, HostileSite("127.0.0.8") as far:
        pages = {f"/qa{n}.html": qa_page(f"城乡居民医保第{n}问怎么缴费?") for n in range(8)}
        links = "".join(f"<a href='{p}'>问答</a>" for p in pages)
        site.routes.update({"/": qa_page("医保问答首页?", more=links), **pages})
        first = kb_crawl(db, "--start-url", f"{site.origin}/")
        assert first.returncode == 0, first.stderr
        # The night after: three known pages redirect out of their site.
        site.routes["/qa1.html"] = redirect(302, f"{other.origin}/moved.html")
        site.routes["/qa2.html"] = redirect(302, f"{far.origin}/moved.html")
        site.routes["/qa3.html"] = redirect(302, METADATA)
        for target in (other, far):
            target.routes["/moved.html"] = qa_page("别的站点的页面?")
        later = clock.iso(clock.now() + timedelta(days=400)) or ""  # every known page due
        result = kb_crawl(db, "--spider", "refresh", env={"KB_NOW": later})
        errors = {u.rsplit("/", 1)[-1]: k for u, k in fetch_errors(db).items()}
        yield {"result": result, "site": site, "other": other, "far": far, "errors": errors}


def test_refresh_without_site_revisits_the_known_pages(refresh: dict) -> None:
    assert refresh["result"].returncode in (0, 3), refresh["result"].stderr
    assert "/qa7.html" in refresh["site"].paths[-20:]


def test_refresh_without_site_does_not_follow_302_to_another_port(refresh: dict) -> None:
    assert refresh["other"].paths == []
    assert refresh["errors"]["qa1.html"] == "offsite_redirect"


def test_refresh_without_site_does_not_follow_302_to_another_host(refresh: dict) -> None:
    assert refresh["far"].paths == []
    assert refresh["errors"]["qa2.html"] == "offsite_redirect"


def test_refresh_without_site_does_not_follow_302_to_the_metadata_address(refresh: dict) -> None:
    assert refresh["errors"]["qa3.html"] == "offsite_redirect"
    assert "169.254.169.254" not in " ".join(refresh["errors"])
