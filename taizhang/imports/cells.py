"""Reading what people type into spreadsheet cells: tolerant about form, strict about meaning.

Every function takes the raw cell value (str, int, float, datetime, date, bool or None, as openpyxl
gives it) and returns a clean Python value, or raises CellError with the Chinese message naming the
value. Form is forgiven: full-width digits, stray spaces, several date spellings, names separated by
any of 、，, ; or spaces. Meaning is not: a date that is not a date stays an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from taizhang.imports import messages as msg
from taizhang.lib.text import squeeze, to_halfwidth

# Values Excel shows for a failed formula; openpyxl returns them as text.
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)

# Serial day numbers Excel uses for 1950-01-01 … 2099-12-31: a bare number in that range is a date
# typed into a cell formatted as a number. Outside it (2023, 45, 9) it is not taken for a date.
_SERIAL_MIN, _SERIAL_MAX = 18264, 73050
_EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read; `str(exc)` is the message for the user."""


def display(value: Any) -> str:
    """A cell value as the user would recognise it in an error message."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not squeeze(value))


def check_error_value(value: Any) -> None:
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        raise CellError(msg.CELL_ERROR.format(value=value.strip()))


def text(value: Any, *, limit: int | None = None) -> str:
    """Free text: numbers keep their digits (no "12.0"), whitespace runs collapse, ends are stripped."""
    check_error_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = display(value)
    result = squeeze(str(value))
    if limit is not None and len(result) > limit:
        raise CellError(msg.TOO_LONG.format(length=len(result), limit=limit))
    return result


def long_text(value: Any) -> str:
    """Multi-line text (minutes, notes): keep line breaks, strip each line."""
    check_error_value(value)
    if value is None:
        return ""
    lines = [squeeze(line) for line in str(value).replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()


def code(value: Any) -> str:
    """Codes (组织编码, 问题编号 …): half-width, no spaces at all, case kept."""
    return text(to_halfwidth(text(value))).replace(" ", "")


def integer(value: Any, *, low: int | None = None, high: int | None = None) -> int:
    check_error_value(value)
    if isinstance(value, bool):
        raise CellError(msg.NOT_INT.format(value=display(value)))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise CellError(msg.NOT_INT.format(value=display(value)))
        number = int(value)
    else:
        raw = squeeze(to_halfwidth(str(value))).replace(" ", "").replace(",", "")
        raw = re.sub(r"(分钟|分)$", "", raw)
        if re.fullmatch(r"[+-]?\d+(\.0+)?", raw) is None:
            raise CellError(msg.NOT_INT.format(value=display(value)))
        number = int(float(raw))
    if (low is not None and number < low) or (high is not None and number > high):
        raise CellError(msg.OUT_OF_RANGE.format(value=display(value), low=low, high=high))
    return number


_SEP = r"\s*[-/.年．]\s*"
_DATE = re.compile(
    rf"^(\d{{4}}){_SEP}(\d{{1,2}})\s*[-/.月．]\s*(\d{{1,2}})\s*日?(?:[ T]\d{{1,2}}[:：]\d{{2}}(?:[:：]\d{{2}})?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _make_date(year: int, month: int, day: int, shown: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(msg.BAD_DATE.format(value=shown)) from None


def parse_date(value: Any) -> date:
    """Excel dates, serial numbers, 2023-09-05, 2023/9/5, 2023.9.5, 2023年9月5日, 20230905."""
    check_error_value(value)
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    shown = display(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            number = int(value)
            match = _COMPACT.match(str(number))
            if match:
                return _make_date(*(int(g) for g in match.groups()), shown=shown)
            if _SERIAL_MIN <= number <= _SERIAL_MAX:
                return _EXCEL_EPOCH + timedelta(days=number)
        raise CellError(msg.NOT_DATE.format(value=shown))
    raw = squeeze(to_halfwidth(str(value)))
    match = _DATE.match(raw) or _COMPACT.match(raw.replace(" ", ""))
    if match is None:
        raise CellError(msg.NOT_DATE.format(value=shown))
    return _make_date(*(int(g) for g in match.groups()[:3]), shown=shown)


def normalise_label(value: str) -> str:
    """The form in which choice labels and headers are compared: half-width, no spaces, no *."""
    cleaned = to_halfwidth(squeeze(value)).replace(" ", "").replace("*", "")
    return cleaned.replace("(", "（").replace(")", "）")


def choice(value: Any, mapping: dict[str, str]) -> str:
    """Map a Chinese label (or a synonym in `mapping`) to its stored value."""
    check_error_value(value)
    label = normalise_label(text(value))
    if label in mapping:
        return mapping[label]
    labels = list(dict.fromkeys(k for k, v in mapping.items() if _is_primary(k, v, mapping)))
    raise CellError(msg.NOT_CHOICE.format(value=display(value), choices="、".join(labels)))


def _is_primary(label: str, value: str, mapping: dict[str, str]) -> bool:
    # The first label listed for each value is the one shown to users (synonyms follow it).
    return next(k for k, v in mapping.items() if v == value) == label


YES_NO = {
    "是": True,
    "否": False,
    "已解决": True,
    "未解决": False,
    "Y": True,
    "N": False,
    "√": True,
    "×": False,
}


def yes_no(value: Any) -> bool:
    check_error_value(value)
    if isinstance(value, bool):
        return value
    label = normalise_label(text(value)).upper()
    if label in YES_NO:
        return YES_NO[label]
    raise CellError(msg.NOT_CHOICE.format(value=display(value), choices="是、否"))


# --- Lists of names ------------------------------------------------------------------------------

_OPEN, _CLOSE = "（(【[", "）)】]"
_SEPARATORS = set("、，,；; \t\n\r\u3000")
_HAS_BRACKET = re.compile(r"[（(【\[）)】\]]")
_SPLIT = re.compile(r"[、，,；;\s\u3000]+")
ALL_WORDS = frozenset({"全体", "全体党员", "全体人员", "全员"})


@dataclass(frozen=True)
class NameEntry:
    name: str
    note: str = ""  # the text in brackets after the name: a reason for absence, 列席, a speech's gist


def names(value: Any) -> list[NameEntry]:
    """Split "张三、李四（出差）, 王五" into entries; brackets may hold separators (“（出差，外地）”).

    A repeated name is kept once (the first entry wins)."""
    check_error_value(value)
    raw = value if isinstance(value, str) else text(value)
    if not _HAS_BRACKET.search(raw):
        # The common case, and the hot loop of a large import: a plain list of names.
        unique = dict.fromkeys(n for n in _SPLIT.split(to_halfwidth(raw)) if n)
        return [NameEntry(n) for n in unique]
    entries: list[list[str]] = []
    name_chars: list[str] = []
    note_chars: list[str] = []
    depth = 0

    def flush() -> None:
        name = squeeze(to_halfwidth("".join(name_chars)))
        note = squeeze("".join(note_chars))
        if name:
            entries.append([name, note])
        elif note and entries and not entries[-1][1]:
            # "张三 （出差）": the bracket was separated from its name by a space.
            entries[-1][1] = note
        name_chars.clear()
        note_chars.clear()

    for ch in raw:
        if depth:
            if ch in _CLOSE:
                depth -= 1
                if depth == 0:
                    continue
            elif ch in _OPEN:
                depth += 1
            note_chars.append(ch)
        elif ch in _OPEN:
            depth = 1
        elif ch in _SEPARATORS:
            flush()
        else:
            if note_chars:  # text after a closing bracket starts a new name
                flush()
            name_chars.append(ch)
    flush()
    seen: set[str] = set()
    result = []
    for name, note in entries:
        if name not in seen:
            seen.add(name)
            result.append(NameEntry(name, note))
    return result


def is_all(value: Any) -> bool:
    return isinstance(value, str) and normalise_label(value) in ALL_WORDS


def is_masked(value: Any) -> bool:
    """A masked ID number or phone from an export ("110***********1234"): not a value to store."""
    return isinstance(value, str) and "*" in value
