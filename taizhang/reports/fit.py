"""The signature never stands alone on a page (GB/T 9704-2012 7.3.5: "当公文排版后所剩空白处不能容下印章或
签发人签名章、成文日期时，可以采取调整行距、字距的措施解决").

Where the last page break falls depends on the fonts and the renderer's line breaking, which no estimate in
Python gets right to the line; so the report is laid out by the renderer itself: the body (without the
attachment pages, which start on a page of their own) is rendered to PDF with LibreOffice, the page that
holds the signature is read back with pdftotext, and when it holds no body text the line pitch of the body
is adjusted and the body rendered again:

    579 twips   22 lines a page, the standard's (一般每面排22行)
    554 twips   23 lines a page: the body is pulled back and the signature joins the text above it
    531 twips   24 lines a page
    600 twips   21 lines a page: the body is pushed on, so that body text comes down to the signature

The first pitch whose signature page also holds body text is used. Without LibreOffice (or pdftotext) the
report keeps the standard pitch, unchecked (FitResult.checked is False). TAIZHANG_REPORT_FIT_SIGNATURE turns
the check off (the test settings do, except in the tests of this module: a render takes seconds).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from taizhang.reports.gongwen import LINE_PITCH_TWIPS
from taizhang.reports.render import RenderError, docx_to_pdf, soffice_path

logger = logging.getLogger(__name__)

PITCHES = (LINE_PITCH_TWIPS, 554, 531, 600)
_PAGE_NUMBER = re.compile(r"[—–-]\s*\d+\s*[—–-]")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FitResult:
    line_pitch: int
    checked: bool  # the signature page was read back from a render
    fits: bool  # … and it holds body text (False also when nothing was checked)

    @property
    def lines_per_page(self) -> int:
        # 225 mm type area = 12,756 twips
        return 12756 // self.line_pitch

    @property
    def note(self) -> str:
        if not self.checked:
            return "未核对落款位置（服务器未安装 LibreOffice）"
        if not self.fits:
            return "未能避免落款单独成页，请在 Word 中调整"
        if self.line_pitch == LINE_PITCH_TWIPS:
            return "落款与正文同页"
        return f"为使落款与正文同页，正文行距调整为每页{self.lines_per_page}行"


def enabled() -> bool:
    return bool(getattr(settings, "TAIZHANG_REPORT_FIT_SIGNATURE", True)) and _tools_present()


def _tools_present() -> bool:
    return soffice_path() is not None and shutil.which("pdftotext") is not None


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page (pdftotext, pages split at form feeds)."""
    with tempfile.TemporaryDirectory(prefix="taizhang-fit-") as tmp:
        path = Path(tmp) / "report.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False, timeout=60
        )
    if result.returncode != 0:
        raise RenderError("pdftotext 读取失败")
    pages = result.stdout.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def body_left_on(page_text: str, tail: Iterable[str]) -> str:
    """What remains of a page once the page number and the closing lines (附件说明, signature, date) are
    taken out: body text, or nothing. Compared without spaces (pdftotext puts some between scripts)."""
    text = _SPACE.sub("", _PAGE_NUMBER.sub("", page_text))
    for piece in sorted({_SPACE.sub("", t) for t in tail if t}, key=len, reverse=True):
        text = text.replace(piece, "", 1)
    return text


def signature_has_company(pdf: bytes, tail: Iterable[str]) -> bool:
    """Does the page holding the signature (the last page of the body) hold body text too?"""
    pages = pdf_pages(pdf)
    return bool(pages) and bool(body_left_on(pages[-1], tail))


def fit_signature(build_body: Callable[[int], bytes], tail: list[str]) -> FitResult:
    """The line pitch to lay the report out with. `build_body(pitch)` gives the .docx of the body (title,
    text, 附件说明, signature and date, no attachment pages) laid out at that pitch; `tail` the texts of the
    closing lines (附件说明 lines, signature, date)."""
    if not enabled():
        return FitResult(LINE_PITCH_TWIPS, checked=False, fits=False)
    for pitch in PITCHES:
        try:
            pdf = docx_to_pdf(build_body(pitch))
            if signature_has_company(pdf, tail):
                return FitResult(pitch, checked=True, fits=True)
        except (RenderError, OSError, subprocess.SubprocessError) as exc:
            logger.warning("report signature check skipped: %s", exc)
            return FitResult(LINE_PITCH_TWIPS, checked=False, fits=False)
    logger.warning("report signature stands alone at every line pitch tried")
    return FitResult(LINE_PITCH_TWIPS, checked=True, fits=False)
