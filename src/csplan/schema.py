"""JSON Schema of each kind of data file, generated from the records by Pydantic.

The committed copies under ``schema/`` let an editor (VS Code's YAML extension, via
the ``# yaml-language-server: $schema=...`` line at the top of each data file) flag
a wrong field while the officer types; a test keeps them in step with the records.
"""

from __future__ import annotations

import ast
import inspect
import json
from decimal import Decimal
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from csplan import models
from csplan.models import MODELS
from csplan.records import Record, core_schema_of

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Generator(GenerateJsonSchema):
    def encode_default(self, dflt: Any) -> Any:
        # A default such as Decimal(75) is shown as the number 75, not the text "75".
        if isinstance(dflt, Decimal):
            return int(dflt) if dflt == dflt.to_integral_value() else float(dflt)
        return super().encode_default(dflt)


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a ``kind`` of file (pressures, savings or budget)."""
    generator = _Generator()
    schema = generator.generate(core_schema_of(MODELS[kind]), mode="validation")
    _describe_fields(schema)
    schema = generator.sort(schema)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://csplan.invalid/schema/{kind}.schema.json",
        "title": f"csplan {kind} file",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def schema_text(kind: str) -> str:
    """The schema as the committed file holds it (sorted, indented, newline-ended)."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, default=str) + "\n"


def _describe_fields(schema: dict[str, Any]) -> None:
    """Give each property the docstring of its field, as a record declares it."""
    records = {cls.__name__: cls for cls in vars(models).values() if isinstance(cls, type) and issubclass(cls, Record)}
    docs = _field_docs()
    for part in [schema, *schema.get("$defs", {}).values()]:
        cls = records[part["title"]]
        for name, value in part.get("properties", {}).items():
            doc = next((docs[base.__name__][name] for base in cls.__mro__ if name in docs.get(base.__name__, {})), None)
            if doc:
                value["description"] = doc


def _field_docs() -> dict[str, dict[str, str]]:
    """Each record class's field docstrings (the string under a field), by class name."""
    tree = ast.parse(inspect.getsource(models))
    docs: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            found = docs.setdefault(node.name, {})
            for field, after in zip(node.body, node.body[1:], strict=False):
                if (
                    isinstance(field, ast.AnnAssign)
                    and isinstance(field.target, ast.Name)
                    and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant)
                    and isinstance(after.value.value, str)
                ):
                    found[field.target.id] = inspect.cleandoc(after.value.value)
    return docs
