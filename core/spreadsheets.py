"""Cells written for spreadsheet programs (CSV exports; any XLSX writer must use it too)."""

from typing import Any

# A text cell starting with one of these is read as a formula by Excel, LibreOffice and
# Google Sheets: a customer named `=HYPERLINK("http://…")` would run in whoever opens the
# export. Tab and carriage return are there because some programs strip them and then read
# what follows as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """The value as it may be written to a cell: text that would start a formula gets a
    leading `'`, which spreadsheets show as text. Only text is touched: a number, even a
    negative one (a Decimal -5), stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
