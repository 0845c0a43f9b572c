"""A .docx writer laid out to GB/T 9704-2012 (党政机关公文格式), for the summary report.

What the standard asks and how it is done here (details and sources: shared/reference/gongwen-format.md):

    paper, margins   A4; top 37 mm, left 28 mm, bottom 35 mm, right 26 mm → a 156 × 225 mm type area
    lines            exact line pitch 579 twips (28.95 pt) → 22 lines a page; docGrid type "lines" only
                     (a linesAndChars grid makes LibreOffice print 14 characters a line)
    characters       16 pt with −0.25 pt spacing on every run → 28 characters a line
    fonts            the East Asian font named on EVERY run (w:eastAsia) and in docDefaults, theme font
                     attributes removed (Word prefers them over explicit names): title 方正小标宋简体 22 pt,
                     body 仿宋_GB2312 16 pt, headings 黑体 / 楷体_GB2312 / 仿宋_GB2312 by level, digits and
                     Latin letters Times New Roman
    headings         一、 （一） 1. （1） numbered here, so a template can reorder its sections freely
    page numbers     "— 1 —" in 14 pt 宋体, odd pages right and even pages left, one character in from the
                     type area (evenAndOddHeaders + PAGE fields), footer 25 mm from the edge
    signature, date  GB/T 9704 7.3.5.2 (no seal): one blank line below the body, signature right-aligned two
                     characters in, the date on the next line starting two characters right of the signature

The real font names stay in the file (they are what an office PC has); rendering on a server maps them
to free fonts through a private fontconfig file (reports.render).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

from taizhang.lib.text import nest_quotes
from taizhang.reports.titlebreak import title_lines

# Fonts (eastAsia names as offices have them).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
SONG_FONT = "宋体"
LATIN_FONT = "Times New Roman"

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
TABLE_SIZE = Pt(10.5)  # 五号, for the appendix table

LINE_PITCH_TWIPS = 579  # 22 lines in the 225 mm type area; 580 gives only 21 in LibreOffice
LINE_PITCH = Twips(LINE_PITCH_TWIPS)
CHAR_SPACING_TWENTIETHS = -5  # −0.25 pt → 28 characters of 16 pt in 156 mm
CHAR_WIDTH_TWIPS = 315  # one character: 16 pt − 0.25 pt = 15.75 pt

LEVEL_FONTS = {1: HEI_FONT, 2: KAI_FONT, 3: BODY_FONT, 4: BODY_FONT}
CN_NUMERALS = "一二三四五六七八九十"

# A heading the template numbered by hand loses that number: numbering is ours.
_HAND_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]|（\d+）)\s*"
)


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (headings never go past a few dozen)."""
    if n <= 10:
        return CN_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CN_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def heading_label(level: int, n: int) -> str:
    if level == 1:
        return f"{cn_number(n)}、"
    if level == 2:
        return f"（{cn_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def strip_hand_number(text: str) -> str:
    return _HAND_NUMBER.sub("", text, count=1)


@dataclass
class Block:
    """One paragraph of the report: kind is title, heading (with level), body, blank."""

    kind: str
    text: str = ""
    level: int = 0


def _set_fonts(rpr: Any, east_asia: str, latin: str = LATIN_FONT) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):  # asciiTheme, eastAsiaTheme, hAnsiTheme, cstheme
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)


def _rpr_child(rpr: Any, tag: str, **attrs: str) -> None:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    rpr.append(element)


def add_run(
    paragraph: Any,
    text: str,
    *,
    east_asia: str = BODY_FONT,
    size: Any = BODY_SIZE,
    latin: str = LATIN_FONT,
    bold: bool = False,
    spacing: int | None = CHAR_SPACING_TWENTIETHS,
) -> Any:
    """A run with every font named explicitly (the element order follows the schema: rFonts, b, spacing, sz)."""
    run = paragraph.add_run(text)
    rpr = run._r.get_or_add_rPr()
    for child in list(rpr):
        rpr.remove(child)
    fonts = OxmlElement("w:rFonts")
    rpr.append(fonts)
    _set_fonts(rpr, east_asia, latin)
    if bold:
        _rpr_child(rpr, "w:b")
        _rpr_child(rpr, "w:bCs")
    if spacing:
        _rpr_child(rpr, "w:spacing", val=str(spacing))
    half_points = str(int(size.pt * 2))
    _rpr_child(rpr, "w:sz", val=half_points)
    _rpr_child(rpr, "w:szCs", val=half_points)
    _rpr_child(rpr, "w:lang", val="en-US", eastAsia="zh-CN")
    return run


