"""Records are standard Pydantic: validated on construction, frozen, no extras."""

import dataclasses
import subprocess
import sys
from decimal import Decimal as D
from typing import Literal

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.dataclasses import is_pydantic_dataclass

from csplan import models
from csplan.models import MODELS, ProgressEntry, Record, Saving, SavingsFile, SavingsSettings, SavingsTotals

MODEL_RECORDS = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, Record) and c is not Record]
LINE_RECORDS = [c for c in vars(models).values() if isinstance(c, type) and is_pydantic_dataclass(c)]


@pytest.mark.parametrize("cls", MODEL_RECORDS, ids=lambda cls: cls.__name__)
def test_every_file_record_is_a_frozen_base_model_refusing_extras(cls: type[Record]) -> None:
    assert issubclass(cls, BaseModel)
    assert cls.model_config.get("extra") == "forbid" and cls.model_config.get("frozen") is True
    assert cls.model_fields, f"{cls.__name__} declares no fields"
    schema = cls.model_json_schema()
    assert schema["additionalProperties"] is False
    assert all(prop.get("description") or "$ref" in prop for prop in schema["properties"].values()), cls.__name__


@pytest.mark.parametrize("cls", LINE_RECORDS, ids=lambda cls: cls.__name__)
def test_every_line_record_is_a_frozen_slotted_pydantic_dataclass_refusing_extras(cls: type) -> None:
    assert cls.__pydantic_config__.get("extra") == "forbid"
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen and "__slots__" in vars(cls) and "__dict__" not in cls.__slots__  # type: ignore[attr-defined]
    schema = TypeAdapter(cls).json_schema()
    assert schema["additionalProperties"] is False and schema["description"]
    assert all(prop.get("description") or "$ref" in prop for prop in schema["properties"].values()), cls.__name__


def test_the_records_held_in_lists_are_the_line_records() -> None:
    names = {cls.__name__ for cls in LINE_RECORDS}
    assert {"Saving", "ProgressEntry", "PressureLine", "BudgetLine", "Measure", "MeasureEntry"} <= names


def test_fields_keep_declaration_order_with_the_header_first() -> None:
    assert list(SavingsFile.model_fields) == [
        "kind",
        "year",
        "department",
        "units",
        "source",
        "lines",
        "totals",
        "settings",
        "closed",
    ]
    assert SavingsFile.model_fields["kind"].annotation == Literal["savings"]  # the subclass's narrower kind wins


def test_constructing_a_record_with_bad_values_raises_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        Saving(id="S01", description=3, ongoing="not money")  # type: ignore[arg-type]
    found = {(e["type"], e["loc"]) for e in caught.value.errors()}
    assert found == {("string_type", ("description",)), ("csp_amount", ("ongoing",))}
    with pytest.raises(ValidationError, match="Unexpected keyword argument"):
        Saving(id="S01", description="x", colour="red")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        SavingsTotals(ongoing=1, one_off=0, total=1, grand=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="description"):
        Saving(id="S01")  # type: ignore[call-arg]


def test_construction_fills_defaults_and_makes_fresh_lists() -> None:
    a = Saving(id="S01", description="x")
    b = Saving(id="S02", description="y")
    assert a.ongoing == D(0) and a.division is None
    assert a.progress == [] and a.progress is not b.progress
    assert SavingsSettings().amber_percent == D(75)
    assert SavingsSettings(green_percent=D(90)).model_fields_set == {"green_percent"}


