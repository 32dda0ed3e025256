"""Records: built like dataclasses, validated by pydantic-core, cheap to start."""

import subprocess
import sys
from decimal import Decimal as D
from typing import Literal

import pytest
from pydantic_core import ValidationError

from csplan import models
from csplan.models import MODELS, ProgressEntry, Saving, SavingsFile, SavingsSettings
from csplan.records import Record, core_schema_of, factory, replace, validate, validator

RECORDS = [c for c in vars(models).values() if isinstance(c, type) and issubclass(c, Record) and c is not Record]


@pytest.mark.parametrize("cls", RECORDS, ids=lambda cls: cls.__name__)
def test_every_record_compiles(cls: type[Record]) -> None:
    assert validator(cls) is validator(cls)  # compiled once, then reused
    assert cls.record_fields, f"{cls.__name__} declares no fields"


def test_fields_keep_declaration_order_with_the_header_first() -> None:
    assert list(SavingsFile.record_fields) == [
        "kind",
        "year",
        "department",
        "units",
        "source",
        "lines",
        "totals",
        "settings",
    ]
    assert SavingsFile.record_fields["kind"] == Literal["savings"]  # the subclass's narrower kind wins


def test_construction_fills_defaults_and_makes_factories_fresh() -> None:
    a = Saving(id="S01", description="x")
    b = Saving(id="S02", description="y")
    assert a.ongoing == D(0) and a.division is None
    assert a.progress == [] and a.progress is not b.progress
    assert a.fields_set == {"id", "description"}
    assert SavingsSettings().amber_percent == D(75)


def test_construction_refuses_unknown_and_missing_fields() -> None:
    with pytest.raises(TypeError, match="no field colour"):
        Saving(id="S01", description="x", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="needs a value for description"):
        Saving(id="S01")  # type: ignore[call-arg]


def test_records_are_read_only_and_replace_makes_a_copy() -> None:
    saving = Saving(id="S01", description="x", ongoing=D(5))
    with pytest.raises(AttributeError, match="read-only"):
        saving.ongoing = D(6)  # type: ignore[misc]
    changed = replace(saving, ongoing=D(6))
    assert (saving.ongoing, changed.ongoing) == (D(5), D(6))
    assert changed.fields_set == {"id", "description", "ongoing"}
    with pytest.raises(TypeError):
        replace(saving, colour="red")


def test_equality_and_repr_cover_every_field() -> None:
    one = ProgressEntry(period="P01", forecast=D(1))
    assert one == ProgressEntry(period="P01", forecast=D(1))
    assert one != ProgressEntry(period="P01", forecast=D(2))
    assert one != "P01"
    assert repr(one) == "ProgressEntry(period='P01', forecast=Decimal('1'), delivered=None, rag=None, note=None)"


def test_validation_makes_records_with_the_figures_in_pounds() -> None:
    data = {"id": "S01", "description": "x", "ongoing": "£1.2m", "progress": [{"period": "P03", "forecast": 900}]}
    saving = validate(Saving, data, {"units": "thousands"})
    assert type(saving) is Saving and type(saving.progress[0]) is ProgressEntry
    assert saving.ongoing == D(1_200_000) and saving.progress[0].forecast == D(900_000)
    assert saving.target == D(1_200_000)
    assert saving.fields_set == {"id", "description", "ongoing", "progress"}
    assert saving.one_off == D(0) and "one_off" not in saving.fields_set


def test_validation_errors_are_pydantics_with_their_places() -> None:
    data = {"id": "", "description": "x", "ownr": "A", "progress": [{"period": "P13"}]}
    with pytest.raises(ValidationError) as caught:
        validator(Saving).validate_python(data)
    found = {(e["type"], e["loc"]) for e in caught.value.errors()}
    assert found == {
        ("string_too_short", ("id",)),
        ("extra_forbidden", ("ownr",)),
        ("csp_period", ("progress", 0, "period")),
        ("missing", ("progress", 0, "forecast")),
    }


def test_a_type_records_cannot_hold_is_refused_when_the_schema_is_built() -> None:
    class Odd(Record):
        when: float

    with pytest.raises(TypeError, match="cannot hold <class 'float'>"):
        core_schema_of(Odd)


def test_a_record_used_in_several_places_is_defined_once() -> None:
    class Entry(Record):
        name: str

    class Book(Record):
        first: Entry
        others: list[Entry] = factory(list)

    book = validator(Book).validate_python({"first": {"name": "a"}, "others": [{"name": "b"}]})
    assert book == Book(first=Entry(name="a"), others=[Entry(name="b")])
    assert len(core_schema_of(Book)["definitions"]) == 2  # type: ignore[typeddict-item]


def test_annotations_as_text_are_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match="remove 'from __future__ import annotations'"):

        class Later(Record):
            name: "str"


def test_validate_loads_neither_pydantic_nor_the_renderers() -> None:
    """The start-up design (README, Performance): a validate of the shipped data uses
    pydantic-core alone, not Pydantic's model machinery, and no heavy optional library."""
    script = (
        "import sys\nfrom csplan.cli import run\nsys.argv = ['csplan', 'validate']\n"
        "try:\n    run()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = set(result.stdout.splitlines()[-1].split())
    assert "csplan.models" in loaded and "pydantic_core" in loaded
    heavy = {"pydantic.main", "pydantic.fields", "rich", "ruamel.yaml", "jinja2", "openpyxl", "yaml_rs", "csplan.diff"}
    assert not heavy & loaded, heavy & loaded


def test_every_kind_has_a_record() -> None:
    assert set(MODELS) == {"pressures", "savings", "budget", "measures"}
    assert all(issubclass(cls, Record) for cls in MODELS.values())
