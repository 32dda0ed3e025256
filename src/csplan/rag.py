"""The RAG words, their orders and their colours: the one home every module imports.

A status is one of the four RAGs (blue achieved, green on track, amber at risk, red)
or "not reported"; a measure may also have "no target". Every colour shown anywhere
(terminal, workbook, HTML report) is set here, and every coloured mark also carries
its word or letter, so no reader depends on colour alone.
"""

from __future__ import annotations

from typing import Literal

BLUE = "blue"
GREEN = "green"
AMBER = "amber"
RED = "red"
NOT_REPORTED = "not reported"
NO_TARGET = "no target"

Rag = Literal["blue", "green", "amber", "red"]
RAGS: tuple[str, ...] = (BLUE, GREEN, AMBER, RED)
"""The four RAGs, best first: what a return may record and what figures derive."""
STATUSES: tuple[str, ...] = (*RAGS, NOT_REPORTED)
"""A saving's or budget line's status, in the order summaries list them."""
WORST_FIRST: tuple[str, ...] = (RED, AMBER, NOT_REPORTED, GREEN, BLUE)
"""The order of ``--sort rag``: what needs attention first."""

LETTERS = {BLUE: "B", GREEN: "G", AMBER: "A", RED: "R", NOT_REPORTED: "–"}
"""The letter on a chart's mark."""
TABLE_LETTERS = {**LETTERS, NOT_REPORTED: "NR"}
"""The letters in a text table's counts ("3G 1NR"), where a dash would read as nothing."""

TERMINAL_STYLES = {BLUE: "bold blue", GREEN: "bold green", AMBER: "bold yellow", RED: "bold red", NOT_REPORTED: "dim"}
"""Rich styles on a colour terminal."""
WORKBOOK_FILLS = {BLUE: "5B9BD5", GREEN: "70AD47", AMBER: "FFC000", RED: "FF0000", NOT_REPORTED: "D9D9D9"}
"""Cell fills in the Excel workbook (RGB hex)."""
HTML_COLOURS = {BLUE: "#1f5fa8", GREEN: "#2e7d32", AMBER: "#b26a00", RED: "#c62828", NOT_REPORTED: "#757575"}
"""Marks in the HTML report: darker than the workbook's, for white text and print."""