def test_records_are_frozen_and_copies_are_made_changed() -> None:
    totals = SavingsTotals(ongoing=D(5), one_off=D(0), total=D(5))
    with pytest.raises(ValidationError, match="frozen"):
        totals.ongoing = D(6)  # type: ignore[misc]
    changed = totals.model_copy(update={"ongoing": D(6)})
    assert (totals.ongoing, changed.ongoing) == (D(5), D(6))
    saving = Saving(id="S01", description="x", ongoing=D(5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        saving.ongoing = D(6)  # type: ignore[misc]
    assert dataclasses.replace(saving, ongoing=D(6)).ongoing == D(6) and saving.ongoing == D(5)
    with pytest.raises(ValidationError):  # a dataclass copy is validated again
        dataclasses.replace(saving, ongoing="lots")


def test_equality_and_repr_cover_every_field() -> None:
    one = ProgressEntry(period="P01", forecast=D(1))
    assert one == ProgressEntry(period="P01", forecast=D(1))
    assert one != ProgressEntry(period="P01", forecast=D(2))
    assert one != "P01"
    assert repr(one) == (
        "ProgressEntry(period='P01', forecast=Decimal('1.00'), delivered=None, achieved=None, at_risk=None, "
        "rag=None, note=None)"
    )


def test_validation_makes_records_with_the_figures_in_pounds() -> None:
    data = {"id": "S01", "description": "x", "ongoing": "£1.2m", "progress": [{"period": "P03", "forecast": 900}]}
    saving = TypeAdapter(Saving).validate_python(data, context={"units": "thousands"})
    assert type(saving) is Saving and type(saving.progress[0]) is ProgressEntry
    assert saving.ongoing == D(1_200_000) and saving.progress[0].forecast == D(900_000)
    assert saving.target == D(1_200_000) and saving.one_off == D(0)


def test_a_type_adapter_validates_a_list_of_records_with_the_units() -> None:
    adapter = TypeAdapter(list[ProgressEntry])
    entries = adapter.validate_python([{"period": "P01", "forecast": "1.5"}], context={"units": "millions"})
    assert entries == [ProgressEntry(period="P01", forecast=D(1_500_000))]
    assert adapter.json_schema()["items"]["$ref"].endswith("ProgressEntry")


def test_validation_errors_are_pydantics_with_their_places() -> None:
    data = {"id": "", "description": "x", "ownr": "A", "progress": [{"period": "P13"}]}
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(Saving).validate_python(data)
    found = {(e["type"], e["loc"]) for e in caught.value.errors()}
    assert found == {
        ("string_too_short", ("id",)),
        ("unexpected_keyword_argument", ("ownr",)),
        ("csp_period", ("progress", 0, "period")),
        ("missing", ("progress", 0, "forecast")),
    }


def test_a_bad_measure_period_is_a_validation_error_with_its_hint() -> None:
    """A measure's period (a month or a quarter) is checked as a savings period is,
    each with its own wording; a library user gets a ValidationError either way."""
    with pytest.raises(ValidationError) as caught:
        models.MeasureEntry(period="P13", value=D(1))
    [found] = caught.value.errors()
    assert (found["type"], found["loc"], found["input"]) == ("csp_period", ("period",), "P13")
    assert found["msg"] == "the period is not one of P01..P12 or Q1..Q4"
    assert found["ctx"]["hint"] == "write P06 for a month, Q2 for a quarter"
    assert models.MeasureEntry(period="Q2", value=D(1)).period == "Q2"


def test_validate_loads_none_of_the_renderers() -> None:
    """A validate of the shipped data imports no heavy optional library (README, Performance)."""
    script = (
        "import sys\nfrom csplan.cli import run\nsys.argv = ['csplan', 'validate']\n"
        "try:\n    run()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.splitlines()[-1].split())
    assert "csplan.models" in loaded and "pydantic.main" in loaded
    heavy = {"ruamel.yaml", "jinja2", "openpyxl", "yaml_rs", "csplan.diff"}
    assert not heavy & loaded, heavy & loaded
    # Nor the reports, the council code or the JSON encoder: each costs start-up time
    # (README, Performance, Start-up), and text output of these files needs none of them.
    unused = {"csplan.savings", "csplan.measures", "csplan.council", "csplan.render.jsonout", "orjson"}
    assert not unused & loaded, unused & loaded


def test_every_kind_has_a_record() -> None:
    assert set(MODELS) == {"pressures", "savings", "budget", "measures", "programme"}
    assert all(issubclass(cls, Record) for cls in MODELS.values())
