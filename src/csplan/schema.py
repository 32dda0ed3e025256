"""JSON Schema of each kind of data file, generated from the records by Pydantic.

The committed copies under ``schema/`` let an editor (VS Code's YAML extension, via
the ``# yaml-language-server: $schema=...`` line at the top of each data file) flag
a wrong field while the officer types; a test keeps them in step with the records.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from csplan import models
from csplan.models import MODELS

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Generator(GenerateJsonSchema):
    def encode_default(self, dflt: Any) -> Any:
        # A default such as Decimal(75) is shown as the number 75, not the text "75".
        if isinstance(dflt, Decimal):
            return int(dflt) if dflt == dflt.to_integral_value() else float(dflt)
        return super().encode_default(dflt)


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a ``kind`` of file (pressures, savings, budget or measures)."""
    schema = MODELS[kind].model_json_schema(schema_generator=_Generator, mode="validation")
    schema = _Generator().sort(schema)
    for name, part in schema.get("$defs", {}).items():
        _in_declaration_order(part, getattr(models, name, None))
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"https://csplan.invalid/schema/{kind}.schema.json",
        "title": f"csplan {kind} file",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def _in_declaration_order(part: dict[str, Any], record: Any) -> None:
    """List a line record's properties as it declares its fields (Pydantic lists a
    dataclass's fields with a default factory first)."""
    fields = getattr(record, "__pydantic_fields__", {})
    order = [field.alias or name for name, field in fields.items()]
    properties = part.get("properties")
    if properties and order:
        place = {name: index for index, name in enumerate(order)}
        part["properties"] = {
            name: properties[name] for name in sorted(properties, key=lambda n: place.get(n, len(order)))
        }


def schema_text(kind: str) -> str:
    """The schema as the committed file holds it (sorted, indented, newline-ended)."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False, default=str) + "\n"
