"""The editors' app over plain HTTP (``kb serve`` on loopback) and its plain functions: accounts,
guards, the action trail, the review queue's paging and filters, the JSON API against ``kb export``.

The KB is written by ``kb.ingest`` (real seed answers, two runs and a conflict), not by hand; the
browser tests (test_app_browser.py) drive the same app over a real crawl.
"""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kb import review, review_queue, runs
from kb.db import get_engine, session
from kb.export import export_entries, schema
from kb.ingest import ingest as kb_ingest
from tests.app_helpers import add_user, kb, serve
from tests.test_kb_helpers import PORTAL, T0, later, seed, snap
from tests.test_report_fixtures import cli

PASSWORD = "correct horse battery"


def ingest(s, snapshot, run_id):  # type: ignore[no-untyped-def]
    return kb_ingest(s, snapshot, run_id, now=snapshot.fetched_at)


def build_kb(db: str) -> dict[str, str]:
    """Run 1: five seed answers. Run 2: seed 0's 3000元 becomes 4000元, and a page with seed 1's question
    but other figures (a conflict). Returns the interesting entry ids."""
    ids: dict[str, str] = {}
    with session(db) as s:
        r1 = runs.start_run(s, spider="discover", now=T0)
        for i in range(5):
            q, a, d = seed(i)
            ids[f"s{i}"] = (
                ingest(s, snap(f"{PORTAL}/ask/s00{i}.html", q, a, disclaimer=d), r1.id).entry_id or ""
            )
        s.commit()
        runs.finish_run(s, r1.id, now=later(0, 1))  # type: ignore[arg-type]
        r2 = runs.start_run(s, spider="discover", now=later(1))
        t = later(1, 0.5)
        q, a, d = seed(0)
        ingest(
            s, snap(f"{PORTAL}/ask/s000.html", q, a.replace("3000元", "4000元"), disclaimer=d, at=t), r2.id
        )
        q, a, d = seed(0)
        other = ingest(s, snap(f"{PORTAL}/ask/s000-b.html", q, a.replace("3000元", "5000元"), at=t), r2.id)
        assert other.outcome == "conflict"
        ids["conflict"] = other.entry_id or ""
        s.commit()
        runs.finish_run(s, r2.id, now=later(1, 1))  # type: ignore[arg-type]
    return ids


@pytest.fixture(scope="module")
def kb_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str]]:
    db = f"sqlite:///{tmp_path_factory.mktemp('app') / 'kb.sqlite'}"
    ids = build_kb(db)
    add_user(db, "alice", PASSWORD)
    add_user(db, "vera", PASSWORD, role="viewer")
    return db, ids


@pytest.fixture(scope="module")
def app_url(kb_db: tuple[str, dict[str, str]]) -> Iterator[str]:
    with serve(kb_db[0]) as url:
        yield url


class Client:
    """A browser without a browser: cookies, forms with the page's CSRF token, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.token = ""

    def request(self, path: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + urllib.parse.quote(path, safe="/?=&%"), data=data)
        try:
            with self.opener.open(req, timeout=10) as r:
                status, headers, body = r.status, dict(r.headers.items()), r.read().decode()
        except urllib.error.HTTPError as e:
            status, headers, body = e.code, dict(e.headers.items()), e.read().decode()
        found = re.search(r'name="csrf" value="([^"]+)"', body)
        if found:
            self.token = found.group(1)
        return status, {k.lower(): v for k, v in headers.items()}, body

    def get(self, path: str) -> tuple[int, dict[str, str], str]:
        return self.request(path)

    def post(self, path: str, **form: str) -> tuple[int, dict[str, str], str]:
        return self.request(path, {"csrf": self.token, **form})

    def login(self, name: str, password: str = PASSWORD) -> int:
        self.get("/login")
        return self.post("/login", name=name, password=password, next="/")[0]


def run_kb(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str, stdin: str = ""
) -> tuple[int, str, str]:
    """``kb ARGS`` in this process with this stdin: (exit code, out, err)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli(capsys, *args)


