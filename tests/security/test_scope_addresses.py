"""Issue 12 (4): the address a host resolves to is checked when the crawler connects.

``KB_RESOLVE`` pins a public-looking name (``kb-public.example``) to a loopback alias, the way a
subdomain pointed at 10.x or 169.254.169.254 would behave: the crawl refuses to connect, records why
against the page, and fetches it only when the site's profile says ``allow_private = true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.scope_sites import HostileSite, fetch_error_details, fetch_errors, kb_crawl, qa_page

pytestmark = pytest.mark.slow

NAME = "kb-public.example"
ALIAS = "127.0.0.5"


@pytest.fixture(scope="module")
def site() -> Iterator[HostileSite]:
    pages = {f"/qa{n}.html": qa_page(f"生育津贴第{n}问怎么领?") for n in range(3)}
    links = "".join(f"<a href='{p}'>问答</a>" for p in pages)
    with HostileSite(ALIAS, {"/": qa_page("医保问答首页?", more=links), **pages}) as served:
        yield served


def crawl(site: HostileSite, folder: Path, url: str, *args: str, profile: str | None = None) -> dict:
    env = {"KB_RESOLVE": f"{NAME}={ALIAS}"}
    if profile is not None:
        (folder / "profiles").mkdir()
        (folder / "profiles" / "kb-public.toml").write_text(profile, encoding="utf-8")
        env["KB_PROFILE_DIRS"] = os.pathsep.join(
            [os.environ.get("KB_PROFILE_DIRS", ""), str(folder / "profiles")]
        )
    db = f"sqlite:///{folder / 'kb.sqlite'}"
    site.paths.clear()
    result = kb_crawl(db, "--start-url", url, *args, env=env)
    return {
        "result": result,
        "paths": list(site.paths),
        "errors": fetch_errors(db),
        "details": fetch_error_details(db),
    }


def test_public_name_resolving_to_a_private_address_is_refused(site: HostileSite, tmp_path: Path) -> None:
    url = f"http://{NAME}:{site.port}/"
    out = crawl(site, tmp_path, url)
    assert out["paths"] == []  # not even robots.txt
    assert out["errors"][url] == "private_address"
    assert f"resolves to {ALIAS} (loopback)" in out["details"][url]
    assert out["result"].returncode == 1  # the only site failed, and says why
    assert "private_address" in out["result"].stdout


def test_public_name_resolving_to_a_private_address_is_fetched_with_allow_private(
    site: HostileSite, tmp_path: Path
) -> None:
    url = f"http://{NAME}:{site.port}/"
    profile = f'hosts = ["{NAME}"]\nallow_private = true\n'
    out = crawl(site, tmp_path, url, "--site", "kb-public", profile=profile)
    assert out["result"].returncode == 0, out["result"].stderr
    assert {"/", "/qa2.html"} <= set(out["paths"])
    assert "private_address" not in out["errors"].values()


def test_ipv4_mapped_ipv6_form_of_a_loopback_address_is_refused(site: HostileSite, tmp_path: Path) -> None:
    # Not "named as loopback" (the operator wrote an IPv6 address); the IPv4 inside is what is judged.
    url = f"http://[::ffff:{ALIAS}]:{site.port}/"
    out = crawl(site, tmp_path, url)
    assert out["paths"] == []
    assert out["errors"][url] == "private_address"


def test_loopback_named_explicitly_on_the_command_line_is_fetched(site: HostileSite, tmp_path: Path) -> None:
    out = crawl(site, tmp_path, f"{site.origin}/")
    assert out["result"].returncode == 0, out["result"].stderr
    assert "/qa1.html" in out["paths"]
