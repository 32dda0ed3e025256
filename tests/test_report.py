"""csplan report: numbers match the other commands, RAG is never colour alone, and the
page opens in a real browser with no errors and no network requests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import html5lib
import pytest
from typer.testing import CliRunner

from conftest import DATA, EXAMPLES, FolderCopy, csp302_folder
from csplan.cli import app

runner = CliRunner()
ILLUSTRATIVE = str(EXAMPLES / "illustrative")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def write_report(tmp_path: Path, data: str, *args: str) -> str:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["--data", data, "report", "--output", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def cards(page: str) -> dict[str, str]:
    found = re.findall(r'data-figure="([^"]+)"><div class="label">[^<]*</div><div class="value">([^<]*)</div>', page)
    return {label: value.replace("&#39;", "'") for label, value in found}


@pytest.fixture
def illustrative_page(tmp_path: Path) -> str:
    return write_report(tmp_path, ILLUSTRATIVE, "--period", "P06")


def test_headline_matches_savings_status_and_budget_variance(illustrative_page: str) -> None:
    status = json.loads(
        runner.invoke(app, ["--data", ILLUSTRATIVE, "savings", "status", "-p", "P06", "-f", "json"]).stdout
    )
    budget = json.loads(
        runner.invoke(app, ["--data", ILLUSTRATIVE, "budget", "variance", "-p", "P06", "-f", "json"]).stdout
    )
    figures = cards(illustrative_page)
    totals = status["totals"]
    assert figures["Savings target"] == f"£{totals['target']:,}"
    assert figures["Forecast"] == f"£{totals['forecast']:,}"
    assert figures["Shortfall"] == f"£{totals['shortfall']:,}"
    assert f"{totals['forecast_percent']}% of target" in illustrative_page
    assert figures["Budget"] == "£175.772m"
    assert figures["Variance"] == f"£{budget['totals']['variance'] / 1_000_000:.3f}m"
    assert "P06 (September 2025)" in illustrative_page


def test_shortfall_card_is_the_shortfall_not_netted_against_over_delivery(tmp_path: Path) -> None:
    data = str(EXAMPLES / "year-end")
    args = ["--year", "2025-26", "--period", "P12"]
    status = json.loads(
        runner.invoke(app, ["--data", data, "savings", "status", *args, "-f", "json"]).stdout, parse_float=Decimal
    )
    totals = status["totals"]
    short = sum(s["target"] - s["forecast"] for s in status["savings"] if s["forecast"] < s["target"])
    ahead = sum(s["forecast"] - s["target"] for s in status["savings"] if s["forecast"] > s["target"])
    assert ahead > 0 and totals["shortfall"] == short  # a saving over target: the net variance is smaller
    page = write_report(tmp_path, data, *args)
    assert cards(page)["Shortfall"] == f"£{short:,}" != f"£{-totals['variance']:,}"
    mitigation = page[page.index("Shortfall before and after mitigation") :]
    assert f'<td class="num">£{short:,}</td>' in mitigation  # the table's total: the same figure
    assert f"£{ahead:,} forecast above target elsewhere, net variance (£{-totals['variance']:,})" in page


def test_one_bar_per_saving_and_every_rag_mark_labelled(illustrative_page: str) -> None:
    status = json.loads(
        runner.invoke(app, ["--data", ILLUSTRATIVE, "savings", "status", "-p", "P06", "-f", "json"]).stdout
    )
    forecast_chart = next(f for f in illustrative_page.split("<figure>")[1:] if "Forecast against target" in f)
    assert forecast_chart.count('<g class="row rag-mark"') == len(status["savings"]) == 12
    for saving in status["savings"]:
        assert f">{saving['id']} " in forecast_chart
    # Every coloured RAG mark, in charts and tables, carries its word in text.
    marks = illustrative_page.split('data-rag="')[1:]
    assert len(marks) >= 12 + 5 + 12 + 3  # forecast bars, RAG bars, table cells, budget lines
    for chunk in marks:
        rag, body = chunk.split('"', 1)
        words = re.sub(r"<[^>]+>", " ", body.split("data-rag=")[0])
        assert rag in words, (rag, words[:200])


def test_movement_since_the_previous_return_and_the_largest_movers(
    illustrative_page: str, tmp_path: Path, folder_copy: FolderCopy
) -> None:
    section = illustrative_page.split('<section aria-labelledby="movement">')[1].split("</section>")[0]
    assert "Movement since P03 (June 2025)" in section
    assert "Largest movers: S06 Children&#39;s Centre review, down £233,000" in section
    rows = re.findall(r"<tr><td>(S\d\d)</td>", section)
    assert rows[0] == "S06" and len(rows) == 11  # S10 has no return to move
    assert "<td>first return</td>" in section and "down £233,000 like for like" in section
    later = folder_copy("illustrative", "later")
    savings = later / "savings.yaml"
    text = savings.read_text(encoding="utf-8")
    s06 = "      - period: P06\n        forecast: 600000\n"
    assert text.count(s06) == 1
    savings.write_text(text.replace(s06, s06 + "      - period: P07\n        forecast: 550000\n", 1))
    page = write_report(tmp_path, str(later), "--period", "P07")
    section = page.split('<section aria-labelledby="movement">')[1].split("</section>")[0]
    assert "Movement since P06 (September 2025)" in section
    assert "Largest movers: S06 Children&#39;s Centre review, down £50,000" in section
    assert "down £50,000 on the 1 saving reported at both (1 down); no return for P07 from 10 savings" in section
    # Only S06 returned for P07: the others' forecasts are their P06 returns, so the
    # column is not headed "Forecast P07"; each row names its return's period.
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", section.split("</thead>")[0])
    assert headings == ["ID", "Saving", "Forecast P06", "Forecast", "Period", "Movement", "RAG"]
    assert "Forecast P07" not in section
    cells = r"<tr><td>(S\d\d)</td><td>[^<]*</td>" + r"<td[^>]*>[^<]*</td>" * 2 + r"<td>(P\d\d)"
    periods = dict(re.findall(cells, section))
    assert periods["S06"] == "P07" and periods["S09"] == "P06" and len(periods) == 11
    since = write_report(tmp_path, str(later), "--period", "P07", "--since", "P03")
    section = since.split('<section aria-labelledby="movement">')[1].split("</section>")[0]
    assert "Movement since P03 (June 2025)" in section
    assert "Largest movers: S06 Children&#39;s Centre review, down £283,000" in section


def test_valid_html_and_small(illustrative_page: str, tmp_path: Path) -> None:
    html5lib.HTMLParser(strict=True).parse(illustrative_page)
    assert len(illustrative_page.encode()) < 1_000_000
    assert (
        "http://" not in illustrative_page.replace("http-equiv", "")
        or "http://www.w3.org/2000/svg" in illustrative_page
    )
    assert not re.search(r'(src|href)="https?:', illustrative_page)


def test_shipped_data_still_renders(tmp_path: Path) -> None:
    page = write_report(tmp_path, str(DATA))
    html5lib.HTMLParser(strict=True).parse(page)
    figures = cards(page)
    assert figures["Savings target"] == "£3,258,000" and figures["Forecast"] == "not reported"
    assert figures["Budget"] == "£175.772m" and figures["Pressure funding"] == "£23.998m"
    assert page.count("not reported") >= 12
    assert "the budget has no line split" in page
    assert len(page.encode()) < 1_000_000


def test_compare_says_what_changed_in_words(tmp_path: Path, folder_copy: FolderCopy) -> None:
    repo = tmp_path / "repo"
    folder_copy("illustrative", "repo/data")

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "September")
    savings = repo / "data" / "savings.yaml"
    s06 = "      - period: P06\n        forecast: 600000\n"
    savings.write_text(savings.read_text().replace(s06, s06 + "      - period: P07\n        forecast: 550000\n", 1))
    budget = repo / "data" / "budget_2025_26.yaml"
    text = budget.read_text()
    assert text.count("P06: 100.250") == 1
    budget.write_text(text.replace("P06: 100.250", "P06: 100.250\n      P07: 101.000"))
    page = write_report(tmp_path, str(repo / "data"), "--compare", "HEAD")
    section = page.split('<section aria-labelledby="changes">')[1].split("</section>")[0]
    assert '<h2 id="changes">Changes since HEAD' in section
    assert "<h3>Savings 2025-26</h3>" in section and "<h3>Budget 2025-26</h3>" in section
    assert "<li>S06 forecast P06 → P07: £600,000 → £550,000 (down £50,000)</li>" in section
    assert "<li>EHS forecast outturn P07: £101,000,000 (new)</li>" in section
    assert "The stated totals reconcile, before and after." in section
    # None of the program's own names for fields.
    assert "progress[" not in section and "forecast[" not in section and "-&gt;" not in section
    assert "with uncommitted changes" in page


def test_report_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--data", str(DATA), "report", "--output", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2


# -- a report written from data with errors says so on the page ---------------------------------


def write_report_with_errors(tmp_path: Path, data: Path, *args: str) -> str:
    out = tmp_path / "errors.html"
    result = runner.invoke(app, ["--data", str(data), "report", "--output", str(out), *args])
    assert result.exit_code == 1, result.output  # exit codes as before: written, and 1
    assert "error CSP" in result.stderr
    return out.read_text(encoding="utf-8")


def notice(page: str) -> str:
    return page.split('<section class="data-errors" aria-labelledby="data-errors">')[1].split("</section>")[0]


def test_data_with_errors_is_said_before_the_headline(tmp_path: Path, folder_copy: FolderCopy) -> None:
    folder = csp302_folder(folder_copy)
    page = write_report_with_errors(tmp_path, folder)
    html5lib.HTMLParser(strict=True).parse(page)
    assert page.index('class="data-errors"') < page.index('<h2 id="headline">')
    section = notice(page)
    assert "This report was written from data with 1 error: its figures may not agree" in section
    row = re.findall(r"<tr><td>(CSP\d+)</td><td>([^<]*)</td><td>([^<]*)</td>", section)
    assert row == [
        (
            "CSP302",
            f"{folder / 'budget_2025_26.yaml'}:24:12",
            f"includes.savings is £3.258m but {folder / 'savings.yaml'}:86 states £3,225,000 (difference £0.033m)",
        )
    ]
    assert cards(page)["Savings target"] == "£3,225,000"  # the figures are still those of the data
    # A duplicated key (CSP004) is named too.
    duplicated = folder_copy(DATA, "duplicated")
    savings = duplicated / "savings.yaml"
    savings.write_text(savings.read_text().replace("    one_off: 0\n", "    one_off: 0\n    one_off: 0\n", 1))
    section = notice(write_report_with_errors(tmp_path, duplicated))
    assert "<td>CSP004</td>" in section and "duplicate key &#39;one_off&#39;" in section


def test_compare_report_of_data_with_errors_says_so(tmp_path: Path, folder_copy: FolderCopy) -> None:
    repo = tmp_path / "repo"
    folder_copy(DATA, "repo/data")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "plan"], check=True)
    broken = csp302_folder(folder_copy)
    for name in ("savings.yaml",):
        shutil.copyfile(broken / name, repo / "data" / name)
    subprocess.run([*git, "commit", "-qam", "S06 down"], check=True)
    page = write_report_with_errors(tmp_path, repo / "data", "--compare", "HEAD~1")
    assert "<td>CSP302</td>" in notice(page)
    assert '<section aria-labelledby="changes">' in page


def test_clean_data_has_no_notice(illustrative_page: str, tmp_path: Path) -> None:
    assert "data-errors" not in illustrative_page
    assert "data-errors" not in write_report(tmp_path, str(DATA))


def test_an_error_from_data_is_text_on_the_page(tmp_path: Path, folder_copy: FolderCopy) -> None:
    folder = folder_copy(DATA, "hostile")
    savings = folder / "savings.yaml"
    hostile = "'S06<script>alert(1)</script>=HYPERLINK(\"http://example.invalid\")'"
    text = savings.read_text(encoding="utf-8")
    assert text.count("  - id: S06\n") == 1
    savings.write_text(text.replace("  - id: S06\n", f"  - id: {hostile}\n"), encoding="utf-8")
    page = write_report_with_errors(tmp_path, folder)
    section = notice(page)
    assert "<td>CSP110</td>" in section
    assert (
        "id &#39;S06&lt;script&gt;alert(1)&lt;/script&gt;=HYPERLINK(&#34;http://example.invalid&#34;)&#39;" in section
    )
    assert "<script" not in page


def test_a_findings_notice_escapes_every_text() -> None:
    from csplan.findings import error, warning
    from csplan.load import load_plan
    from csplan.position import position
    from csplan.render.html import build_report, render_html

    plan, _ = load_plan(DATA)
    findings = [
        error(
            "CSP302", "<b>x</b>.yaml", 3, None, '=HYPERLINK("http://example.invalid")<script>alert(1)</script>', "<i>"
        ),
        warning("CSP404", "savings.yaml", 4, 5, "a warning"),
    ]
    page = render_html(build_report(position(plan, None, None), "today", findings=findings))
    html5lib.HTMLParser(strict=True).parse(page)
    section = notice(page)
    assert "<td>&lt;b&gt;x&lt;/b&gt;.yaml:3</td>" in section
    assert "<td>=HYPERLINK(&#34;http://example.invalid&#34;)&lt;script&gt;alert(1)&lt;/script&gt;</td>" in section
    assert "<td>&lt;i&gt;</td>" in section
    assert "The data also has 1 warning, not listed here." in section and "a warning" not in section
    assert "<script" not in page and "<b>" not in page and "<i>" not in page


# -- in a real browser ------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed here"
)
PDFTOTEXT = shutil.which("pdftotext")

# Every text of every chart, with its box in the SVG's own units, and the shapes that
# could cross it: what a reader would see cut off or overwritten.
CHART_GEOMETRY = """() => [...document.querySelectorAll('figure svg[viewBox]')].map(svg => {
  const [, , width, height] = svg.getAttribute('viewBox').split(' ').map(Number);
  const box = e => { const b = e.getBBox(); return {x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height}; };
  return {
    title: svg.getAttribute('aria-label'), width, height,
    texts: [...svg.querySelectorAll('text')].map(t => ({
      text: t.textContent, badge: !!t.closest('.badge'), label: t.classList.contains('label'), ...box(t)})),
    shapes: [...svg.querySelectorAll('rect, line')].map(r => ({
      kind: r.getAttribute('class'), badge: !!r.closest('.badge'), ...box(r)})),
  };
})"""


def overlaps(a: dict[str, float], b: dict[str, float], slack: float = 0.5) -> bool:
    return (
        a["x"] < b["right"] - slack
        and b["x"] < a["right"] - slack
        and a["y"] < b["bottom"] - slack
        and b["y"] < a["bottom"] - slack
    )


def chart_problems(charts: list[dict]) -> list[str]:  # type: ignore[type-arg]
    """Texts outside their chart (clipped), or crossed by a bar or a line."""
    problems = []
    for chart in charts:
        for text in chart["texts"]:
            if (
                text["x"] < -0.5
                or text["y"] < -0.5
                or text["right"] > chart["width"] + 0.5
                or (text["bottom"] > chart["height"] + 0.5)
            ):
                problems.append(f"{chart['title']}: {text['text']!r} is clipped ({text})")
            if text["badge"]:
                continue
            for shape in chart["shapes"]:
                if overlaps(text, shape):
                    problems.append(f"{chart['title']}: {text['text']!r} is crossed by a {shape['kind']}")
    return problems


def long_names(folder_copy: FolderCopy) -> Path:
    """The illustrative data with a long id, a long division-style name and a saving
    description with no space to cut at."""
    folder = folder_copy("illustrative", "long")
    savings = folder / "savings.yaml"
    text = savings.read_text(encoding="utf-8")
    text = text.replace("  - id: S07\n", "  - id: CS-2025-26-SAVING-0007-HOME-TO-SCHOOL\n", 1)
    text = text.replace(
        "description: Review Quality Assurance model",
        "description: ReviewQualityAssuranceModelAcrossEveryServiceOfTheDepartment",
        1,
    )
    savings.write_text(text, encoding="utf-8")
    return folder


def watched_page(playwright: Any, requests: list[str], problems: list[str]) -> tuple[Any, Any]:
    """Debian's chromium and a page that records every request it makes and every
    error it logs or raises."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return browser, page


