"""The plan as transcribed, for the tests and the README's examples.

data/ is the department's working folder: officers record monthly returns in it
(``csplan savings update``, ``measures update``, ``savings mitigate``) and commit them.
Tests and README examples must not change with those returns, so they run on a copy
of data/ without them: ``plan_only`` removes every saving's ``progress`` and
``mitigations`` and every measure's ``progress``, with csplan's own editor, so the rest
of each file stays byte for byte as it is. On data/ as shipped it is an exact copy.

``docs_workspace`` builds a folder that looks like the repository (every top-level
entry linked) but whose ``data`` is that copy: the README's console examples run there.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RETURNS = {"savings": ("lines", ("progress", "mitigations")), "measures": ("objectives", ("progress",))}


def plan_only(source: Path, target: Path) -> Path:
    """Copy the data folder ``source`` to ``target`` without its monitoring returns."""
    from csplan.edit import edit_list_items
    from csplan.load import load_plan

    shutil.copytree(source, target)
    plan, _ = load_plan(target)
    for document in plan.documents:
        if document.kind not in RETURNS:
            continue
        key, fields = RETURNS[document.kind]
        items = getattr(document.model, key)
        if document.kind == "savings":
            recorded = [i for i, item in enumerate(items) if any(getattr(item, f) for f in fields)]
        else:
            recorded = [i for i, item in enumerate(items) if any(m.progress for m in item.measures)]
        if not recorded:
            continue

        def strip(node: Any, kind: str = document.kind, fields: tuple[str, ...] = fields) -> None:
            for owner in node["measures"] if kind == "measures" else [node]:
                for name in fields:
                    owner.pop(name, None)

        text = edit_list_items(document, key, dict.fromkeys(recorded, strip), f"the returns in {document.path}")
        path = Path(document.path)
        bom = path.read_bytes().startswith(b"\xef\xbb\xbf")
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return target


def docs_workspace(target: Path, data: Path = ROOT / "data") -> Path:
    """A folder like the repository's top level, whose ``data`` is ``plan_only(data)``."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        if entry.name not in ("data", ".git", ".venv"):
            (target / entry.name).symlink_to(entry)
    plan_only(data, target / "data")
    return target
