"""Staleness suite: the clock is driven (``now=``), never slept on, through the rise and clearing of
every flag, with windows from the site profiles."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from kb import editors
from kb.db import session as kb_session
from kb.flags import policy_years, refresh_flags
from kb.ingest import ingest
from kb.models import Event, Flag
from sites import profiles
from tests.test_kb_helpers import CITY, PORTAL, seed, snap

T0 = datetime(2025, 3, 1, 9, 0)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)



def open_flags(s: Session, entry_id: str) -> dict[str, str]:
    rows = s.exec(select(Flag).where(Flag.entry_id == entry_id, Flag.cleared_at.is_(None))).all()
    return {f.name: f.reason for f in rows}


def flag_events(s: Session, kind: str) -> list[str]:
    return [json.loads(e.detail)["flag"] for e in s.exec(select(Event).where(Event.kind == kind)).all()]


def test_needs_verification_and_changed_since_verified(db_url: str) -> None:
    q, a, disc = seed(0)
    assert disc
    url = f"{PORTAL}/ask/s000.html"
    with kb_session(db_url) as s:
        r = ingest(s, snap(url, q, a, disclaimer=True, at=T0), None, now=T0)
        assert set(open_flags(s, r.entry_id)) == {"needs_verification"}
        assert "disclaimer" in open_flags(s, r.entry_id)["needs_verification"]
        _, cleared = editors.verify(
            s, r.entry_id, "editor-li", "checked against 国家医保服务平台", now=day(1)
        )
        assert cleared == ["needs_verification"] and open_flags(s, r.entry_id) == {}
        # unchanged recrawl keeps it verified
        ingest(s, snap(url, q, a, disclaimer=True, at=day(2)), None, now=day(2))
        assert open_flags(s, r.entry_id) == {}
        # the content changes: the verification was for version 1
        ingest(s, snap(url, q, a.replace("3000元", "4000元"), disclaimer=True, at=day(3)), None, now=day(3))
        flags = open_flags(s, r.entry_id)
        assert set(flags) == {"needs_verification", "changed_since_verified"}
        assert "editor-li verified version 1" in flags["changed_since_verified"]
        _, cleared = editors.verify(s, r.entry_id, "editor-li", now=day(4))
        assert sorted(cleared) == ["changed_since_verified", "needs_verification"]
        assert open_flags(s, r.entry_id) == {}


def test_official_sentence_counts_as_a_disclaimer(db_url: str) -> None:
    q, a, _ = seed(2)
    with kb_session(db_url) as s:
        r = ingest(
            s, snap(f"{PORTAL}/ask/s002.html", q, a + "\n\n具体以当地医保部门公布的政策为准。"), None, now=T0
        )
        assert "以当地医保部门公布的政策为准" in open_flags(s, r.entry_id)["needs_verification"]


@pytest.mark.parametrize(
    ("base", "site", "disclaimer"),
    [(PORTAL, "sample-portal", False), (PORTAL, "sample-portal", True), (CITY, "sample-city", False)],
)
def test_stale_window_per_site_raise_and_clear(db_url: str, base: str, site: str, disclaimer: bool) -> None:
    profile = profiles.get(site)
    window = profile.stale_days_disclaimer if disclaimer else profile.stale_days
    q, a, _ = seed(1)
    url = f"{base}/x/s001.html"
    with kb_session(db_url) as s:
        r = ingest(s, snap(url, q, a, disclaimer=disclaimer, at=T0), None, now=T0)
        if disclaimer:
            editors.verify(s, r.entry_id, "editor-wang", now=T0)
        assert "stale" not in open_flags(s, r.entry_id)
        refresh_flags(s, now=day(window - 1))
        assert "stale" not in open_flags(s, r.entry_id)
        counts = refresh_flags(s, now=day(window + 1))
        assert counts["stale"] == (1, 0)
        reason = open_flags(s, r.entry_id)["stale"]
        assert f"window {window} days" in reason
        # refreshing again changes nothing
        assert refresh_flags(s, now=day(window + 2))["stale"] == (0, 0)
        # an editor vouches: cleared, and the clock restarts from the verification
        _, cleared = editors.verify(s, r.entry_id, "editor-wang", now=day(window + 3))
        assert "stale" in cleared
        refresh_flags(s, now=day(2 * window + 2))
        assert "stale" not in open_flags(s, r.entry_id)
        refresh_flags(s, now=day(2 * window + 4))
        assert "stale" in open_flags(s, r.entry_id)
        # the page itself says it was updated: that vouches too
        updated = day(2 * window + 5).strftime("%Y-%m-%d")
        ingest(
            s,
            snap(url, q, a, disclaimer=disclaimer, at=day(2 * window + 5), updated=updated),
            None,
            now=day(2 * window + 5),
        )
        assert "stale" not in open_flags(s, r.entry_id)
        assert flag_events(s, "flag_raised").count("stale") == 2
        assert flag_events(s, "flag_cleared").count("stale") == 2


def test_stale_counts_from_the_page_date_not_the_crawl(db_url: str) -> None:
    q, a, _ = seed(1)
    with kb_session(db_url) as s:
        # first crawled today, but the page says it was published 200 days ago (portal window 180)
        published = (T0 - timedelta(days=200)).strftime("%Y-%m-%d")
        r = ingest(s, snap(f"{PORTAL}/ask/old.html", q, a, at=T0, published=published), None, now=T0)
        assert f"page published {published}" in open_flags(s, r.entry_id)["stale"]


def test_past_policy_year(db_url: str) -> None:
    q = "2025年城乡居民医保缴费标准是多少"
    a = "2025年城乡居民医保个人缴费标准为每人每年400元。\n\n缴费时间一般为上年9月至12月。"
    assert policy_years(a) == [2025]
    assert policy_years("医保制度于1998年建立。\n\n个人账户可以家庭共济。") == []
    url = f"{CITY}/zcwd/jfbz.html"
    mid = datetime(2025, 6, 1)
    with kb_session(db_url) as s:
        r = ingest(s, snap(url, q, a, at=mid), None, now=mid)
        assert "past_policy_year" not in open_flags(s, r.entry_id)
        refresh_flags(s, now=datetime(2025, 12, 31, 23))
        assert "past_policy_year" not in open_flags(s, r.entry_id)
        assert refresh_flags(s, now=datetime(2026, 1, 2))["past_policy_year"] == (1, 0)
        assert open_flags(s, r.entry_id)["past_policy_year"] == "policy figures for 2025; it is 2026"
        new = a.replace("2025年", "2026年").replace("400元", "420元")
        ingest(s, snap(url, q, new, at=datetime(2026, 1, 3)), None, now=datetime(2026, 1, 3))
        assert "past_policy_year" not in open_flags(s, r.entry_id)


def test_gone_flag_rises_and_clears(db_url: str) -> None:
    q, a, _ = seed(4)
    url = f"{CITY}/zcwd/s004.html"
    with kb_session(db_url) as s:
        r = ingest(s, snap(url, q, a, at=T0), None, now=T0)
        ingest(s, snap(url, status=410, at=day(1)), None, now=day(1))
        assert open_flags(s, r.entry_id)["gone"] == f"source gone since {day(1):%Y-%m-%d}"
        ingest(s, snap(url, q, a, at=day(2)), None, now=day(2))
        assert "gone" not in open_flags(s, r.entry_id)


def test_refresh_flags_uses_kb_now(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    q, a, _ = seed(1)
    with kb_session(db_url) as s:
        r = ingest(s, snap(f"{PORTAL}/ask/s001.html", q, a, at=T0), None, now=T0)
        monkeypatch.setenv("KB_NOW", day(400).isoformat())
        refresh_flags(s)
        assert "stale" in open_flags(s, r.entry_id)
