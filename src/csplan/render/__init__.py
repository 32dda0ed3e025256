"""Renderers: turn computed reports and findings into text, JSON, CSV or Markdown.

No arithmetic happens here; every figure arrives computed.
"""
