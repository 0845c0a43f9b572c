"""Reading a draft (.docx, .txt, .md) into plain text with its blanks, and writing it back filled.

The matcher sees one text per draft: for .txt/.md the file's text; for .docx every paragraph (body, tables,
text boxes, headers and footers) rebuilt from its runs, one per line, the cells of one table row joined by
tabs (a clause boundary, so "读书班期数 | X" reads as one sentence).

Writing back edits only the runs a blank touches. A blank split across runs ("X" bold in one run, "次" in
the next, or "X" itself in two runs after an edit in Word) is isolated by splitting runs at the blank's
edges (each half keeps the run's formatting); the value goes into the first of them, the rest are dropped.
A blank left unmatched keeps its text and is highlighted yellow (.docx) or preceded by 【未匹配】 (.txt/.md).
A filled .docx keeps none of the draft's external relationships (lib/ooxml.py).
"""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError

from taizhang.lib.ooxml import strip_external_relationships
from taizhang.reports.fill.placeholders import Placeholder, debris_spans, find_placeholders, remove_debris

UNMATCHED_MARK = "【未匹配】"
KINDS = {".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md"}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "md": "text/markdown",
}

DRAFT_KIND_REFUSED = (
    "文件“{name}”不是可填写的文稿：只能上传 Word（.docx）、纯文本（.txt）或 Markdown（.md）文件"
)
DRAFT_DOC_REFUSED = "文件“{name}”是旧版 Word（.doc）格式，请在 Word 中另存为 .docx 后再上传"
DRAFT_ENCODING_REFUSED = "文件“{name}”不是 UTF-8 或 GB18030 编码的文本，请另存为 UTF-8 后再上传"
DRAFT_BROKEN = "文件“{name}”已损坏或不是有效的 Word 文档"
DRAFT_EMPTY = "文件“{name}”中没有文字"
DRAFT_TOO_MANY_BLANKS = (
    "文件“{name}”中有 {count} 处待填写的空格，超过每份文稿 {limit} 处的上限；请分成几份文稿分别上传"
)
DRAFT_TOO_MUCH_DEBRIS = "文件“{name}”中有 {count} 处“##…##”之类的无关标记，超过 {limit} 处；请删除后再上传"


def _check_count(count: int, *, name: str, message: str = DRAFT_TOO_MANY_BLANKS) -> None:
    """Refuse a draft with more blanks (or debris markers) than TAIZHANG_FILL_MAX_BLANKS: every one is
    matched, stored, shown for review and edited in the file (issue 16 F6)."""
    from django.conf import settings

    limit = settings.TAIZHANG_FILL_MAX_BLANKS
    if count > limit:
        raise ValidationError(message.format(name=name, count=count, limit=limit))


@dataclass(frozen=True)
class Fill:
    """What goes into one blank: the value's text, or None to leave the blank marked as unmatched.
    `flag` highlights a filled value that needs a look (a figure that could not be computed: "—")."""

    text: str | None
    flag: bool = False


def kind_of(name: str) -> str | None:
    return KINDS.get(PurePosixPath(name.lower()).suffix)


@dataclass
class Draft:
    name: str
    kind: str
    text: str = ""
    placeholders: list[Placeholder] = field(default_factory=list)
    debris_removed: int = 0

    def render(self, fills: list[Fill]) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError


