"""A sample site whose Q&A links and answers exist only after its script runs (a portal built by JavaScript).

Every page is the same empty shell plus ``/app.js``: on the home page the script fetches
``/api/list.json`` and writes the links; on a Q&A page it fetches ``/api/qa/N.json`` and writes the
question and the answer. A plain request sees no link and no answer; a browser sees them all. With
``scripts=False`` the same content comes in the HTML itself (the baseline of ``bench_render``).

The script also asks for ``/private/beacon.json`` (refused by robots.txt) and every page shows
``/logo.png``: a polite rendering crawler requests neither (``requests`` logs what reached the server).
The answers are the seed pages' (``sample_site.seeds``), cycled when more pages are asked for.
"""

from __future__ import annotations

import html
import json
import threading
import time
from typing import Any

from sample_site.seeds import answer_text, load_seeds
from sample_site.server import LoopbackSite, Reply

ROBOTS = "User-agent: *\nDisallow: /private/\n"
SCRIPT = """(async function () {
  fetch('/private/beacon.json').catch(function () {});
  var m = location.pathname.match(/^\\/qa\\/(\\d+)\\.html$/);
  if (m) {
    var qa = await (await fetch('/api/qa/' + m[1] + '.json')).json();
    document.title = qa.question;
    document.getElementById('q').textContent = qa.question;
    var box = document.getElementById('answer');
    qa.paragraphs.forEach(function (text) {
      var p = document.createElement('p'); p.textContent = text; box.appendChild(p);
    });
  } else {
    var items = await (await fetch('/api/list.json')).json();
    var ul = document.createElement('ul');
    items.forEach(function (it) {
      var li = document.createElement('li'), a = document.createElement('a');
      a.href = '/qa/' + it.id + '.html'; a.textContent = it.question; li.appendChild(a); ul.appendChild(li);
    });
    document.getElementById('list').appendChild(ul);
  }
})();
"""


def questions(pages: int) -> list[dict[str, Any]]:
    """``pages`` Q&As: id, question, answer paragraphs (the seeds, numbered past the first round)."""
    seeds = load_seeds()
    out = []
    for i in range(pages):
        seed = seeds[i % len(seeds)]
        round_ = i // len(seeds)
        question = seed["question"] + (f"(问题{round_ + 1})" if round_ else "")
        paragraphs = [p for p in answer_text(seed["blocks"]).split("\n\n") if p.strip()]
        if round_:
            paragraphs.append(f"本问答为第{round_ + 1}组示例,编号{i + 1}。")
        out.append({"id": i + 1, "question": question, "paragraphs": paragraphs})
    return out


def page(title: str, main: str) -> bytes:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>"
        '<header><a href="/">医保问答首页</a> <img src="/logo.png" alt="logo"></header>'
        f'<main>{main}</main><script src="/app.js"></script></body></html>'
    ).encode()


class ScriptedSite(LoopbackSite):
    """Context manager serving the site on ``host`` (a loopback address of its own: its own profile)."""

    def __init__(self, host: str = "127.0.0.4", *, pages: int = 5, scripts: bool = True, latency: float = 0.0):
        self.host = host
        self.scripts = scripts
        self.latency = latency
        self.qa = questions(pages)
        self.requests: list[str] = []
        self.times: list[float] = []  # time.monotonic() of each request, in order
        self._lock = threading.Lock()

    def render(self, path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for ``path``."""
        by_id = {str(q["id"]): q for q in self.qa}
        if path == "/robots.txt":
            return 200, "text/plain", ROBOTS.encode()
        if path == "/app.js":
            return 200, "application/javascript", SCRIPT.encode()
        if path == "/api/list.json":
            items = [{"id": q["id"], "question": q["question"]} for q in self.qa]
            return 200, "application/json", json.dumps(items, ensure_ascii=False).encode()
        if path.startswith("/api/qa/") and path.removeprefix("/api/qa/").removesuffix(".json") in by_id:
            q = by_id[path.removeprefix("/api/qa/").removesuffix(".json")]
            return 200, "application/json", json.dumps(q, ensure_ascii=False).encode()
        if path == "/":
            if self.scripts:
                return 200, "text/html; charset=utf-8", page("医保问答", '<div id="list"></div>')
            links = "".join(f'<li><a href="/qa/{q["id"]}.html">{html.escape(q["question"])}</a></li>' for q in self.qa)
            return 200, "text/html; charset=utf-8", page("医保问答", f'<div id="list"><ul>{links}</ul></div>')
        if path.startswith("/qa/") and path.removeprefix("/qa/").removesuffix(".html") in by_id:
            q = by_id[path.removeprefix("/qa/").removesuffix(".html")]
            if self.scripts:
                return 200, "text/html; charset=utf-8", page("医保问答", '<h1 id="q"></h1><div id="answer"></div>')
            body = "".join(f"<p>{html.escape(p)}</p>" for p in q["paragraphs"])
            main = f'<h1 id="q">{html.escape(q["question"])}</h1><div id="answer">{body}</div>'
            return 200, "text/html; charset=utf-8", page(q["question"], main)
        return 404, "text/html; charset=utf-8", page("404", "<h1>页面不存在</h1>")

    def answer(self, path: str) -> Reply:
        with self._lock:
            self.requests.append(path)
            self.times.append(time.monotonic())
        if self.latency:
            time.sleep(self.latency)
        status, ctype, body = self.render(path.split("?")[0])
        return status, {"Content-Type": ctype}, body

    @property
    def url(self) -> str:
        return self.origin + "/"

    def profile(self, name: str, *, render: str = "browser") -> str:
        """A site profile (TOML text) for this site: its host, start URL, Q&A pattern, how to fetch, and
        that its (loopback) address may be reached."""
        return (
            f'name = "{name}"\nhosts = ["{self.host}"]\nstart_urls = ["{self.url}"]\n'
            f"qa_patterns = ['^/qa/\\d+\\.html$']\nlisting_patterns = ['^/$']\nrender = \"{render}\"\n"
            "allow_private = true\n"  # served on loopback: the crawler refuses private addresses otherwise
        )
