"""csplan council report: the council's figures are council status's, each department
has its section and a link to it, and the page passes the department report's
browser test (no errors, no requests, no clipped chart text, A4 pages)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, FolderCopy
from csplan.cli import app
from test_report import (
    CHART_GEOMETRY,
    CHROMIUM,
    chart_problems,
    needs_chromium,
    pdf_page_count,
    print_to_a4,
    printed_page_texts,
    too_wide,
    watched_page,
)

runner = CliRunner()
COUNCIL = EXAMPLES / "council"


def write_council_report(tmp_path: Path, folder: Path, *args: str, code: int = 0) -> str:
    out = tmp_path / "council.html"
    result = runner.invoke(app, ["--data", str(folder), "council", "report", "-o", str(out), *args])
    assert result.exit_code == code, result.output
    return out.read_text(encoding="utf-8")


def cards(page: str) -> dict[str, str]:
    found = re.findall(r'data-figure="([^"]+)"><div class="label">[^<]*</div><div class="value">([^<]*)</div>', page)
    return {label: value for label, value in found}


@pytest.fixture
def council_page(tmp_path: Path) -> str:
    return write_council_report(tmp_path, COUNCIL, "--period", "P06")


def test_headline_is_council_status(council_page: str) -> None:
    status = json.loads(
        runner.invoke(app, ["--data", str(COUNCIL), "council", "status", "-p", "P06", "-f", "json"]).stdout
    )
    total = status["total"]
    figures = cards(council_page)
    assert figures["Savings target"] == f"£{total['savings_target']:,}" == "£8,758,000"
    assert figures["Forecast"] == f"£{total['savings_forecast']:,}"
    assert figures["Shortfall"] == f"£{total['shortfall']:,}"
    assert figures["After mitigation"] == f"£{total['shortfall_after_mitigation']:,}"
    assert figures["Budget"] == f"£{total['budget'] / 1_000_000:.3f}m" == "£588.272m"
    assert figures["Variance"] == f"£{total['variance'] / 1_000_000:.3f}m"
    assert "<title>Example County Council: savings and budget monitoring, 2025-26, P06 (September 2025)" in council_page


def test_a_row_and_a_linked_section_per_department(council_page: str) -> None:
    for anchor, name in (
        ("dept-children-s-services", "Children&#39;s Services"),
        ("dept-adult-social-care", "Adult Social Care"),
    ):
        assert f'<section id="{anchor}"' in council_page
        assert council_page.count(f'href="#{anchor}"') >= 3  # headline links, both tables, sources
        section = council_page.split(f'<section id="{anchor}"')[1].split("</section>")[0]
        assert f">{name}</h2>" in section
        assert f"Figures from {COUNCIL}/" in section
    adults = council_page.split('<section id="dept-adult-social-care"')[1]
    assert "Review of care packages against assessed need" in adults and "£5,500,000" in adults


def test_largest_shortfalls_and_overspends_council_wide(council_page: str) -> None:
    largest = council_page.split('id="largest"')[1].split("</section>")[0]
    shortfalls, overspends = largest.split("<table>")[1:3]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", shortfalls)
    # S02 Adult Social Care £800,000 short; S06 Children's Services £233,000; then S09 £160,000.
    assert rows[:3] == [
        ("Adult Social Care", "S02"),
        ("Children&#39;s Services", "S06"),
        ("Children&#39;s Services", "S09"),
    ]
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>", overspends)
    assert rows[:2] == [("Children&#39;s Services", "EHS"), ("Adult Social Care", "OP")]


def test_valid_html_small_and_offline(council_page: str) -> None:
    html5lib.HTMLParser(strict=True).parse(council_page)
    assert len(council_page.encode()) < 1_000_000
    assert not re.search(r'(src|href)="https?:', council_page)
    assert "<script" not in council_page


def test_a_department_left_out_is_flagged_in_the_report(tmp_path: Path, folder_copy: FolderCopy) -> None:
    council = folder_copy("council", "council")
    savings = council / "adult-social-care" / "savings.yaml"
    savings.write_text(savings.read_text().replace("  total: 5500000", "  total: 5600000"))
    page = write_council_report(tmp_path, council, code=1)
    assert cards(page)["Savings target"] == "£3,258,000"
    assert "The council total excludes 1 department with errors (Adult Social Care)." in page
    section = page.split('<section id="dept-adult-social-care"')[1].split("</section>")[0]
    assert "<strong>Left out of the council total</strong>: " in section
    assert f"{council / 'adult-social-care' / 'budget_2025_26.yaml'}:13:12: error CSP302" in section


def test_the_report_is_not_written_over_a_data_file(tmp_path: Path, folder_copy: FolderCopy) -> None:
    council = folder_copy("council", "council")
    before = (council / "council.yaml").read_bytes()
    result = runner.invoke(app, ["--data", str(council), "council", "report", "-o", str(council / "council.yaml")])
    assert result.exit_code == 2
    assert (council / "council.yaml").read_bytes() == before


@needs_chromium
def test_in_chromium_on_screen_and_printed_to_a4(council_page: str, tmp_path: Path) -> None:
    """The department report's browser test, on the council report."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "CI installs Debian's chromium (.ci/run)"
    path = tmp_path / "council.html"
    path.write_text(council_page, encoding="utf-8")
    (tmp_path / "latest").mkdir()
    latest = tmp_path / "latest.html"
    latest.write_text(write_council_report(tmp_path / "latest", COUNCIL), encoding="utf-8")
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser, page = watched_page(playwright, requests, problems)
        page.goto(path.as_uri())
        assert page.locator("figure").count() == 2
        assert page.locator("figure", has_text="Budget variance by department").locator("g.row").count() == 2
        charts = page.evaluate(CHART_GEOMETRY)
        # Following a department's link lands on its section.
        page.click("nav a[href='#dept-adult-social-care']")
        top = page.eval_on_selector("#dept-adult-social-care", "s => s.getBoundingClientRect().top")
        screenshot = tmp_path / "council.png"
        page.screenshot(path=str(screenshot), full_page=True)
        card_tops, headings, pdf = print_to_a4(page)
        wide = too_wide(page)
        # As the new-user trial printed it (latest returns): the departments' savings
        # table ran 22px past the right margin.
        page.emulate_media(media="screen")
        page.goto(latest.as_uri())
        print_to_a4(page)
        wide += too_wide(page)
        browser.close()
    assert wide == [], "\n".join(wide)
    assert requests == [path.as_uri(), latest.as_uri()]
    assert problems == []
    assert abs(top) < 2, top
    assert chart_problems(charts) == []
    assert screenshot.stat().st_size > 50_000
    assert all(len(set(map(round, row))) == 1 for row in card_tops), card_tops
    pages = pdf_page_count(pdf)
    assert 3 <= pages <= 10, pages
    printed_page_texts(pdf, pages, headings, tmp_path / "council.pdf")