# --- .txt / .md ------------------------------------------------------------------------------------


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM) first, then GB18030 (Windows Notepad, WPS)."""
    if b"\x00" in data[:4096]:
        raise ValidationError(DRAFT_ENCODING_REFUSED.format(name=name))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
            encoding = "utf-8"
        return text, encoding
    raise ValidationError(DRAFT_ENCODING_REFUSED.format(name=name))


@dataclass
class TextDraft(Draft):
    encoding: str = "utf-8"

    def render(self, fills: list[Fill]) -> bytes:
        # One pass over the text (rebuilding it for every blank costs text × blanks).
        pieces, pos = [], 0
        for p, fill in sorted(zip(self.placeholders, fills, strict=True), key=lambda pair: pair[0].start):
            replacement = f"{UNMATCHED_MARK}{p.text}" if fill.text is None else fill.text
            pieces += [self.text[pos : p.start], replacement]
            pos = p.end
        pieces.append(self.text[pos:])
        return "".join(pieces).encode(self.encoding)


def read_text(data: bytes, *, name: str, kind: str) -> TextDraft:
    raw, encoding = decode_text(data, name=name)
    text, removed = remove_debris(raw)
    if not text.strip():
        raise ValidationError(DRAFT_EMPTY.format(name=name))
    placeholders = find_placeholders(text, markdown=kind == "md")
    _check_count(len(placeholders), name=name)
    return TextDraft(
        name=name,
        kind=kind,
        text=text,
        placeholders=placeholders,
        debris_removed=removed,
        encoding=encoding,
    )


# --- .docx -----------------------------------------------------------------------------------------


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


_RUN_PATHS = (
    "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:customXml/w:r"
    " | ./w:fldSimple/w:r | ./w:sdt/w:sdtContent/w:r | ./w:hyperlink/w:ins/w:r"
)


def _piece(child: Any) -> str:
    tag = child.tag
    if tag == _qn("w:t"):
        return child.text or ""
    if tag == _qn("w:tab"):
        return "\t"
    if tag in (_qn("w:br"), _qn("w:cr")):
        return "\n"
    if tag == _qn("w:noBreakHyphen"):
        return "-"
    return ""


def _runs(p: Any) -> list[tuple[Any, int, int]]:
    """The runs of a paragraph with their [start, end) offsets in the paragraph's text."""
    out = []
    pos = 0
    for r in p.xpath(_RUN_PATHS):
        length = sum(len(_piece(child)) for child in r)
        out.append((r, pos, pos + length))
        pos += length
    return out


def paragraph_text(p: Any) -> str:
    return "".join(_piece(child) for r, _, _ in _runs(p) for child in r)


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def _keep(run: Any, lo: int, hi: int | None) -> None:
    """Keep only the run's content between character offsets lo and hi (hi None: to the end). Items
    without text (a drawing, a field mark) stay on the side that holds their position."""
    pos = 0
    for child in list(run):
        if child.tag == _qn("w:rPr"):
            continue
        piece = _piece(child)
        end = pos + len(piece)
        if piece:
            keep_from, keep_to = max(lo, pos), min(end if hi is None else hi, end)
            if keep_to <= keep_from:
                run.remove(child)
            elif (keep_from, keep_to) != (pos, end) and child.tag == _qn("w:t"):
                child.text = piece[keep_from - pos : keep_to - pos]
                child.set(_XML_SPACE, "preserve")
        elif not (lo <= pos and (hi is None or pos < hi)):
            run.remove(child)
        pos = end


def _split_run(r: Any, offset: int) -> None:
    """Split run r at character `offset`; the second half (same formatting) goes right after it."""
    second = copy.deepcopy(r)
    _keep(r, 0, offset)
    _keep(second, offset, None)
    r.addnext(second)


def _isolate(p: Any, start: int, end: int) -> list[Any]:
    """Split runs so that [start, end) is covered by whole runs; return those runs."""
    for edge in (start, end):
        for r, r_start, r_end in _runs(p):
            if r_start < edge < r_end:
                _split_run(r, edge - r_start)
                break
    return [r for r, r_start, r_end in _runs(p) if start <= r_start and r_end <= end and r_end > r_start]


def _replace(p: Any, start: int, end: int, text: str, *, highlight: bool = False) -> None:
    from docx.enum.text import WD_COLOR_INDEX
    from docx.text.run import Run

    covered = _isolate(p, start, end)
    if not covered:
        return
    first, rest = covered[0], covered[1:]
    for r in rest:
        r.getparent().remove(r)
    if not text:
        first.getparent().remove(first)
        return
    run = Run(first, None)
    run.text = text
    if highlight:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _story_roots(document: Any) -> list[Any]:
    """The body, then every header and footer part (each once, however many sections share it)."""
    roots = [document.element.body]
    for part in document.part.package.iter_parts():
        name = str(part.partname)
        if name.startswith(("/word/header", "/word/footer")) and hasattr(part, "element"):
            roots.append(part.element)
    return roots


def _paragraphs(document: Any) -> list[Any]:
    out = []
    for root in _story_roots(document):
        for p in root.iter(_qn("w:p")):
            # Text boxes are stored twice (DrawingML and a VML fallback); read the first only.
            if any(anc.tag == _FALLBACK for anc in p.iterancestors()):
                continue
            out.append(p)
    return out