def test_user_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    assert (
        run_kb(
            monkeypatch,
            capsys,
            "user",
            "add",
            "li.na",
            "--password-stdin",
            "--db",
            db,
            stdin="long enough pw\n",
        )[0]
        == 0
    )
    for args, stdin, why in (
        (["add", "li.na", "--password-stdin"], "another password\n", "exists already"),
        (["add", "wu", "--password-stdin"], "short\n", "too short"),
        (["add", "wu", "--role", "admin", "--password-stdin"], "long enough pw\n", "unknown role"),
        (["add", "a b", "--password-stdin"], "long enough pw\n", "bad user name"),
        (["add", "wu"], "", "--password-stdin"),  # no terminal to ask on
        (["disable", "nobody"], "", "no user"),
    ):
        code, _out, err = run_kb(monkeypatch, capsys, "user", *args, "--db", db, stdin=stdin)
        assert code == 2 and why in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err
    assert run_kb(monkeypatch, capsys, "user", "disable", "li.na", "--db", db)[0] == 0
    code, listed, _ = run_kb(monkeypatch, capsys, "user", "list", "--db", db)
    assert code == 0 and "li.na" in listed and "disabled" in listed


def test_pages_need_a_login_and_carry_security_headers(app_url: str) -> None:
    anon = Client(app_url)
    for path in ("/", "/entries/x", "/search?q=医保", "/runs", "/runs/1/report"):
        status, headers, _ = anon.get(path)
        assert status == 303 and headers["location"].startswith("/login?next="), path
    assert anon.get("/api/entries")[0] == 401
    status, headers, body = anon.get("/login")
    assert status == 200 and 'type="password"' in body
    csp = headers["content-security-policy"]
    assert "script-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
    status, headers, _ = anon.post("/login", name="alice", password=PASSWORD, next="/")
    cookie = headers["set-cookie"].lower()
    assert status == 303 and "kb_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert anon.get("/")[0] == 200


