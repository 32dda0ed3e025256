"""Renderers: turn computed reports and findings into text, JSON, CSV, Markdown,
an Excel workbook (``workbook``) or the HTML monthly report (``html``).

No arithmetic happens here; every figure arrives computed.
"""
