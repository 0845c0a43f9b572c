"""Import errors: each names the sheet, row, column and value, and says in Chinese what is wrong."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorItem:
    sheet: str = ""
    row: int = 0
    column: str = ""
    value: str = ""
    message: str = ""

    @property
    def text(self) -> str:
        """One line for the command line, the page and the 失败原因 column."""
        where = []
        if self.sheet:
            where.append(f"“{self.sheet}”")
        if self.row:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"“{self.column}”")
        prefix = "".join(where)
        return f"{prefix}：{self.message}" if prefix else self.message

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorItem:
        return cls(
            **{
                k: data.get(k, "") or (0 if k == "row" else "")
                for k in ("sheet", "row", "column", "value", "message")
            }
        )


@dataclass
class Errors:
    """Every error of one import, plus the raw cells of each failed row (for the failed-rows workbook)."""

    items: list[ErrorItem] = field(default_factory=list)
    # sheet name → {row number: raw cell values}
    failed_rows: dict[str, dict[int, tuple]] = field(default_factory=dict)
    # sheet name → header cells as the file had them
    headers: dict[str, tuple] = field(default_factory=dict)

    def add(
        self,
        message: str,
        *,
        sheet: str = "",
        row: int = 0,
        column: str = "",
        value: str = "",
        cells: tuple | None = None,
    ) -> None:
        self.items.append(ErrorItem(sheet, row, column, value, message))
        if sheet and row and cells is not None:
            self.failed_rows.setdefault(sheet, {}).setdefault(row, cells)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def for_row(self, sheet: str, row: int) -> list[ErrorItem]:
        return [e for e in self.items if e.sheet == sheet and e.row == row]

    def sorted(self) -> list[ErrorItem]:
        from taizhang.imports.schema import SHEET_NAMES

        order = {name: i for i, name in enumerate(SHEET_NAMES)}
        return sorted(self.items, key=lambda e: (order.get(e.sheet, -1), e.row))
