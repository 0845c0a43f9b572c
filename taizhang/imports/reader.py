"""Opening an uploaded workbook safely and streaming its rows.

Order of defences, each before the next one touches the bytes:
1. size limit (settings.TAIZHANG_IMPORT_MAX_BYTES);
2. the zip container is checked for bombs (core.uploads.check_zip_package) before anything unpacks it;
3. every XML part is scanned for DOCTYPE / ENTITY declarations (XXE, billion laughs) and refused;
   openpyxl itself parses with defusedxml (enforced at startup by core.apps), this is a second wall;
4. openpyxl opens the file read-only (streaming) with data_only=True: formula cells give their cached
   value and are never evaluated; a formula without a cached value is found by the same XML scan and
   reported for its cell instead of being read as an empty cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from taizhang.imports import messages as msg
from taizhang.imports.cells import is_blank, normalise_label
from taizhang.imports.errors import Errors
from taizhang.imports.schema import GUIDE_SHEET, OPTIONS_SHEET, SHEETS, SheetSpec

HEADER_SCAN_ROWS = 10
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_FORMULA_HINT = re.compile(rb"<(?:\w+:)?f[\s>/]")
_HEADER_NOISE = re.compile(r"（必填）|必填|（选填）|选填")


class WorkbookRefused(Exception):
    """The file as a whole cannot be read; `str(exc)` is the message for the user."""


@dataclass
class Row:
    number: int
    cells: tuple
    sheet: SheetData

    def value(self, key: str) -> Any:
        index = self.sheet.columns.get(key)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def has(self, key: str) -> bool:
        return key in self.sheet.columns

    def formula_without_value(self, key: str) -> bool:
        index = self.sheet.columns.get(key)
        return index is not None and (self.number, index + 1) in self.sheet.formula_cells


@dataclass
class SheetData:
    spec: SheetSpec
    title: str
    header_row: int = 0
    headers: tuple = ()
    columns: dict[str, int] = field(default_factory=dict)
    estimated_rows: int = 0
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    _rows: Iterator[tuple[int, tuple]] | None = None

    def rows(self) -> Iterator[Row]:
        """The data rows after the header, blank rows skipped. Streams: read once."""
        if self._rows is None:
            return
        while True:
            try:
                number, cells = next(self._rows)
            except StopIteration:
                break
            except Exception as exc:
                # openpyxl parses the sheet's XML lazily, row by row: a broken or hostile part fails here.
                if exc.__class__.__module__.startswith("defusedxml"):
                    raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
                raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
            if all(is_blank(c) for c in cells):
                continue
            yield Row(number, cells, self)
        self._rows = None


@dataclass
class Workbook:
    sheets: list[SheetData]
    ignored: list[str]
    _book: Any = None

    def close(self) -> None:
        if self._book is not None:
            self._book.close()
            self._book = None


def _scan_part(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Refuse declarations; return True when the part may hold formulas."""
    has_formula = False
    tail = b""
    with package.open(info) as stream:
        first = True
        while chunk := stream.read(1 << 20):
            if first:
                first = False
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                    # UTF-16 XML would hide a declaration from a byte search: read it as text.
                    data = chunk + stream.read()
                    if _DECLARATION.search(data.decode("utf-16", "replace").encode()):
                        raise WorkbookRefused(msg.FILE_UNSAFE_XML)
                    return b"<f" in data.decode("utf-16", "replace").encode()
            window = tail + chunk
            if _DECLARATION.search(window):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML)
            if not has_formula and _FORMULA_HINT.search(window):
                has_formula = True
            tail = window[-32:]
    return has_formula


