"""Fixtures for the import tests: workbooks built from plain lists, and an import runner."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest

from taizhang.imports.schema import SHEETS_BY_NAME


def workbook(
    sheets: dict[str, list[list[Any]]], *, headers: dict[str, list[str]] | None = None, title_rows: int = 0
) -> bytes:
    """A workbook with one sheet per entry: the sheet's own headers (DESIGN.md order) then the rows.

    `headers` overrides the header row of a sheet; `title_rows` puts that many title rows above it."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for i in range(title_rows):
            ws.append([f"{name}台账（标题行 {i + 1}）"])
        spec = SHEETS_BY_NAME.get(name)
        if headers and name in headers:
            ws.append(headers[name])
        elif spec is not None:
            ws.append([c.header for c in spec.all_columns])
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def make_workbook():
    return workbook


def run(data: bytes, *, user: Any = None, dry_run: bool = False, file_name: str = "台账.xlsx"):
    from taizhang.imports.services import import_workbook

    return import_workbook(data=data, file_name=file_name, user=user, dry_run=dry_run)


@pytest.fixture
def run_import():
    return run


D = date
DT = datetime