def _row_of(p: Any) -> Any:
    for anc in p.iterancestors(_qn("w:tr")):
        return anc
    return None


def _cell_of(p: Any) -> Any:
    for anc in p.iterancestors(_qn("w:tc")):
        return anc
    return None


@dataclass
class DocxDraft(Draft):
    document: Any = None
    paragraphs: list = field(default_factory=list)
    # per placeholder: (paragraph index, start, end) within that paragraph's text
    locations: list[tuple[int, int, int]] = field(default_factory=list)

    def render(self, fills: list[Fill]) -> bytes:
        edits: dict[int, list[tuple[int, int, str, bool]]] = {}
        for (para, start, end), p, fill in zip(self.locations, self.placeholders, fills, strict=True):
            if fill.text is None:
                edits.setdefault(para, []).append((start, end, p.text, True))
            else:
                edits.setdefault(para, []).append((start, end, fill.text, fill.flag))
        for para, items in edits.items():
            # Right to left, so the offsets of the blanks still to do stay valid.
            for start, end, text, highlight in sorted(items, key=lambda item: -item[0]):
                _replace(self.paragraphs[para], start, end, text, highlight=highlight)
        out = io.BytesIO()
        self.document.save(out)
        # Nothing of the draft may reach outside the file we hand back (a remote template, linked
        # pictures, hyperlinks' targets: issue 16 F9).
        return strip_external_relationships(out.getvalue())


def read_docx(data: bytes, *, name: str) -> DocxDraft:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    from taizhang.core.uploads import check_zip_package

    check_zip_package(data, name=name)  # zip bombs refused before anything decompresses (also for the CLI)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise ValidationError(DRAFT_BROKEN.format(name=name)) from exc
    except Exception as exc:  # lxml / zipfile errors on a damaged package
        raise ValidationError(DRAFT_BROKEN.format(name=name)) from exc

    # Counted before anything is edited: removing a marker and filling a blank each rework the runs of
    # their paragraph, so their number is what the work grows with.
    texts = [(p, paragraph_text(p)) for p in _paragraphs(document)]
    _check_count(sum(len(debris_spans(t)) for _, t in texts), name=name, message=DRAFT_TOO_MUCH_DEBRIS)
    _check_count(sum(len(find_placeholders(t)) for _, t in texts), name=name)
    removed = 0
    for p, text in texts:
        spans = debris_spans(text)
        if not spans:
            continue
        removed += len(spans)
        for start, end in reversed(spans):
            _replace(p, start, end, "")
        if not paragraph_text(p).strip() and not p.xpath(".//w:drawing | .//w:pict | .//w:object"):
            p.getparent().remove(p)

    paragraphs = _paragraphs(document)
    pieces: list[str] = []
    placeholders: list[Placeholder] = []
    locations: list[tuple[int, int, int]] = []
    offset = 0
    previous_row = previous_cell = None
    for index, p in enumerate(paragraphs):
        text = paragraph_text(p)
        row, cell = _row_of(p), _cell_of(p)
        if index:
            sep = "\t" if row is not None and row is previous_row and cell is not previous_cell else "\n"
            pieces.append(sep)
            offset += 1
        for found in find_placeholders(text):
            placeholders.append(
                Placeholder(found.start + offset, found.end + offset, found.text, found.percent)
            )
            locations.append((index, found.start, found.end))
        pieces.append(text)
        offset += len(text)
        previous_row, previous_cell = row, cell
    full = "".join(pieces)
    if not full.strip():
        raise ValidationError(DRAFT_EMPTY.format(name=name))
    return DocxDraft(
        name=name,
        kind="docx",
        text=full,
        placeholders=placeholders,
        debris_removed=removed,
        document=document,
        paragraphs=paragraphs,
        locations=locations,
    )


def read_draft(data: bytes, *, name: str) -> Draft:
    """Any accepted draft, by its name's extension (the upload check has already looked at the content)."""
    lowered = name.lower()
    if lowered.endswith(".doc"):
        raise ValidationError(DRAFT_DOC_REFUSED.format(name=name))
    kind = kind_of(name)
    if kind is None:
        raise ValidationError(DRAFT_KIND_REFUSED.format(name=name))
    if kind == "docx":
        return read_docx(data, name=name)
    return read_text(data, name=name, kind=kind)
