"""Two crawls and an editor at once on one PostgreSQL KB: no lock refuses them (PostgreSQL has row and
advisory locks, workers share a KB by design); every run stores every page, none is "ok" over a loss."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlmodel import select

from kb.db import session
from kb.models import Entry, FetchError, Page, Run
from sample_site.server import SampleSite
from tests.test_unattended_writers import crawl, done

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_two_workers_and_an_editor_on_postgresql_lose_nothing(pg_url: str) -> None:
    with SampleSite(edition=1) as site:
        assert done(crawl(site, pg_url))[0] == 0
        with session(pg_url) as s:
            entry_id = s.exec(select(Entry.id).order_by(Entry.id)).first()
            pages, entries = len(s.exec(select(Page)).all()), len(s.exec(select(Entry)).all())
            fetched = s.exec(select(Run)).one().fetched
        verify = [sys.executable, "-m", "kb", "verify", entry_id, "--by", "li.na", "--db", pg_url]
        for _ in range(2):
            racers = [crawl(site, pg_url), crawl(site, pg_url)]
            editor = subprocess.run(verify, capture_output=True, text=True, timeout=120)
            results = [done(p) for p in racers]
            assert editor.returncode == 0 and "Traceback" not in editor.stderr, editor.stderr
            for code, _out, err in results:
                assert code == 0, err
                assert "Traceback" not in err
    with session(pg_url) as s:
        runs = s.exec(select(Run).where(Run.kind == "crawl")).all()
        assert len(s.exec(select(Page)).all()) == pages and len(s.exec(select(Entry)).all()) == entries
        assert s.exec(select(FetchError).where(FetchError.kind == "store_error")).all() == []
    assert len(runs) == 5
    for run in runs:
        assert run.status == "ok" and run.failed == 0 and run.fetched == fetched
        assert "store_error" not in json.loads(run.errors)
