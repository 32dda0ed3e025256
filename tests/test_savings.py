from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from conftest import DATA, EXAMPLES, Edit
from csplan import validate_plan
from csplan.models import ProgressEntry, Saving, SavingsSettings
from csplan.savings import NOT_REPORTED, derive_rag, latest_entry, saving_status, savings_report

D = Decimal
DEFAULT = SavingsSettings()


@pytest.mark.parametrize(
    ("forecast", "delivered", "rag"),
    [
        ("100000", "100000", "blue"),
        ("100000", "99999.99", "green"),
        ("100000", None, "green"),
        ("99999.99", None, "amber"),
        ("75000", None, "amber"),  # exactly 75%: amber
        ("74999.99", None, "red"),  # a penny under: red
        ("0", None, "red"),
        ("120000", None, "green"),
    ],
)
def test_rag_boundaries_are_exact(forecast: str, delivered: str | None, rag: str) -> None:
    judgement = derive_rag(D(100000), D(forecast), D(delivered) if delivered else None, DEFAULT)
    assert judgement.rag == rag


def test_reason_in_words() -> None:
    judgement = derive_rag(D(833000), D(600000), None, DEFAULT)
    assert judgement.reason == (
        "forecast £600,000 is 72% of target £833,000; shortfall £233,000, below the 75% amber threshold"
    )


def test_percent_shown_never_rounds_up_across_a_threshold() -> None:
    judgement = derive_rag(D(100000), D("74999.99"), None, DEFAULT)
    assert judgement.rag == "red" and "is 74% of target" in judgement.reason


def test_thresholds_are_settings() -> None:
    strict = SavingsSettings(green_percent=D(100), amber_percent=D(90))
    assert derive_rag(D(100000), D(80000), None, DEFAULT).rag == "amber"
    assert derive_rag(D(100000), D(80000), None, strict).rag == "red"
    assert "below the 90% amber threshold" in derive_rag(D(100000), D(80000), None, strict).reason


def test_settings_block_changes_the_derived_rag(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "savings.yaml"
    edit(
        path,
        "    ongoing: 833000\n    one_off: 0\n",
        "    ongoing: 833000\n    one_off: 0\n    progress:\n      - period: P06\n        forecast: 700000\n",
    )
    plan, _ = validate_plan(data_copy)
    assert savings_report(plan.savings()[1]).statuses[5].rag == "amber"  # 84%
    path.write_text(path.read_text() + "settings:\n  amber_percent: 85\n")
    plan, findings = validate_plan(data_copy)
    assert findings == []
    assert savings_report(plan.savings()[1]).statuses[5].rag == "red"


def test_inconsistent_thresholds_are_an_error(data_copy: Path) -> None:
    path = data_copy / "savings.yaml"
    path.write_text(path.read_text() + "settings:\n  amber_percent: 110\n")
    _, findings = validate_plan(data_copy)
    assert [f.code for f in findings] == ["CSP405"]


def saving(*entries: ProgressEntry) -> Saving:
    return Saving(id="S06", description="Children's Centre review", ongoing=D(833000), progress=list(entries))


def test_status_as_at_a_period() -> None:
    s = saving(ProgressEntry(period="P03", forecast=D(833000)), ProgressEntry(period="P06", forecast=D(600000)))
    assert latest_entry(s, "P02") is None
    assert saving_status(s, DEFAULT, "P02").rag == NOT_REPORTED
    assert saving_status(s, DEFAULT, "P05").rag == "green"
    assert saving_status(s, DEFAULT, "P06").rag == "red"
    assert saving_status(s, DEFAULT).variance == D(-233000)


def test_officer_rag_better_than_figures_is_not_shown() -> None:
    s = saving(ProgressEntry(period="P06", forecast=D(600000), rag="green"))
    status = saving_status(s, DEFAULT)
    assert (status.rag, status.officer_rag, status.derived_rag) == ("red", "green", "red")
    assert status.reason.startswith("officer's green not supported: forecast £600,000 is 72%")


def test_officer_rag_worse_than_figures_is_respected() -> None:
    s = saving(ProgressEntry(period="P06", forecast=D(833000), rag="amber"))
    status = saving_status(s, DEFAULT)
    assert (status.rag, status.derived_rag) == ("amber", "green")


def test_shipped_data_all_not_reported_with_stated_totals() -> None:
    plan, _ = validate_plan(DATA)
    report = savings_report(plan.savings()[1])
    assert [s.rag for s in report.statuses] == [NOT_REPORTED] * 12
    assert (report.totals.ongoing, report.totals.one_off, report.totals.target) == (D(3226000), D(32000), D(3258000))
    assert report.reconciles
    assert report.rag_summary[NOT_REPORTED].count == 12
    assert report.rag_summary[NOT_REPORTED].target == D(3258000)


def test_illustrative_data_covers_every_rag() -> None:
    plan, findings = validate_plan(EXAMPLES / "illustrative")
    assert findings == []
    report = savings_report(plan.savings()[1], "P06")
    assert {s.rag for s in report.statuses} == {"blue", "green", "amber", "red", NOT_REPORTED}
    assert sum(c.count for c in report.rag_summary.values()) == 12
    assert sum(c.target for c in report.rag_summary.values()) == D(3258000)


def test_filters_and_sorts() -> None:
    plan, _ = validate_plan(EXAMPLES / "illustrative")
    model = plan.savings()[1]
    red = savings_report(model, "P06", rags=["red"])
    assert [s.id for s in red.statuses] == ["S06", "S09"] and red.filtered
    assert red.totals.target == D(833000 + 610000)
    by_variance = savings_report(model, "P06", sort="variance")
    variances = [s.variance for s in by_variance.statuses if s.variance is not None]
    assert variances == sorted(variances) and by_variance.statuses[-1].rag == NOT_REPORTED
    by_rag = savings_report(model, "P06", sort="rag")
    assert [s.rag for s in by_rag.statuses][:2] == ["red", "red"]
    education = savings_report(model, division="education")
    assert [s.id for s in education.statuses] == ["S07", "S08"]


def test_monitoring_checks(data_copy: Path, edit: Edit) -> None:
    path = data_copy / "savings.yaml"
    edit(
        path,
        "    ongoing: 833000\n    one_off: 0\n",
        "    ongoing: 833000\n    one_off: 0\n    progress:\n"
        "      - period: P06\n        forecast: 600000\n        rag: green\n"
        "      - period: P06\n        forecast: 600000\n"
        "      - period: P07\n        forecast: 600000\n        delivered: 700000\n",
    )
    _, findings = validate_plan(data_copy)
    assert [(f.code, f.severity) for f in findings] == [("CSP404", "warning"), ("CSP402", "error"), ("CSP403", "error")]
    assert findings[0].message == "S06 P06 says green but forecast £600,000 is 72% of £833,000: derived red"