def print_to_a4(page: Any) -> tuple[list[list[float]], list[str], bytes]:
    """The page as printed on A4 (its width inside 15 mm margins is 180 mm, 680 CSS
    pixels): the tops of each row of headline cards, the headings (section, chart,
    table) and the PDF."""
    page.set_viewport_size({"width": 680, "height": 900})
    page.emulate_media(media="print")
    card_tops = page.eval_on_selector_all(
        ".cards", "rows => rows.map(r => [...r.children].map(c => c.getBoundingClientRect().top))"
    )
    headings = page.eval_on_selector_all("h2, caption, figcaption", "hs => hs.map(h => h.innerText.trim())")
    return card_tops, headings, page.pdf(format="A4")


def too_wide(page: Any) -> list[str]:
    """Each table that runs past the page's printable width (call after ``print_to_a4``,
    the page still in print media): its caption and how far over, in CSS pixels."""
    return page.eval_on_selector_all(
        "table",
        """tables => { const b = document.body, s = getComputedStyle(b);
          const right = b.getBoundingClientRect().right - parseFloat(s.paddingRight);
          const over = t => Math.round(t.getBoundingClientRect().right - right);
          const name = t => (t.caption || {}).innerText || "a table";
          return tables.filter(t => over(t) > 0).map(t => `${name(t)}: ${over(t)}px over`);
        }""",
    )


