from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from conftest import DATA, Edit
from csplan import validate_plan
from csplan.cli import app
from csplan.pressures import pressures_report, share

runner = CliRunner()


def test_pressures_table_sums_to_stated_total() -> None:
    result = runner.invoke(app, ["--data", str(DATA), "pressures"])
    assert result.exit_code == 0
    for n in range(1, 6):
        assert f"P0{n}" in result.stdout
    assert "£23.998m" in result.stdout and "Stated total £23.998m: reconciles" in result.stdout


def test_pressures_json() -> None:
    result = runner.invoke(app, ["--data", str(DATA), "pressures", "--format", "json"])
    data = json.loads(result.stdout)
    assert [line["id"] for line in data["lines"]] == ["P01", "P02", "P03", "P04", "P05"]
    assert data["total"] == 23998000 and data["stated_total"] == 23998000 and data["reconciles"] is True
    assert [line["amount"] for line in data["lines"]] == [14800000, 4000000, 3225000, 1640000, 333000]


def test_shares() -> None:
    plan, _ = validate_plan(DATA)
    report = pressures_report(*plan.pressures())
    assert [r.share for r in report.rows] == [Decimal(x) for x in ("61.7", "16.7", "13.4", "6.8", "1.4")]
    assert share(Decimal(1), Decimal(0)) is None


def test_unreconciled_pressures_show_the_finding_and_exit_1(data_copy: Path, edit: Edit) -> None:
    edit(data_copy / "pressures.yaml", "amount: 0.333", "amount: 0.0333")
    result = runner.invoke(app, ["--data", str(data_copy), "pressures"])
    assert result.exit_code == 1
    assert "DOES NOT reconcile (lines sum to £23.6983m)" in result.stdout
    assert "CSP201" in result.stdout and "0.333 would reconcile" in result.stdout
    csv_out = runner.invoke(app, ["--data", str(data_copy), "pressures", "-f", "csv"]).stdout
    assert csv_out.splitlines()[5] == "P05,Inflation - historic pensions,ongoing,0.0333,33300,0.1"


def test_csv_amount_m_holds_millions_and_units_name_the_one_amount_column() -> None:
    # amount_m held pounds (14800000, as amount) unless --units millions was given.
    def csv_rows(*units: str) -> list[str]:
        result = runner.invoke(app, ["--data", str(DATA), "pressures", "-f", "csv", *units])
        assert result.exit_code == 0, result.output
        return result.stdout.splitlines()

    rows = csv_rows()
    assert rows[0] == "id,description,funding,amount_m,amount,share"
    assert rows[1] == "P01,Children's social care demography,ongoing,14.8,14800000,61.7"
    assert rows[5] == "P05,Inflation - historic pensions,ongoing,0.333,333000,1.4"
    assert csv_rows("--units", "millions")[:2] == [
        "id,description,funding,amount (£m),share",
        "P01,Children's social care demography,ongoing,14.8,61.7",
    ]
    assert csv_rows("--units", "thousands")[:2] == [
        "id,description,funding,amount (£'000),share",
        "P01,Children's social care demography,ongoing,14800,61.7",
    ]
