"""Opening an uploaded workbook safely and streaming its rows.

Order of defences, each before the next one touches the bytes:
1. size limit (settings.TAIZHANG_IMPORT_MAX_BYTES);
2. the zip container is checked for bombs (core.uploads.check_zip_package) before anything unpacks it;
3. every XML part is scanned for DOCTYPE / ENTITY declarations (XXE, billion laughs) and refused;
   openpyxl itself parses with defusedxml (enforced at startup by core.apps), this is a second wall;
4. openpyxl opens the file read-only (streaming) with data_only=True: formula cells give their cached
   value and are never evaluated; a formula without a cached value is found by the same XML scan and
   reported for its cell instead of being read as an empty cell;
5. the work follows the cells the file really has, never the size a sheet declares: openpyxl's
   read-only rows trust `<dimension ref="A1:XFD1048576">` and pad every row to 16,384 columns and fill
   every missing row up to 1,048,576 (a 44 KB file held a CPU for minutes, issue 16 F5). `_real_rows`
   reads only the `<row>` elements present, each row only as wide as its cells (at most
   TAIZHANG_IMPORT_MAX_COLUMNS); a sheet with more than TAIZHANG_IMPORT_MAX_ROWS rows is refused before
   any of it is parsed (the rows are counted during the byte scan of step 3).
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
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
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
    row_count: int = 0  # <row> elements in the sheet's XML, blank or not
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
            except WorkbookRefused:
                raise
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


@dataclass
class PartScan:
    may_have_formulas: bool = False
    rows: int = 0


def _scan_part(package: zipfile.ZipFile, info: zipfile.ZipInfo) -> PartScan:
    """Refuse declarations; note whether the part may hold formulas and count its <row> elements."""
    found = PartScan()
    tail = b""
    with package.open(info) as stream:
        first = True
        while chunk := stream.read(1 << 20):
            if first:
                first = False
                if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
                    # UTF-16 XML would hide a declaration from a byte search: read it as text.
                    text = (chunk + stream.read()).decode("utf-16", "replace").encode()
                    if _DECLARATION.search(text):
                        raise WorkbookRefused(msg.FILE_UNSAFE_XML)
                    return PartScan(b"<f" in text, len(_ROW_TAG.findall(text)))
            window = tail + chunk
            if _DECLARATION.search(window):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML)
            if not found.may_have_formulas and _FORMULA_HINT.search(window):
                found.may_have_formulas = True
            # A tag wholly inside the carried-over tail was counted with the previous chunk.
            found.rows += sum(1 for m in _ROW_TAG.finditer(window) if m.end() > len(tail))
            tail = window[-32:]
    return found


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


@dataclass
class PackageScan:
    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict)  # part → (row, column)
    rows: dict[str, int] = field(default_factory=dict)  # part → <row> elements


def check_package(data: bytes, *, name: str) -> PackageScan:
    """Steps 1-3: size, zip bomb, declarations. Returns, per worksheet part, the formula cells without
    a value and the number of rows."""
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
        scan = PackageScan()
        try:
            for info in package.infolist():
                if info.is_dir():
                    continue
                part = _scan_part(package, info)
                scan.rows[info.filename] = part.rows
                if part.may_have_formulas and info.filename.startswith("xl/worksheets/"):
                    scan.formulas[info.filename] = _formulas_without_value(package, info.filename)
        except WorkbookRefused:
            raise
        except Exception as exc:  # a broken part: corrupt deflate data, bad XML …
            if exc.__class__.__module__.startswith("defusedxml"):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
            raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
    return scan


def _header_key(value: Any) -> str:
    if value is None:
        return ""
    return _HEADER_NOISE.sub("", normalise_label(str(value)))


def _real_rows(ws: Any, *, title: str, errors: Errors, spec_name: str) -> Iterator[tuple[int, tuple]]:
    """(row number, values) for the <row> elements the sheet really has, in order.

    Unlike openpyxl's read-only iter_rows this never fills in rows or columns the sheet only declares
    (see step 5 above). A row is as wide as its last cell within the column cap; a value beyond the
    cap is an error for its row (a styled blank cell there, as some editors write, is ignored). More
    rows than the cap stop the read: check_package's count refuses such a sheet first, this is the
    second wall. Uses openpyxl's own cell parser (`WorkSheetParser`, openpyxl pinned in
    requirements/constraints.txt) so values are exactly those of iter_rows(values_only=True)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import WorkSheetParser

    max_rows = settings.TAIZHANG_IMPORT_MAX_ROWS
    max_columns = settings.TAIZHANG_IMPORT_MAX_COLUMNS
    book = ws.parent
    seen = 0
    last = 0
    with ws._get_source() as source:
        parser = WorkSheetParser(
            source,
            ws._shared_strings,
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            seen += 1
            if seen > max_rows:
                raise WorkbookRefused(
                    msg.SHEET_TOO_MANY_ROWS.format(sheet=title, rows=f"{seen:,}+", limit=max_rows)
                )
            if number <= last or not cells:  # a repeated row number is skipped, as openpyxl does
                continue
            last = number
            width = max((c["column"] for c in cells if c["column"] <= max_columns), default=0)
            values: list[Any] = [None] * width
            beyond = 0
            for cell in cells:
                column = cell["column"]
                if column <= max_columns:
                    values[column - 1] = cell["value"]
                elif not beyond and not is_blank(cell["value"]):
                    beyond = column
            row = tuple(values)
            if beyond:
                errors.add(
                    msg.SHEET_TOO_MANY_COLUMNS.format(limit=max_columns),
                    sheet=spec_name,
                    row=number,
                    column=get_column_letter(beyond),
                    cells=row,
                )
            yield number, row


def _locate_header(
    sheet: SheetData, rows: Iterator[tuple[int, tuple]], errors: Errors
) -> Iterator[tuple[int, tuple]] | None:
    """Find the header row among the first rows (title rows may sit above it)."""
    known = {normalise_label(c.header): c.key for c in sheet.spec.all_columns}
    buffered: list[tuple[int, tuple]] = []
    after: list[tuple[int, tuple]] = []
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            after.append((number, cells))
            break
        buffered.append((number, cells))
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
    remaining = buffered[best[1] + 1 :] + after

    def stream() -> Iterator[tuple[int, tuple]]:
        yield from remaining
        yield from rows

    return stream()


def open_workbook(data: bytes, *, name: str, errors: Errors) -> Workbook:
    """Check and open the file; sheet-level problems (no header, missing column) go to `errors`.

    Raises WorkbookRefused when the file as a whole cannot be read."""
    import openpyxl

    scan = check_package(data, name=name)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        if exc.__class__.__module__.startswith("defusedxml"):
            raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
        raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
    by_title = {normalise_label(ws.title): ws for ws in book.worksheets}
    sheets: list[SheetData] = []
    matched: set[str] = set()
    max_rows = settings.TAIZHANG_IMPORT_MAX_ROWS
    for spec in SHEETS:
        ws = by_title.get(normalise_label(spec.name))
        if ws is None:
            continue
        matched.add(normalise_label(spec.name))
        sheet = SheetData(spec=spec, title=ws.title)
        part = getattr(ws, "_worksheet_path", "").lstrip("/")
        sheet.formula_cells = scan.formulas.get(part, set())
        sheet.row_count = scan.rows.get(part, 0)
        if sheet.row_count > max_rows:
            book.close()
            raise WorkbookRefused(
                msg.SHEET_TOO_MANY_ROWS.format(sheet=ws.title, rows=f"{sheet.row_count:,}", limit=max_rows)
            )
        try:
            real = _real_rows(ws, title=ws.title, errors=errors, spec_name=spec.name)
            sheet._rows = _locate_header(sheet, real, errors)
        except WorkbookRefused:
            book.close()
            raise
        except Exception as exc:  # the first rows are parsed here: a broken or hostile sheet fails now
            book.close()
            if exc.__class__.__module__.startswith("defusedxml"):
                raise WorkbookRefused(msg.FILE_UNSAFE_XML) from None
            raise WorkbookRefused(msg.FILE_NOT_XLSX) from None
        sheet.estimated_rows = max(sheet.row_count - sheet.header_row, 0)
        sheets.append(sheet)
    ignored = [ws.title for ws in book.worksheets if normalise_label(ws.title) not in matched]
    ignored = [t for t in ignored if normalise_label(t) not in {GUIDE_SHEET, OPTIONS_SHEET}]
    if not sheets:
        book.close()
        raise WorkbookRefused(msg.NO_SHEETS.format(names="、".join(s.name for s in SHEETS)))
    return Workbook(sheets=sheets, ignored=ignored, _book=book)