def pdf_page_count(pdf: bytes) -> int:
    assert pdf.startswith(b"%PDF")
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def printed_page_texts(pdf: bytes, pages: int, headings: list[str], path: Path) -> list[str] | None:
    """Each printed page's text (pdftotext, written to ``path`` first), checked: none
    all but blank, and a heading has at least three lines under it on its page. None
    where pdftotext is not installed (CI always installs it)."""
    if not (PDFTOTEXT or os.environ.get("CI")):
        return None
    assert PDFTOTEXT is not None, "CI installs poppler-utils (.ci/run)"
    path.write_bytes(pdf)
    text = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    page_texts = text.stdout.split("\f")[:pages]
    assert len(page_texts) == pages
    for number, page_text in enumerate(page_texts, 1):
        lines = [line.strip() for line in page_text.splitlines() if line.strip()]
        assert len(" ".join(lines)) > 300, f"page {number} is all but blank: {lines}"
        stranded = [line for line in lines[-3:] if line in headings]
        assert not stranded, f"page {number} ends with the heading {stranded[0]!r}"
    return page_texts


@needs_chromium
def test_in_chromium_on_screen_and_printed_to_a4(
    illustrative_page: str, tmp_path: Path, folder_copy: FolderCopy
) -> None:
    """The report as people see it: no errors or requests, no chart label clipped or
    crossed, the headline cards in one row on A4, and the printed pages."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "CI installs Debian's chromium (.ci/run)"
    path = tmp_path / "report.html"
    path.write_text(illustrative_page, encoding="utf-8")
    long_page = tmp_path / "long.html"
    long_page.write_text(write_report(tmp_path, str(long_names(folder_copy)), "--period", "P06"), encoding="utf-8")
    plan_page = tmp_path / "plan.html"
    plan_page.write_text(write_report(tmp_path, str(DATA)), encoding="utf-8")
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser, page = watched_page(playwright, requests, problems)
        page.goto(path.as_uri())
        assert page.locator("figure").count() == 6  # five charts and the programme's
        programme = page.locator("figure", has_text="What became of each year's savings target")
        assert programme.locator("g.row").count() == 1
        assert programme.locator("rect.bar").first.bounding_box() is not None
        forecast = page.locator("figure", has_text="Forecast against target")
        assert forecast.locator("g.row").count() == 12
        assert forecast.locator("rect.bar").first.bounding_box() is not None
        charts = page.evaluate(CHART_GEOMETRY)
        screenshot = tmp_path / "report.png"
        page.screenshot(path=str(screenshot), full_page=True)
        card_tops, headings, pdf = print_to_a4(page)
        wide = too_wide(page)
        # A long id and a description with no space in it still fit their room.
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1100, "height": 900})
        page.goto(long_page.as_uri())
        long_charts = page.evaluate(CHART_GEOMETRY)
        page.goto(plan_page.as_uri())  # no returns yet: every bar and column is a target not yet reported
        plan_charts = page.evaluate(CHART_GEOMETRY)
        browser.close()
    assert requests == [path.as_uri(), long_page.as_uri(), plan_page.as_uri()]
    assert chart_problems(plan_charts) == []
    assert problems == []
    assert screenshot.stat().st_size > 50_000
    assert chart_problems(charts) == []
    assert chart_problems(long_charts) == []
    labels = [t["text"] for chart in long_charts for t in chart["texts"] if t["label"]]
    assert "CS-2025-26-SAVING-0007-HOME-TO-…" in labels or any(
        label.startswith("CS-2025-26-SAVING") and label.endswith("…") for label in labels
    ), labels
    assert any(label.startswith("S03 ReviewQuality") and label.endswith("…") for label in labels), labels
    cut = [label for label in labels if label.endswith("…")]
    assert cut and all(" " not in label[-3:] for label in cut)  # cut at a word or within one, never after a space
    assert wide == []  # every table inside the printed page's margins
    # Headline cards: four in a row on A4, not three and one.
    assert all(len(set(map(round, row))) == 1 for row in card_tops), card_tops
    # The printed pages: how many, none blank, no heading left at the foot of a page.
    pages = pdf_page_count(pdf)
    assert pages == 5, f"{pages} A4 pages; the illustrative report fitted on 5 (the programme on the last)"
    page_texts = printed_page_texts(pdf, pages, headings, tmp_path / "report.pdf")
    if page_texts is not None:
        why = next(n for n, text in enumerate(page_texts) if "Why: the red and amber savings" in text)
        assert "S06 red: forecast £600,000 is 72% of target" in page_texts[why]  # the reasons under their heading


def test_a_folder_that_cannot_be_written_is_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from csplan import writer

    def refuse(path: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(writer, "_replace", refuse)
    result = runner.invoke(app, ["--data", str(DATA), "report", "--output", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"csplan: error: cannot write or read {tmp_path / 'r.html'}: Permission denied")
    assert "Traceback" not in result.output


@needs_chromium
def test_in_chromium_the_errors_are_seen_first_and_printed(tmp_path: Path, folder_copy: FolderCopy) -> None:
    """The notice of a report written from data with errors is on screen above the
    headline, and on the first printed page, before the headline figures."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM is not None, "CI installs Debian's chromium (.ci/run)"
    path = tmp_path / "errors.html"
    path.write_text(write_report_with_errors(tmp_path, csp302_folder(folder_copy)), encoding="utf-8")
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser, page = watched_page(playwright, requests, problems)
        page.goto(path.as_uri())
        box = page.locator(".data-errors")
        assert box.is_visible()
        assert box.get_by_text("CSP302", exact=True).is_visible()
        top, headline = box.bounding_box(), page.locator("#headline").bounding_box()
        assert top is not None and headline is not None and top["y"] + top["height"] <= headline["y"]
        assert top["y"] < 900  # in the first screenful
        _, headings, pdf = print_to_a4(page)
        assert page.locator(".data-errors").is_visible()  # not hidden by the print styles
        browser.close()
    assert requests == [path.as_uri()] and problems == []
    page_texts = printed_page_texts(pdf, pdf_page_count(pdf), headings, tmp_path / "errors.pdf")
    if page_texts is not None:
        first = " ".join(page_texts[0].split())
        assert "This report was written from data with 1 error: its figures may not agree" in first
        assert first.index("CSP302") < first.index("Headline, as at")


