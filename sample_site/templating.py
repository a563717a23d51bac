"""The one Jinja2 setup of the generated test material (the sample site and bench/evalset pages).

Autoescape is on everywhere, so escaping is the default rather than a habit; markup that is meant raw
comes only from templates and macros.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined
from markupsafe import Markup

# What would end or confuse a <script> element if it appeared inside the JSON it holds.
_SCRIPT_BREAK = re.compile(r"</script|<!--", re.IGNORECASE)


def script_json(value: Any, sort_keys: bool = False) -> Markup:
    """JSON for a <script> element, as ``json.dumps(ensure_ascii=False)`` writes it.

    Not Jinja's ``tojson``: that one \\u-escapes ``< > & '`` and would change every committed page whose
    JSON holds answer HTML. Instead the one thing that escaping guards against is refused here.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=sort_keys)
    if _SCRIPT_BREAK.search(text):
        raise ValueError(f"JSON would break out of its <script> element: {text[:80]}")
    return Markup(text)


def environment(loader: BaseLoader, **options: Any) -> Environment:
    """An autoescaping environment that fails on an undefined name instead of printing nothing."""
    env = Environment(loader=loader, autoescape=True, undefined=StrictUndefined, **options)
    env.filters["script_json"] = script_json
    return env