def _exact(paragraph: Any, pitch: Any = LINE_PITCH) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = pitch
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    # Page breaks fall where the lines fall: no widow control shifting lines between pages.
    fmt.widow_control = False


class GongwenDocument:
    """Build a report paragraph by paragraph; `save()` returns the .docx bytes."""

    def __init__(self, *, line_pitch: int = LINE_PITCH_TWIPS) -> None:
        """`line_pitch` (twips) is the exact line spacing of every paragraph and of the page's line grid:
        579 gives the standard's 22 lines a page; the signature fitting (reports.fit) may tighten or loosen
        it, as GB/T 9704 7.3.5 allows, so that the signature never stands alone on a page."""
        self.doc = Document()
        self.line_pitch = line_pitch
        self._counters = [0, 0, 0, 0]
        self._setup_styles()
        self._setup_page(self.doc.sections[0])
        self._setup_footers(self.doc.sections[0])

    # --- document set-up ---------------------------------------------------------------------------

    def _setup_styles(self) -> None:
        styles = self.doc.styles.element
        # docDefaults carry theme fonts and "after 200, 1.15 lines" in python-docx's template.
        rpr_default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        _set_fonts(rpr_default, BODY_FONT)
        lang = rpr_default.find(qn("w:lang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")
        ppr_default = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault"))
        if ppr_default is not None:
            ppr = ppr_default.find(qn("w:pPr"))
            spacing = ppr.find(qn("w:spacing")) if ppr is not None else None
            if spacing is not None:
                ppr.remove(spacing)
        # Every style's theme font attributes go, so explicit names win in Word as in LibreOffice.
        for fonts in styles.iter(qn("w:rFonts")):
            for attr in list(fonts.attrib):
                if attr.endswith("Theme") or attr.endswith("theme"):
                    del fonts.attrib[attr]
            if fonts.get(qn("w:eastAsia")) is None:
                fonts.set(qn("w:eastAsia"), BODY_FONT)
        normal = self.doc.styles["Normal"]
        normal.font.size = BODY_SIZE
        _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Twips(self.line_pitch)
        normal.paragraph_format.space_after = Pt(0)
        normal.paragraph_format.space_before = Pt(0)
        self.doc.settings.odd_and_even_pages_header_footer = True

    def _setup_page(self, section: Any) -> None:
        section.page_width = Mm(210)
        section.page_height = Mm(297)
        section.top_margin = Mm(37)
        section.bottom_margin = Mm(35)
        section.left_margin = Mm(28)
        section.right_margin = Mm(26)
        section.footer_distance = Mm(25)
        section.header_distance = Mm(15)
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        for attr in list(grid.attrib):
            del grid.attrib[attr]
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(self.line_pitch))

    def _page_number(self, footer: Any, *, odd: bool) -> None:
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for run in list(paragraph.runs):
            run._r.getparent().remove(run._r)
        fmt = paragraph.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        if odd:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt.right_indent = PAGE_NUMBER_SIZE  # 单页码居右空一字
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            fmt.left_indent = PAGE_NUMBER_SIZE  # 双页码居左空一字
        # Header/Footer styles carry US-Letter tab stops; the page number needs none.
        paragraph.paragraph_format.tab_stops.clear_all()

        def song(text: str) -> Any:
            return add_run(
                paragraph, text, east_asia=SONG_FONT, latin=SONG_FONT, size=PAGE_NUMBER_SIZE, spacing=None
            )

        song("— ")
        begin = song("")
        begin._r.append(_field_char("begin"))
        instr = song("")
        code = OxmlElement("w:instrText")
        code.set(qn("xml:space"), "preserve")
        code.text = " PAGE "
        instr._r.append(code)
        separate = song("")
        separate._r.append(_field_char("separate"))
        song("1")
        end = song("")
        end._r.append(_field_char("end"))
        song(" —")

    def _setup_footers(self, section: Any) -> None:
        self._page_number(section.footer, odd=True)
        self._page_number(section.even_page_footer, odd=False)

    # --- content: paragraphs are written as XML text and parsed once (python-docx's per-property setters
    # cost about a millisecond each, which a 70-row appendix table multiplies into seconds) ---------------

    def _append(self, xml: str) -> None:
        element = parse_xml(xml)
        self.doc.element.body.find(qn("w:sectPr")).addprevious(element)

    def _paragraph(self, text: str, **kwargs: Any) -> None:
        kwargs.setdefault("line", self.line_pitch)
        self._append(paragraph_xml(text, **kwargs))

    def title(self, text: str, *, phrases: Any = ()) -> None:
        """The title in 小标宋 二号, centred; one blank line below it (7.3.1). A long title is broken into
        lines here, between words and balanced (titlebreak), rather than wrapped by the renderer at the
        20th character; `phrases` are the names it is made of (kept whole where possible)."""
        lines = title_lines(nest_quotes(text), phrases=phrases)
        self._paragraph(
            "\n".join(lines), jc="center", east_asia=TITLE_FONT, size=TITLE_SIZE, spacing=None, outline=0
        )
        self.blank()

    def blank(self) -> None:
        self._paragraph("")

    def heading(self, level: int, text: str) -> None:
        """一、（一）1.（1） numbered per level; a new higher-level heading restarts the lower counters."""
        level = max(1, min(level, 4))
        self._counters[level - 1] += 1
        for lower in range(level, 4):
            self._counters[lower] = 0
        label = heading_label(level, self._counters[level - 1])
        self._paragraph(
            label + strip_hand_number(text),
            first_line=2 * CHAR_WIDTH_TWIPS,
            keep_next=level <= 2,
            east_asia=LEVEL_FONTS[level],
            bold=level == 3,
            outline=level,
        )

    def body(self, text: str) -> None:
        """A body paragraph: 仿宋 三号, first line indented two characters, wrapped lines flush left."""
        self._paragraph(text, jc="both", first_line=2 * CHAR_WIDTH_TWIPS)

    def attachment_note(self, names: list[str]) -> None:
        """附件说明 (7.3.4): one blank line below the body, two characters in, "附件：" then the name."""
        if not names:
            return
        self.blank()
        for i, line in enumerate(attachment_note_lines(names)):
            self._paragraph(line, first_line=(2 if i == 0 else 5) * CHAR_WIDTH_TWIPS)

    def signature(self, issuer: str, day_text: str) -> None:
        """GB/T 9704 7.3.5.2: signature two characters in from the right, the date below it starting two
        characters right of the signature's first character; a date longer than that pushes the signature left."""
        self.blank()
        sig_width = _text_width(issuer)
        date_width = _text_width(day_text)
        date_right = 2 + sig_width - 2 - date_width
        sig_right = 2.0
        if date_right < 2:
            date_right = 2.0
            sig_right = date_right + date_width + 2 - sig_width
        self._paragraph(issuer, jc="right", right=int(round(sig_right * CHAR_WIDTH_TWIPS)), keep_next=True)
        self._paragraph(day_text, jc="right", right=int(round(date_right * CHAR_WIDTH_TWIPS)))

    def page_break(self) -> None:
        self._append(
            f'<w:p {_NS}><w:pPr><w:spacing w:before="0" w:after="0" w:line="{self.line_pitch}" w:lineRule="exact"/>'
            f'</w:pPr><w:r>{run_props()}<w:br w:type="page"/></w:r></w:p>'
        )

    def attachment_heading(self, label: str, title: str) -> None:
        """附件 pages: "附件" in 黑体 三号 at the top left, then the attachment's title like a document title."""
        self._paragraph(label, east_asia=HEI_FONT)
        self.blank()
        self.title(title)

    def table(self, header: list[str], rows: list[list[str]], widths_mm: list[float]) -> None:
        """A grid table inside the type area (156 mm), fixed column widths, header repeated on every page.
        A cell value may hold a second line (after "\n"), printed small (e.g. the metric key)."""
        widths = [int(round(Mm(w).twips)) for w in widths_mm]
        border = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        parts = [
            f'<w:tbl {_NS}><w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>',
            f'<w:tblBorders>{border}</w:tblBorders><w:tblLayout w:type="fixed"/>',
            '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>',
            '<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>',
            "".join(f'<w:gridCol w:w="{w}"/>' for w in widths),
            "</w:tblGrid>",
        ]

        def row(values: list[str], *, header_row: bool) -> str:
            cells = []
            for value, width in zip(values, widths, strict=True):
                lines = str(value).split("\n")
                paragraphs = paragraph_xml(
                    lines[0],
                    jc="center" if header_row else None,
                    east_asia=HEI_FONT if header_row else BODY_FONT,
                    size=TABLE_SIZE,
                    spacing=None,
                    line=300,
                    namespace=False,
                    snap=False,
                )
                for extra in lines[1:]:
                    paragraphs += paragraph_xml(
                        extra, size=Pt(8), spacing=None, line=220, namespace=False, snap=False
                    )
                cells.append(
                    f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                    f"{paragraphs}</w:tc>"
                )
            props = (
                "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
                if header_row
                else "<w:trPr><w:cantSplit/></w:trPr>"
            )
            return f"<w:tr>{props}{''.join(cells)}</w:tr>"

        parts.append(row(header, header_row=True))
        parts.extend(row(values, header_row=False) for values in rows)
        parts.append("</w:tbl>")
        self._append("".join(parts))
        # Word wants a paragraph after a table before the section ends.
        self._paragraph("", line=300)

    def picture(self, png: bytes, caption: str, width_mm: float = 130) -> None:
        """A chart image centred, with its caption below (in 楷体, like a figure note)."""
        paragraph = self.doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(0)
        paragraph.paragraph_format.space_after = Pt(0)
        # Single spacing: an image in a paragraph with the body's exact 28.95 pt lines would be clipped.
        paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        paragraph.paragraph_format.keep_with_next = True
        run = add_run(paragraph, "")
        run.add_picture(BytesIO(png), width=Mm(width_mm))
        caption_paragraph = self.doc.add_paragraph()
        _exact(caption_paragraph, Twips(self.line_pitch))
        caption_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(caption_paragraph, caption, east_asia=KAI_FONT)

    def new_section_same_layout(self) -> None:
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        self._setup_page(section)

    def save(self) -> bytes:
        buffer = BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()