def test_budget_cards_subtract_to_the_variance_against_the_revised_budget(tmp_path: Path) -> None:
    """examples/published revises its budget during the year (+£250k at P09): at P10 the
    Budget card is the revised £92,150k the variance is measured against, so Forecast
    outturn minus Budget is the Variance card, and it names the original and the changes
    as budget variance does."""
    published = str(EXAMPLES / "published")
    page = write_report(tmp_path, published, "--period", "P10")
    figures = cards(page)
    totals = json.loads(
        runner.invoke(app, ["--data", published, "budget", "variance", "-p", "P10", "-f", "json"]).stdout
    )["totals"]
    assert (totals["original"], totals["budget"], totals["variance"]) == (91900000, 92150000, 450000)
    assert figures["Budget"] == "£92,150k"
    assert figures["Forecast outturn"] == "£92,600k"
    assert figures["Variance"] == "£450k"
    assert "2025-26 revised: original £91,900k, changes during the year £250k</div>" in page
    # Before the change at P09 the budget is the original, and no revision is named.
    early = cards(write_report(tmp_path, published, "--period", "P06"))
    assert early["Budget"] == "£91,900k" and early["Variance"] == "£700k"


@pytest.mark.parametrize(("changes", "shown"), [(-250000, "(£0.250m)"), (250000, "£0.250m")])
def test_the_budget_cards_changes_are_bracketed_by_the_money_format(changes: int, shown: str) -> None:
    """A cut during the year is in brackets, written by the money format (brackets=True),
    as budget variance writes it; the renderer does no arithmetic of its own."""
    from decimal import Decimal
    from types import SimpleNamespace

    from csplan.money import format_millions
    from csplan.render.html import budget_card

    budget: Any = SimpleNamespace(
        has_lines=True,
        has_changes=True,
        changes=Decimal(changes),
        budget=Decimal(92_000_000) + changes,
        original=Decimal(92_000_000),
        year="2025-26",
    )
    card = budget_card(budget, format_millions)
    assert card[2] == f"2025-26 revised: original £92.000m, changes during the year {shown}"


