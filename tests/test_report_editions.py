"""The sample site's edition 1 → 2 through ingest (from the manifest), then export and report in every
format: the report must show exactly the edition-2 changes (the demo's story, without the crawl)."""

from __future__ import annotations

import io
import json

import jsonschema

from kb.db import session
from kb.export import export_entries, schema
from kb.report import build_report, render_html, render_json, render_markdown
from sample_site.server import SampleSite
from tests.test_kb_editions import BASE, _crawl
from tests.test_kb_helpers import later
from tests.test_report import Tags


def test_edition_2_in_every_format(db_url: str) -> None:
    changes = SampleSite.manifest(2)["changes"]
    with session(db_url) as s:
        _crawl(s, 1, later(0))
        _crawl(s, 2, later(7), gone=changes["gone"])
        rep = build_report(s)
        buf = io.StringIO()
        export_entries(s, buf)
    doc = json.loads(buf.getvalue())
    jsonschema.Draft202012Validator(schema()).validate(doc)

    changed, gone, added = rep.items("changed"), rep.items("gone"), rep.items("added")
    assert len(changed) == len(changes["changed"]) == 3
    assert len(gone) == len(changes["gone"]) == 2
    assert len(added) == len(changes["added"]) == 2
    assert len(rep.items("merged")) == 1
    gone_urls = {BASE[g["site"]] + g["path"] for g in changes["gone"]}
    assert {g.url for g in gone} == gone_urls
    assert "3000元 → 4000元" in rep.summary.line
    whats = {c["what"] for c in changes["changed"]}
    assert whats == {"number", "paragraph", "disclaimer"}
    assert sum(1 for c in changed if c.disclaimer.old != c.disclaimer.new) == 1
    assert sum(1 for c in changed if c.numbers) >= 1
    paragraph = [c for c in changed if not c.numbers and c.disclaimer.old == c.disclaimer.new]
    assert len(paragraph) == 1 and any(op == "+" and len(t) > 10 for op, t in paragraph[0].diff)
    exported = {e["id"] for e in doc["entries"]}
    assert not {g.id for g in gone} & exported
    assert {a.id for a in added} <= exported

    html = render_html(rep)
    tags = Tags()
    tags.feed(html)
    assert "script" not in tags.tags and "3000元 → 4000元" in html
    for item in changed + added + gone:
        assert f"kb verify {item.id} --by NAME" in html
        assert f'href="{item.url}"' in html  # each entry links to its source
    digest = render_markdown(rep, html_name="report.html")
    assert "## Changed (3)" in digest and "## Gone (2)" in digest and "## New (2)" in digest
    assert "3000元 → 4000元" in digest and len(digest) < 20_000
    assert json.loads(render_json(rep))["summary"]["changed"] == 3