def test_csrf_and_origin_are_checked_before_any_route(
    app_url: str, kb_db: tuple[str, dict[str, str]]
) -> None:
    alice = Client(app_url)
    alice.login("alice")
    entry = kb_db[1]["s2"]
    alice.get(f"/entries/{entry}")
    for form in ({"note": "x"}, {"csrf": "x" * 43, "note": "x"}):
        status, _, body = alice.request(f"/entries/{entry}/verify", form)
        assert status == 403 and "CSRF" in body
    for path in ("/logout", "/login", "/entries/nope/verify", "/no/such/route"):
        assert alice.request(path, {})[0] == 403, path
    req = urllib.request.Request(
        app_url + f"/entries/{entry}/verify",
        data=urllib.parse.urlencode({"csrf": alice.token}).encode(),
        headers={"Origin": "http://evil.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        alice.opener.open(req, timeout=10)
    assert refused.value.code == 403
    with session(kb_db[0]) as s:
        assert not review.actions(s, entry)


def test_logins_are_rate_limited(app_url: str, kb_db: tuple[str, dict[str, str]]) -> None:
    mallory = Client(app_url)
    mallory.get("/login")
    add_user(kb_db[0], "target", PASSWORD, role="viewer")
    statuses = [mallory.post("/login", name="target", password=f"guess {i}")[0] for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert mallory.post("/login", name="target", password=PASSWORD)[0] == 429  # even the right one, for now


def test_a_new_password_or_a_disabled_account_ends_its_sessions(
    app_url: str,
    kb_db: tuple[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_user(kb_db[0], "temp", PASSWORD)
    temp = Client(app_url)
    assert temp.login("temp") == 303 and temp.get("/")[0] == 200
    new = "a brand new password"
    assert (
        run_kb(
            monkeypatch, capsys, "user", "password", "temp", "--password-stdin", "--db", kb_db[0], stdin=new
        )[0]
        == 0
    )
    assert temp.get("/")[0] == 303  # the old session ended with the old password
    assert temp.login("temp", new) == 303 and temp.get("/")[0] == 200
    assert run_kb(monkeypatch, capsys, "user", "disable", "temp", "--db", kb_db[0])[0] == 0
    status, headers, _ = temp.get("/")
    assert status == 303 and headers["location"].startswith("/login")
    assert temp.login("temp", new) == 401


def test_kb_verify_lands_in_the_same_trail(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db, ids = db_url, build_kb(db_url)
    code, out, _ = run_kb(
        monkeypatch, capsys, "verify", ids["s3"], "--by", "wang", "--note", "by phone", "--db", db
    )
    assert code == 0 and "verified" in out
    with session(db) as s:
        (action,) = review.actions(s, ids["s3"])
    assert (action["kind"], action["by"], action["note"]) == ("verify", "wang", "by phone")


def test_every_action_is_recorded_under_the_login(app_url: str, kb_db: tuple[str, dict[str, str]]) -> None:
    db, ids = kb_db
    alice = Client(app_url)
    alice.login("alice")
    entry = ids["s0"]
    alice.get(f"/entries/{entry}")
    assert alice.post(f"/entries/{entry}/verify", version="1", note="old version")[0] == 303
    assert "is at version 2 now" in alice.get(f"/entries/{entry}")[2]  # read v1, v2 exists: refused
    assert alice.post(f"/entries/{entry}/verify", version="2", note="checked", by="mallory")[0] == 303
    assert alice.post(f"/entries/{entry}/extraction-wrong", version="2", note="表格少了一列")[0] == 303
    assert alice.post(f"/entries/{entry}/unverify", note="wrong notice")[0] == 303
    _, _, page = alice.get(f"/entries/{entry}")
    assert "needs_verification" in page and "mallory" not in page
    with session(db) as s:
        trail = review.actions(s, entry)
    assert [(a["kind"], a["by"]) for a in trail] == [
        ("unverify", "alice"),
        ("extraction_wrong", "alice"),
        ("verify", "alice"),
    ]
    assert (
        trail[0]["detail"]["withdrawn"][0]["by"] == "alice"
        and "needs_verification" in trail[0]["detail"]["raised"]
    )
    exported = kb("feedback", "--db", db)
    (line,) = exported.stdout.splitlines()
    item = json.loads(line)
    assert (
        item["entry_id"] == entry
        and item["note"] == "表格少了一列"
        and item["body_hash"]
        and "4000元" in item["answer"]
    )

    vera = Client(app_url)
    assert vera.login("vera") == 303
    vera.get(f"/entries/{entry}")
    assert vera.post(f"/entries/{entry}/verify", version="2")[0] == 403


def test_settling_a_conflict(app_url: str, kb_db: tuple[str, dict[str, str]]) -> None:
    db, ids = kb_db
    with session(db) as s:
        items, _ = review_queue.page(s, "conflicts", review_queue.Filters())
    assert [i.entry_id for i in items] == [ids["conflict"]]
    alice = Client(app_url)
    alice.login("alice")
    _, _, page = alice.get(f"/entries/{ids['s0']}")
    assert ids["conflict"] in page  # both sides show the conflict
    alice.post(
        f"/entries/{ids['conflict']}/resolve", other=ids["s0"], stands=ids["s0"], note="医保局 says 4000元"
    )
    with session(db) as s:
        assert review_queue.page(s, "conflicts", review_queue.Filters())[0] == []
        (settled,) = review.actions(s, ids["conflict"])
        assert settled["detail"]["stands"]["id"] == ids["s0"] and settled["by"] == "alice"
        assert review.actions(s, ids["s0"])[0]["kind"] == "resolve_conflict"


def test_queue_pages_newest_first_without_gaps(kb_db: tuple[str, dict[str, str]]) -> None:
    db, ids = kb_db
    with session(db) as s:
        everything, more = review_queue.page(s, "added", review_queue.Filters(), limit=100)
        assert more is None and len(everything) >= 5
        seen, before = [], None
        while True:
            items, before = review_queue.page(s, "added", review_queue.Filters(), before=before, limit=2)
            seen += items
            if before is None:
                break
        assert (
            [i.key for i in seen]
            == [i.key for i in everything]
            == sorted((i.key for i in seen), reverse=True)
        )
        in_run_2 = review_queue.page(s, "added", review_queue.Filters(run=2))[0]
        assert [i.entry_id for i in in_run_2] == [ids["conflict"]]
        assert review_queue.page(s, "added", review_queue.Filters(site="nowhere"))[0] == []
        flagged = review_queue.page(s, "added", review_queue.Filters(flag="needs_verification"))[0]
        assert flagged and all("needs_verification" in i.flags for i in flagged)
        assert review_queue.count(s, "added", review_queue.Filters()) == len(
            review_queue.page(s, "added", review_queue.Filters())[0]
        )


def test_the_api_speaks_the_export(app_url: str, kb_db: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    db, ids = kb_db
    vera = Client(app_url)
    vera.login("vera")
    entries, after = [], ""
    while True:
        status, headers, body = vera.get("/api/entries?limit=2" + (f"&after={after}" if after else ""))
        assert status == 200 and headers["content-type"].startswith("application/json")
        page = json.loads(body)
        entries += page["entries"]
        after = page["next_after"]
        if not after:
            break
    with session(db) as s:
        export_entries(s, tmp_path / "kb.json")
    exported = json.loads((tmp_path / "kb.json").read_text(encoding="utf-8"))
    jsonschema.validate({**exported, "entries": entries}, schema())
    assert entries == exported["entries"]
    _, _, body = vera.get(f"/api/entries/{ids['s0']}")
    one = json.loads(body)
    assert [v["number"] for v in one["versions"]] == [1, 2] and "4000元" in one["answer"]
    assert vera.get("/api/entries/nope")[0] == 404
    assert vera.get("/api/entries?flag=bogus")[0] == 400
    runs_page = json.loads(vera.get("/api/runs")[2])["runs"]
    assert [r["id"] for r in runs_page] == [2, 1] and {"fetched", "errors", "started_at"} <= set(runs_page[0])


def test_runs_pages_link_each_crawl_to_its_report(app_url: str) -> None:
    vera = Client(app_url)
    assert vera.login("vera") == 303
    status, _, body = vera.get("/runs")
    assert status == 200 and "<svg" in body and 'href="/runs/2"' in body
    status, _, body = vera.get("/runs/2")
    assert status == 200 and 'href="/runs/2/report"' in body
    status, headers, body = vera.get("/runs/2/report")
    assert status == 200 and "3000元 → 4000元" in body and "<script" not in body.lower()
    assert "default-src 'none'" in headers["content-security-policy"]
    assert vera.get("/runs/99")[0] == 404


@pytest.mark.postgres
def test_the_same_review_on_postgres(pg_url: str) -> None:
    from kb.app import views

    ids = build_kb(pg_url)
    with session(pg_url) as s:
        sizes = {g: review_queue.count(s, g, review_queue.Filters()) for g in review_queue.group_names()}
        assert sizes["changed"] == 1 and sizes["conflicts"] == 1 and sizes["added"] == 5
        (changed,), _ = review_queue.page(s, "changed", review_queue.Filters(run=2))
        assert changed.entry_id == ids["s0"] and changed.numbers.startswith("3000元 → 4000元")
        page = views.entry_page(s, ids["s0"])
        assert page["diff"]["summary"] == changed.numbers and [c["other"] for c in page["conflicts"]] == [
            ids["conflict"]
        ]
        review.verify(s, ids["s0"], "alice", "ok", seen_version=2)
        review.mark_extraction_wrong(s, ids["s1"], "alice", "表格丢了")
    with session(pg_url) as s:
        assert review_queue.page(s, "changed", review_queue.Filters())[0] == []
        assert [i.entry_id for i in review_queue.page(s, "extraction", review_queue.Filters())[0]] == [
            ids["s1"]
        ]
        assert [f["entry_id"] for f in review.feedback(s)] == [ids["s1"]]
        review.resolve_conflict(s, ids["conflict"], ids["s0"], ids["s0"], "alice")
    with session(pg_url) as s:
        assert review_queue.count(s, "conflicts", review_queue.Filters()) == 0


def test_serve_refuses_bad_input_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    db = f"sqlite:///{tmp_path / 'kb.sqlite'}"
    get_engine(db)  # a KB: `kb serve` never makes one
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, _, err = run_kb(monkeypatch, capsys, "serve", "--port", port, "--db", db)
    assert code == 2 and "cannot listen on 127.0.0.1:" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_kb(monkeypatch, capsys, "serve", "--db", f"sqlite:///{tmp_path}/no/such/kb.sqlite")
    assert code == 2 and "does not exist" in err and "Traceback" not in err