class _Figures(HTMLParser):
    """A report page's headline cards ({label: value}) and every table's caption,
    headers and total row, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}
        self.tables: list[dict[str, Any]] = []
        self._part: str | None = None  # caption, thead, tfoot, label, value
        self._label = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table":
            self.tables.append({"caption": "", "headers": [], "footer": []})
        elif tag in ("caption", "thead", "tfoot"):
            self._part = tag
        elif tag in ("th", "td") and self._part in ("thead", "tfoot"):
            self._cell = []
        elif tag == "div" and ("label" in classes or "value" in classes):
            self._part = classes[0]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1]["headers" if self._part == "thead" else "footer"].append("".join(self._cell).strip())
            self._cell = None
        elif tag in ("caption", "thead", "tfoot", "div"):
            self._part = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._part == "caption":
            self.tables[-1]["caption"] += data
        elif self._part == "label":
            self._label = data.strip()
        elif self._part == "value":
            self.cards[self._label] = data.strip()


def test_a_thousands_files_cards_tie_to_its_tables_totals_digit_for_digit(
    tmp_path: Path, folder_copy: FolderCopy
) -> None:
    """examples/published is in £'000: each headline card shows its figure in £'000 to
    the precision of the table it summarises (a forecast of 950.5 makes the total
    2,810.5 in the tables and £2,810.5k on the card, not a rounded figure), and every
    money table on the page is in £'000, the movement and programme tables too, so the
    Forecast card ties to the movement table's total as it does to the status table's."""
    from decimal import Decimal

    from csplan.money import parse_amount

    data = folder_copy("published")
    savings = data / "savings.yaml"
    text = savings.read_text(encoding="utf-8")
    savings.write_text(text.replace("{period: P09, forecast: 950,", "{period: P09, forecast: 950.5,"), encoding="utf-8")
    page = _Figures()
    page.feed(write_report(tmp_path, str(data), "--period", "P10"))
    footed = [t for t in page.tables if t["footer"]]
    for table in footed:
        money = [h for h in table["headers"] if "£" in h]
        assert all(h.endswith("£'000") for h in money), table
        assert not [c for c in table["footer"] if c.lstrip("(-").startswith("£")], table  # no figure in pounds

    def total(caption: str | None, header: str) -> str:
        [table] = [t for t in footed if (caption is None or t["caption"] == caption) and header in t["headers"]]
        return str(table["footer"][table["headers"].index(header)])

    status, budget = "Savings 2025-26 at P10", "Budget variance 2025-26 at P10"
    ties = {
        "Savings target": [total(status, "Target £'000")],
        "Forecast": [total(status, "Forecast £'000"), total("", "Forecast £'000")],  # "": the movement table
        "Shortfall": [total(status, "Variance £'000").strip("()")],
        "Budget": [total(budget, "Revised £'000")],
        "Forecast outturn": [total(budget, "Forecast £'000")],
        "Variance": [total(budget, "Variance £'000")],
    }
    assert total(status, "Forecast £'000") == "2,810.5"  # the edit shows in the table, exactly
    for label, figures in ties.items():
        card = page.cards[label]
        for figure in figures:
            assert card == f"£{figure}k", (label, card, figure)
            assert parse_amount(card) == Decimal(figure.replace(",", "")) * 1000


class _PageTexts(HTMLParser):
    """Every text of a report page with where it stands: its section, its element and,
    in a table's body or footer, its column's header."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, str, str | None, str]] = []  # (section, element, header, text)
        self._section = ""
        self._tags: list[str] = []
        self._headers: list[str] = []
        self._column = -1
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "section":
            self._section = dict(attrs).get("aria-labelledby") or ""
        elif tag == "table":
            self._headers = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._column = -1
        elif tag in ("th", "td"):
            self._column += 1
            if self._in_head:
                self._headers.append("")
        self._tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        while self._tags and self._tags.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or not self._tags or self._tags[-1] in ("style", "script"):
            return
        if self._in_head and "th" in self._tags:
            self._headers[-1] += text
        cell = "td" in self._tags and 0 <= self._column < len(self._headers)
        header = self._headers[self._column] if cell else None
        self.texts.append((self._section, self._tags[-1], header, text))


