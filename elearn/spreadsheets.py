"""Cells for spreadsheets we hand out (CSV and XLSX exports): the one formula-injection guard.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` is taken for a formula by Excel,
LibreOffice and Google Sheets (``@`` calls a function in Lotus-style syntax); a leading tab or
carriage return can hide such a start. Every text cell of every export goes through
:func:`safe_cell`, which prefixes those with an apostrophe so the cell shows as text.
"""
from __future__ import annotations

#: what makes a spreadsheet treat a cell as a formula (or hides the start of one)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Neutralise spreadsheet formula injection: a leading apostrophe on risky cells."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text
