"""The template-change alarm end to end: real `kb crawl`s of the sample site, edition 1 then edition 3
(the portal redesigned) or 4 (the city pages a script shell); the suspect versions stay out of the
export until `kb accept-run`, and `kb reject-run` keeps them out for good."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from kb import review_queue
from kb.db import session
from kb.export import export_entries
from kb.models import Entry, ExtractionNote, RunSite, Version
from kb.report import build_report, render_html, render_json, render_markdown
from sample_site.server import SITE_DIR, SampleSite
from tests.app_helpers import add_user, serve
from tests.test_app import PASSWORD, Client
from tests.test_crawl import kb_crawl, last_run

pytestmark = pytest.mark.slow


def kb(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kb", *args], capture_output=True, text=True, timeout=120)


def exported(db: str) -> dict[str, tuple[int, str]]:
    """id -> (version, answer) of what `kb export` writes now."""
    buf = io.StringIO()
    with session(db) as s:
        export_entries(s, buf)
    return {e["id"]: (e["version"], e["answer"]) for e in json.loads(buf.getvalue())["entries"]}


def clone(src: Path, dst: Path) -> None:
    """A consistent copy of a live SQLite KB (its WAL included), as SQLite's backup makes it."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def site_row(db: str, run_id: int, site: str) -> RunSite:
    with session(db) as s:
        return s.get(RunSite, (run_id, site))


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Edition 1, then edition 3 into a KB kept three times (to accept, to reject, left held), and
    edition 4 into a copy of the edition-1 KB."""
    folder = tmp_path_factory.mktemp("alarm")
    dbs = {name: f"sqlite:///{folder / name}.sqlite" for name in ("accept", "reject", "held", "broken")}
    out: dict[str, Any] = {"dbs": dbs}
    with SampleSite(edition=1) as site:
        first = kb_crawl(site, dbs["accept"])
        assert first.returncode == 0, first.stderr
        clone(folder / "accept.sqlite", folder / "broken.sqlite")
        out["edition1"] = exported(dbs["accept"])
        site.set_edition(3)
        third = kb_crawl(site, dbs["accept"])
        assert third.returncode == 0, third.stderr
        for name in ("reject", "held"):
            clone(folder / "accept.sqlite", folder / f"{name}.sqlite")
        out["third"] = last_run(dbs["accept"]).id
        out["third_stderr"] = third.stderr
        # an editor rejects the redesign; the next night the site still shows it
        out["reject"] = kb("reject-run", str(out["third"]), "--site", "sample-portal", "--db", dbs["reject"])
        out["after_reject"] = exported(dbs["reject"])
        with session(dbs["reject"]) as s:
            out["rejected"] = len(s.exec(select(Version).where(Version.held == "rejected")).all())
            out["still_suspect"] = len(s.exec(select(Version).where(Version.held == "suspect")).all())
        again = kb_crawl(site, dbs["reject"])
        assert again.returncode == 0, again.stderr
        out["rerun"] = last_run(dbs["reject"])
        site.set_edition(4)
        broken = kb_crawl(site, dbs["broken"])
        assert broken.returncode == 0, broken.stderr
        out["broken"] = last_run(dbs["broken"]).id
    return out


def test_a_redesign_alarms_and_holds_its_versions_back(crawls: dict[str, Any]) -> None:
    db, run = crawls["dbs"]["accept"], crawls["third"]
    portal, city = site_row(db, run, "sample-portal"), site_row(db, run, "sample-city")
    assert portal.alarm and "changed at once" in portal.alarm and "shrank together" in portal.alarm
    assert portal.held == "suspect"
    assert city.alarm is None and city.held is None  # the other site of the same run is news as usual
    said = [line for line in crawls["third_stderr"].splitlines() if "template-change alarm" in line]
    assert len(said) == 1 and "on sample-portal" in said[0] and "held back as suspect" in said[0]
    with session(db) as s:
        held = s.exec(select(Version).where(Version.run_id == run, Version.held == "suspect")).all()
        assert len(held) > 5
        for v in held:  # each entry stayed at the version before
            assert s.get(Entry, v.entry_id).version < v.number or s.get(Entry, v.entry_id).status == "suspect"
    # the export still says what edition 1 said, entry for entry
    assert exported(db) == crawls["edition1"]


def test_the_report_leads_with_the_alarm_in_every_format(crawls: dict[str, Any]) -> None:
    db, run = crawls["dbs"]["accept"], crawls["third"]
    with session(db) as s:
        rep = build_report(s)
    assert rep.shown()[0].key == "alarms"
    (item,) = rep.items("alarms")
    assert (item.run, item.site, item.held) == (run, "sample-portal", "suspect") and item.versions > 5
    assert item.accept == f"kb accept-run {run} --site sample-portal"
    sample = item.samples[0]
    assert (
        sample.old_answer
        and sample.new_answer.endswith("…")
        and len(sample.new_answer) < len(sample.old_answer)
    )
    assert not rep.items("changed") and not rep.items("added")  # held back: not news
    assert rep.summary.line.startswith("1 template alarms")
    html = render_html(rep)
    assert html.index('id="alarms"') < html.index('id="changed"') and item.accept in html
    digest = render_markdown(rep)
    assert digest.split("\n## ")[1].startswith("Template-change alarm (1)") and item.reject in digest
    data = json.loads(render_json(rep))
    assert data["alarms"][0]["held"] == "suspect" and data["alarms"][0]["samples"][0]["old_answer"]
    sites = {s["site"]: s for s in data["runs"][-1]["sites"]}
    assert sites["sample-portal"]["alarm"] == item.reason and sites["sample-city"]["alarm"] == ""


def test_accept_run_releases_the_suspect_versions(crawls: dict[str, Any]) -> None:
    db, run = crawls["dbs"]["accept"], crawls["third"]
    bad = kb("accept-run", "999", "--db", db)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no such run" in bad.stderr
    assert kb("accept-run", str(run), "--site", "nowhere", "--db", db).returncode == 2
    done = kb("accept-run", str(run), "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "accepted" in done.stdout and "sample-portal" in done.stdout
    after = exported(db)
    moved = [k for k in crawls["edition1"] if after.get(k) != crawls["edition1"][k]]
    assert len(moved) > 5 and set(crawls["edition1"]) <= set(after)
    assert site_row(db, run, "sample-portal").held == "accepted"
    with session(db) as s:
        assert not s.exec(select(Version).where(Version.held.is_not(None))).all()
        for k in moved:  # each now exports the version the alarm had held back
            v = s.exec(select(Version).where(Version.entry_id == k, Version.number == after[k][0])).one()
            assert v.run_id == run and v.answer == after[k][1] and after[k][0] > crawls["edition1"][k][0]
    again = kb("accept-run", str(run), "--db", db)
    assert again.returncode == 0 and "nothing held back" in again.stdout


def test_reject_run_keeps_the_previous_versions_and_is_not_raised_again(crawls: dict[str, Any]) -> None:
    db, done = crawls["dbs"]["reject"], crawls["reject"]
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "rejected" in done.stdout
    assert crawls["after_reject"] == crawls["edition1"]
    assert crawls["rejected"] > 5 and crawls["still_suspect"] == 0
    # the next night the site still shows its redesign: the same content is not new again
    rerun = crawls["rerun"]
    assert rerun.changed == 0 and rerun.new == 0
    assert site_row(db, rerun.id, "sample-portal").alarm is None
    assert exported(db) == crawls["edition1"]


def test_broken_extraction_alarms_and_every_unanswered_page_is_listed(crawls: dict[str, Any]) -> None:
    db, run = crawls["dbs"]["broken"], crawls["broken"]
    city = site_row(db, run, "sample-city")
    city_pages = [p for p in SampleSite.manifest(4)["pages"] if p["site"] == "city" and p["kind"] == "qa"]
    assert city.no_answer == len(city_pages) == 10
    assert city.alarm and "yielded no answer" in city.alarm and city.held is None
    assert site_row(db, run, "sample-portal").alarm is None
    assert exported(db) == crawls["edition1"]  # the city's entries keep their last answers
    with session(db) as s:
        notes = s.exec(select(ExtractionNote).where(ExtractionNote.run_id == run)).all()
        rep = build_report(s)
    assert {n.kind for n in notes} == {"no_answer"} and len(notes) == 10
    assert rep.shown()[0].key == "alarms"
    listed = rep.items("extraction_check")
    assert len(listed) == 10 and all(i.kind == "no_answer" and i.site == "sample-city" for i in listed)
    assert all(i.question for i in listed)  # the on-topic question is shown, not dropped
    assert "Extraction to check (10)" in render_markdown(rep)
    assert 'id="extraction_check"' in render_html(rep) and listed[0].question in render_html(rep)
    assert json.loads(render_json(rep))["summary"]["extraction_check"] == 10


def test_the_editors_app_shows_the_alarm_and_queues_the_suspect_versions(crawls: dict[str, Any]) -> None:
    db, run = crawls["dbs"]["held"], crawls["third"]
    with session(db) as s:
        suspects, _ = review_queue.page(s, "suspect", review_queue.Filters(run=run), limit=200)
    assert len(suspects) > 5 and all("template-change alarm" in i.detail["reason"] for i in suspects)
    shown = kb("history", suspects[0].entry_id, "--db", db)
    assert shown.returncode == 0 and "suspect" in shown.stdout  # kb history marks the held version
    add_user(db, "vera", PASSWORD, role="viewer")
    with serve(db) as url:
        vera = Client(url)
        assert vera.login("vera") == 303
        status, _, body = vera.get(f"/runs/{run}")
        assert status == 200 and 'id="alarm-sample-portal"' in body and "shrank together" in body
        assert f"kb accept-run {run} --site sample-portal" in body
        status, _, body = vera.get("/")
        assert status == 200 and 'id="group-suspect"' in body and "held back by run" in body


def test_kb_extract_says_when_an_extraction_needs_a_look() -> None:
    shell = str(SITE_DIR / "edition4" / "city" / "zcwd" / "t20250120_000003.html")  # a script shell
    fine = str(SITE_DIR / "edition1" / "city" / "zcwd" / "t20250120_000003.html")
    result = kb("extract", shell, fine)
    assert result.returncode == 0
    broken, good = (json.loads(line) for line in result.stdout.splitlines())
    assert (broken["method"], broken["confidence"]) == ("none", 0.0) and good["method"] == "main"
    assert good["confidence"] >= 0.5
    assert result.stderr.splitlines() == [f"kb: {shell}: on-topic question but no answer (no answer text found)"]
