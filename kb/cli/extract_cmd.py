"""``kb extract FILE...``: run the crawl's extractor on saved pages, print JSON Lines."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kb.cli.app import app, err_console, fail


@app.command()
def extract(
    files: Annotated[list[str], typer.Argument(help="HTML files to extract ('-' reads stdin).")],
    url: Annotated[
        str | None,
        typer.Option("--url", help="The URL the (single) file was fetched from: resolves relative links."),
    ] = None,
    content_type: Annotated[
        str | None, typer.Option("--content-type", help="The HTTP Content-Type, when known (charset hint).")
    ] = None,
) -> None:
    """Extract question, answer, flags, dates, topic and related links: one JSON object per file, in order.

    Each record says how its answer was found (``method``: main, appstate, fallback, none) and how sure the extractor is (``confidence``, 0..1); a page under the low-confidence line, or an on-topic question without an answer, also gets a line on stderr (exit code unchanged).

    Exit 2 when a FILE is not a text page at all (a binary or an empty body, by the rule the crawl refuses such a response with): its record still comes out in its place, with an empty answer and no_answer saying why, and a line on stderr names it. A missing file or a directory is refused before anything is extracted (exit 2).
    """
    from extract import extract_page, garbage_reason

    if url is not None and len(files) != 1:
        fail("--url takes exactly one FILE")
    if files.count("-") > 1:
        fail("'-' (stdin) can be given once")
    bodies: list[tuple[str, bytes]] = []
    for name in files:
        if name == "-":
            bodies.append((name, sys.stdin.buffer.read()))
            continue
        path = Path(name)
        if path.is_dir():
            fail(f"{name} is a directory: give the files in it ({path / '*.html'})")
        if not path.is_file():
            fail(f"no such file: {name}")
        try:
            bodies.append((name, path.read_bytes()))
        except OSError as exc:
            fail(f"cannot read {name}: {exc.strerror or exc}")
    out = sys.stdout
    not_pages = 0
    for name, body in bodies:
        page_url = url or (Path(name).resolve().as_uri() if name != "-" else "file:///dev/stdin")
        page = extract_page(body, page_url, content_type)
        record = {"path": name, **page.to_dict()}
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if reason := garbage_reason(body):
            not_pages += 1
            err_console.print(f"kb: {name}: not a text page ({reason})", highlight=False, markup=False)
        elif note := _doubt(page):
            err_console.print(f"kb: {name}: {note}", highlight=False, markup=False, soft_wrap=True)
    out.flush()
    if not_pages:
        raise typer.Exit(2)


def _doubt(page) -> str | None:
    """Why an editor should look at this page's extraction (the KB's rules: kb.confidence), or None."""
    from kb import confidence

    if confidence.is_low(page):
        return f"low confidence {page.confidence:.2f} (answer found by {page.method}): check the answer"
    if not page.answer and confidence.is_unanswered(page, False):
        return f"on-topic question but no answer ({page.no_answer})"
    return None
