from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES, LIVE_DATA, ROOT
from csplan.cli import app
from csplan.schema import json_schema, schema_text
from csplan.yamlsource import read_yaml

runner = CliRunner()
KINDS = ["pressures", "savings", "budget", "measures", "programme"]


@pytest.mark.parametrize("kind", KINDS)
def test_cli_prints_a_valid_json_schema(kind: str) -> None:
    result = runner.invoke(app, ["schema", kind])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["kind"]["const"] == kind
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_in_step_with_the_models(kind: str) -> None:
    committed = (ROOT / "schema" / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(kind), "run: csplan schema --write schema"


def _every_property(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [(name, prop) for name, prop in schema.get("properties", {}).items()]
    for definition in schema.get("$defs", {}).values():
        found.extend(_every_property(definition))
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_is_described(kind: str) -> None:
    schema = json_schema(kind)
    for name, prop in _every_property(schema):
        if "$ref" in prop and "description" not in prop:  # described where it is defined
            prop = schema["$defs"][prop["$ref"].rsplit("/", 1)[1]]
        assert prop.get("description"), f"{kind}: {name} has no description"


def data_of(path: Path) -> Any:
    """The file's data as an editor's YAML 1.2 reader sees it: whole numbers as integers."""
    source, findings = read_yaml(path)
    assert source is not None and not findings
    return _as_json(source.data)


def _as_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


@pytest.mark.parametrize("path", sorted([*LIVE_DATA.glob("*.yaml"), *(EXAMPLES / "illustrative").glob("*.yaml")]))
def test_shipped_files_validate_against_the_committed_schema(path: Path) -> None:
    data = data_of(path)
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    schema_path = (path.parent / first_line.split("$schema=")[1]).resolve()
    assert schema_path == (ROOT / "schema" / f"{data['kind']}.schema.json").resolve()
    jsonschema.validate(data, json.loads(schema_path.read_text(encoding="utf-8")))


def test_schema_flags_an_unknown_field_and_a_bad_amount() -> None:
    data = data_of(DATA / "savings.yaml")
    data["lines"][0]["oneoff"] = 5
    data["lines"][1]["ongoing"] = "lots"
    errors = list(jsonschema.Draft202012Validator(json_schema("savings")).iter_errors(data))
    assert len(errors) == 2
    amounts = {"amount": "£1.2m"}, {"amount": "(1,000)"}, {"amount": "32K"}
    amount_schema = json_schema("pressures")["$defs"]["PressureLine"]["properties"]["amount"]
    for case in amounts:
        jsonschema.validate(case["amount"], amount_schema)


def test_schema_needs_a_kind_or_write(tmp_path: Path) -> None:
    assert runner.invoke(app, ["schema"]).exit_code == 2
    result = runner.invoke(app, ["schema", "--write", str(tmp_path)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.schema.json" for k in sorted(KINDS)]