_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_BAD_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str) -> str:
    return xml_escape(_BAD_XML_CHARS.sub("", text))


def run_props(
    *,
    east_asia: str = BODY_FONT,
    size: Any = BODY_SIZE,
    latin: str = LATIN_FONT,
    bold: bool = False,
    spacing: int | None = CHAR_SPACING_TWENTIETHS,
) -> str:
    """w:rPr naming every font explicitly (children in schema order: rFonts, b, spacing, sz, lang)."""
    half_points = int(size.pt * 2)
    return (
        f'<w:rPr><w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>'
        + ("<w:b/><w:bCs/>" if bold else "")
        + (f'<w:spacing w:val="{spacing}"/>' if spacing else "")
        + f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr>'
    )


def paragraph_xml(
    text: str,
    *,
    jc: str | None = None,
    first_line: int | None = None,
    right: int | None = None,
    keep_next: bool = False,
    outline: int | None = None,
    line: int = 579,
    namespace: bool = True,
    snap: bool = True,
    **run: Any,
) -> str:
    """One w:p with exact line spacing (widow control off so lines fall where the grid puts them)."""
    indent = ""
    if first_line or right:
        indent = (
            "<w:ind"
            + (f' w:right="{right}"' if right else "")
            + (f' w:firstLine="{first_line}"' if first_line else "")
            + "/>"
        )
    ppr = (
        "<w:pPr>"
        + ("<w:keepNext/>" if keep_next else "")
        + '<w:widowControl w:val="0"/>'
        + ("" if snap else '<w:snapToGrid w:val="0"/>')  # table text keeps its own pitch, not the page grid
        + f'<w:spacing w:before="0" w:after="0" w:line="{line}" w:lineRule="exact"/>'
        + indent
        + (f'<w:jc w:val="{jc}"/>' if jc else "")
        + (f'<w:outlineLvl w:val="{outline}"/>' if outline is not None else "")
        + "</w:pPr>"
    )
    # A "\n" in the text is a line break inside the paragraph (the lines of a title).
    body = "<w:br/>".join(
        f'<w:t xml:space="preserve">{_escape(part)}</w:t>' for part in nest_quotes(text).split("\n")
    )
    body = body if text else ""
    return f"<w:p{' ' + _NS if namespace else ''}>{ppr}<w:r>{run_props(**run)}{body}</w:r></w:p>"


def attachment_note_lines(names: list[str]) -> list[str]:
    """附件：name, or 附件：1.name / 2.name … (the later lines indented to the first name)."""
    if len(names) == 1:
        return [f"附件：{names[0]}"]
    return [("附件：" if i == 1 else "") + f"{i}.{name}" for i, name in enumerate(names, start=1)]


def _field_char(kind: str) -> Any:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def _text_width(text: str) -> float:
    """Width in characters: CJK and full-width count 1, digits and Latin letters about half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def write_blocks(doc: GongwenDocument, blocks: list[Block], *, phrases: Any = ()) -> None:
    for block in blocks:
        if block.kind == "title":
            doc.title(block.text, phrases=phrases)
        elif block.kind == "heading":
            doc.heading(block.level, block.text)
        elif block.kind == "blank":
            doc.blank()
        else:
            doc.body(block.text)