THOUSANDS_WORDS = re.compile(r"\(?-?£[\d,]+(?:\.\d+)?k\)?")
ANY_MONEY = re.compile(r"£\s*[\d.,]*\d")


@pytest.mark.parametrize("chosen", [False, True], ids=["the file's own £'000", "--units thousands"])
def test_every_money_figure_on_a_thousands_page_is_in_thousands_and_ties_to_the_json(
    tmp_path: Path, folder_copy: FolderCopy, chosen: bool
) -> None:
    """examples/published is a £'000 file: every money figure on its page (tables, chart
    labels and axes, the trajectory, movement, budget chart, bridge and programme) is in
    £'000, a bare figure under a £'000 header or £...k in words, and the charts' figures
    are the JSON's pounds. (The RAG reasons are the core's words of each saving, as
    `savings status` and its JSON give them, in pounds.) The same page with --units
    thousands of examples/illustrative (a pounds savings file, a £m budget) is the same."""
    from csplan.money import parse_amount

    if chosen:
        data, args = folder_copy("illustrative"), ("--period", "P06", "--units", "thousands")
    else:
        data, args = folder_copy("published"), ("--period", "P10")
        result = runner.invoke(
            app, ["--data", str(data), "savings", "update", "SV01", "-p", "P10", "--forecast", "900"]
        )
        assert result.exit_code == 0, result.output
    page = _PageTexts()
    page.feed(write_report(tmp_path, str(data), *args))
    sections = {section for section, *_ in page.texts}
    assert {"headline", "movement", "charts", "tables", "programme"} <= sections
    money_texts = 0
    for section, element, header, text in page.texts:
        if section == "reasons" or (chosen and section == "headline"):
            continue  # the cards' words of a budget file are its own scale's (helper words' cards)
        if header is not None and "£" in header:  # a figure of a money column: bare, under £'000
            assert header.endswith("£'000"), (section, header)
            assert "£" not in text, (section, header, text)
            money_texts += 1
        for figure in ANY_MONEY.finditer(text):
            money_texts += 1
            words = THOUSANDS_WORDS.match(text, max(figure.start() - 2, 0)) or THOUSANDS_WORDS.search(
                text, figure.start()
            )
            assert words is not None and words.start() <= figure.start() < words.end(), (section, element, text)
    assert money_texts > 150

    def charted(section: str) -> list[str]:
        return [t for s, e, _, t in page.texts if s == section and e == "text"]

    def pounds(words: str) -> Decimal:
        return parse_amount(words)

    period = args[1]

    def json_of(*command: str) -> Any:
        return json.loads(runner.invoke(app, ["--data", str(data), *command, "-p", period, "-f", "json"]).stdout)

    status, budget = json_of("savings", "status"), json_of("budget", "variance")
    programme = json_of("savings", "programme")
    charts = charted("charts")
    # Savings by RAG: "4 savings, £1,260k, green"
    for rag, summary in status["rag_summary"].items():
        [bar] = [t for t in charts if t.startswith(f"{summary['count']} saving") and t.endswith(f", {rag}")]
        assert pounds(bar.split(", ")[1]) == Decimal(str(summary["target"])), bar
    # Forecast against target: "£900k of £1,200k, amber", a bar per saving reported
    bars = [re.fullmatch(r"(\S+) of (\S+), (.+)", t) for t in charts]
    shown = sorted((pounds(b[1]), pounds(b[2]), b[3]) for b in bars if b)
    reported = [s for s in status["savings"] if s["forecast"] is not None]
    assert shown == sorted((Decimal(str(s["forecast"])), Decimal(str(s["target"])), s["rag"]) for s in reported)
    # The trajectory's target label: the whole target
    assert Decimal(str(status["totals"]["target"])) in {pounds(t) for t in charts if THOUSANDS_WORDS.fullmatch(t)}
    # The budget chart: each line's variance, an underspend bracketed
    variances = [t.rsplit(", ", 1) for t in charts if re.fullmatch(r"\(?£[\d,.]+k\)?, (red|amber|green)", t)]
    assert sorted((pounds(v), rag) for v, rag in variances) == sorted(
        (Decimal(str(line["variance"])), line["rag"]) for line in budget["lines"] if line["variance"] is not None
    )
    # The bridge: each stated step
    figures = {pounds(t) for t in charts if THOUSANDS_WORDS.fullmatch(t)}
    assert {Decimal(str(step["amount"])) for step in budget["bridge"] if step["amount"] is not None} <= figures
    # The programme's bars: each year's target
    years = {Decimal(str(year["target"])) for year in programme["years"] if year["has_file"]}
    assert years == {pounds(t) for t in charted("programme") if t.startswith("£")}
    # The movement: total forecast then and now
    moved = status["movement"]
    [sentence] = [t for s, e, _, t in page.texts if (s, e) == ("movement", "p") and t.startswith("Movement since")]
    before, now = re.findall(r"£[\d,.]+k", sentence)[:2]
    assert (pounds(before), pounds(now)) == (Decimal(str(moved["previous_forecast"])), Decimal(str(moved["forecast"])))
