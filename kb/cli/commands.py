"""Imports every ``kb/cli/*_cmd.py`` module so each registers its commands on the app.

Discovery instead of a hand-kept import list: a new command is a new module, nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

for _info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
    if _info.name.endswith("_cmd"):
        importlib.import_module(f"kb.cli.{_info.name}")