def _formulas_without_value(package: zipfile.ZipFile, part: str) -> set[tuple[int, int]]:
    """Cells of a worksheet part that hold a formula but no cached value: (row, column), 1-based."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import coordinate_to_tuple

    found: set[tuple[int, int]] = set()
    with package.open(part) as stream:
        for _, element in iterparse(stream, events=("end",), forbid_dtd=True):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag != "c":
                if tag == "row":
                    element.clear()
                continue
            children = {child.tag.rsplit("}", 1)[-1]: child for child in element}
            formula, cached = children.get("f"), children.get("v")
            if formula is not None and (cached is None or not (cached.text or "").strip()):
                ref = element.get("r")
                if ref:
                    found.add(coordinate_to_tuple(ref))
    return found


def check_package(data: bytes, *, name: str) -> dict[str, set[tuple[int, int]]]:
    """Steps 1-3: size, zip bomb, declarations. Returns worksheet part → formula cells without value."""
    from taizhang.core.uploads import check_zip_package

    limit = settings.TAIZHANG_IMPORT_MAX_BYTES
    if not data:
        raise WorkbookRefused(msg.FILE_EMPTY)
    if len(data) > limit:
        raise WorkbookRefused(msg.FILE_TOO_LARGE.format(limit=limit // 1024 // 1024))
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise WorkbookRefused(msg.FILE_OLD_EXCEL)
    if not data.startswith(b"PK"):
        raise WorkbookRefused(msg.FILE_NOT_XLSX)
    try:
        package = check_zip_package(data, name=name)
    except ValidationError as exc:
        raise WorkbookRefused(" ".join(exc.messages)) from None
    with package:
        names = set(package.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise WorkbookRefused(msg.FILE_NOT_XLSX)
        formulas: dict[str, set[tuple[int, int]]] = {}
        try:
            for info in package.infolist():
                if info.is_dir():
                    continue
                may_have_formulas = _scan_part(package, info)
                if may_have_formulas and info.filename.startswith("xl/worksheets/"):
                    formulas[info.filename] = _formulas_without_value(package, info.filename)
        except WorkbookRefused:
            raise
        except Exception as exc:  # a broken part: corrupt deflate data, bad XML …
            if exc.__class__.__module__.startswith("defusedxml"):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
            raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
    return formulas


def _header_key(value: Any) -> str:
    if value is None:
        return ""
    return _HEADER_NOISE.sub("", normalise_label(str(value)))


def _locate_header(
    sheet: SheetData, rows: Iterator[tuple], errors: Errors
) -> Iterator[tuple[int, tuple]] | None:
    """Find the header row among the first rows (title rows may sit above it)."""
    known = {normalise_label(c.header): c.key for c in sheet.spec.all_columns}
    buffered: list[tuple[int, tuple]] = []
    for number, cells in enumerate(rows, start=1):
        buffered.append((number, cells))
        if number >= HEADER_SCAN_ROWS:
            break
    best: tuple[int, int] = (0, 0)  # (score, index in buffered)
    for index, (_, cells) in enumerate(buffered):
        score = sum(1 for c in cells if _header_key(c) in known)
        if score > best[0]:
            best = (score, index)
    if best[0] < 2:
        required = "、".join(c.header for c in sheet.spec.columns if c.required)
        errors.add(msg.NO_HEADER.format(rows=HEADER_SCAN_ROWS, columns=required), sheet=sheet.spec.name)
        return None
    header_number, header_cells = buffered[best[1]]
    sheet.header_row = header_number
    sheet.headers = tuple("" if c is None else str(c).strip() for c in header_cells)
    for position, cell in enumerate(header_cells):
        key = known.get(_header_key(cell))
        if key is not None and key not in sheet.columns:
            sheet.columns[key] = position
    missing = [c for c in sheet.spec.all_columns if c.required and c.key not in sheet.columns]
    for column in missing:
        errors.add(
            msg.MISSING_COLUMN.format(column=column.header),
            sheet=sheet.spec.name,
            row=header_number,
            column=column.header,
        )
    errors.headers[sheet.spec.name] = sheet.headers
    if missing:
        return None
    remaining = buffered[best[1] + 1 :]

    def stream() -> Iterator[tuple[int, tuple]]:
        yield from remaining
        yield from enumerate(rows, start=len(buffered) + 1)

    return stream()


def open_workbook(data: bytes, *, name: str, errors: Errors) -> Workbook:
    """Check and open the file; sheet-level problems (no header, missing column) go to `errors`.

    Raises WorkbookRefused when the file as a whole cannot be read."""
    import openpyxl

    formulas = check_package(data, name=name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        if exc.__class__.__module__.startswith("defusedxml"):
            raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
        raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
    by_title = {normalise_label(ws.title): ws for ws in book.worksheets}
    sheets: list[SheetData] = []
    matched: set[str] = set()
    for spec in SHEETS:
        ws = by_title.get(normalise_label(spec.name))
        if ws is None:
            continue
        matched.add(normalise_label(spec.name))
        sheet = SheetData(spec=spec, title=ws.title)
        sheet.formula_cells = formulas.get(getattr(ws, "_worksheet_path", ""), set())
        try:
            estimated = ws.max_row or 0
        except Exception:  # a missing or wrong <dimension>: only the progress estimate suffers
            estimated = 0
        try:
            sheet._rows = _locate_header(sheet, ws.iter_rows(values_only=True), errors)
        except Exception as exc:  # the first rows are parsed here: a broken or hostile sheet fails now
            book.close()
            if exc.__class__.__module__.startswith("defusedxml"):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
            raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
        sheet.estimated_rows = max(estimated - sheet.header_row, 0)
        sheets.append(sheet)
    ignored = [ws.title for ws in book.worksheets if normalise_label(ws.title) not in matched]
    ignored = [t for t in ignored if normalise_label(t) not in {GUIDE_SHEET, OPTIONS_SHEET}]
    if not sheets:
        book.close()
        raise WorkbookRefused(msg.NO_SHEETS.format(names="、".join(s.name for s in SHEETS)))
    return Workbook(sheets=sheets, ignored=ignored, _book=book)
