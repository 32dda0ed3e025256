"""csplan: budget and savings tracker for a council department's service plan, or a council's.

The core is importable without the CLI::

    from csplan import validate_plan
    plan, findings = validate_plan("data")

Heavy modules load on first use, so importing csplan (and ``csplan --help``) is fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_plan", "validate_plan"]


def __getattr__(name: str) -> Any:
    if name == "load_plan":
        from csplan.load import load_plan

        return load_plan
    if name == "validate_plan":
        from csplan.checks import validate_plan

        return validate_plan
    raise AttributeError(f"module 'csplan' has no attribute {name!r}")
