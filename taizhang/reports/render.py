"""Rendering a generated .docx to PDF with headless LibreOffice, in free fonts standing in for the real ones.

The .docx keeps the names offices have (仿宋_GB2312, 方正小标宋简体 …). On a Linux server those are absent
and fontconfig would map all of them to one sans-serif face, so the soffice process gets a private
fontconfig file (FONTCONFIG_FILE, nothing system-wide changes) that maps each name to a free face of the
same design: Fandol (extracted into var/fonts by scripts/system_deps.sh) first, Noto CJK second.
Each conversion uses its own LibreOffice profile (-env:UserInstallation), so conversions never share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

# name in the document -> free faces, best first; bold=True forces the weight (小标宋 is a heavy face).
FONT_MAP: tuple[tuple[tuple[str, ...], tuple[str, ...], bool], ...] = (
    (("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312"), ("FandolFang", "Noto Serif CJK SC"), False),
    (("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312"), ("FandolKai", "LXGW WenKai", "AR PL UKai CN"), False),
    (("黑体", "SimHei"), ("FandolHei", "Noto Sans CJK SC"), False),
    (("宋体", "SimSun"), ("FandolSong", "Noto Serif CJK SC"), False),
    (("方正小标宋简体", "方正小标宋_GBK", "小标宋"), ("Noto Serif CJK SC", "FandolSong"), True),
)
TIMEOUT_SECONDS = 120


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def font_dir() -> Path:
    return Path(getattr(settings, "TAIZHANG_FONT_DIR", "") or (settings.BASE_DIR / "var" / "fonts"))


def fontconfig_text() -> str:
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">',
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
    ]
    if font_dir().is_dir():
        lines.append(f"  <dir>{font_dir()}</dir>")
    for names, faces, bold in FONT_MAP:
        for name in names:
            if bold:
                lines += [
                    '  <match target="pattern">',
                    f'    <test name="family"><string>{name}</string></test>',
                    f'    <edit name="family" mode="assign" binding="strong"><string>{faces[0]}</string></edit>',
                    '    <edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>',
                    "  </match>",
                ]
            else:
                lines.append(f'  <alias binding="strong"><family>{name}</family><prefer>')
                lines += [f"    <family>{face}</family>" for face in faces]
                lines.append("  </prefer></alias>")
    lines.append("</fontconfig>")
    return "\n".join(lines) + "\n"


class RenderError(RuntimeError):
    pass


def docx_to_pdf(docx: bytes, *, workdir: Path | None = None) -> bytes:
    """The PDF of a .docx as LibreOffice lays it out. RenderError when LibreOffice is absent or fails."""
    return to_pdf(docx, suffix=".docx", workdir=workdir)


def xlsx_to_pdf(xlsx: bytes, *, workdir: Path | None = None) -> bytes:
    """The PDF of a workbook as LibreOffice prints it (every sheet, its page set-up, the same fonts)."""
    return to_pdf(xlsx, suffix=".xlsx", workdir=workdir)


def to_pdf(data: bytes, *, suffix: str, workdir: Path | None = None) -> bytes:
    """The PDF of an office document (suffix: ".docx", ".xlsx") through headless LibreOffice."""
    soffice = soffice_path()
    if soffice is None:
        raise RenderError("服务器未安装 LibreOffice，无法生成 PDF")
    with tempfile.TemporaryDirectory(prefix="taizhang-render-", dir=workdir) as tmp:
        root = Path(tmp)
        source = root / f"document{suffix}"
        source.write_bytes(data)
        fonts_conf = root / "fonts.conf"
        fonts_conf.write_text(fontconfig_text(), encoding="utf-8")
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts_conf), "HOME": str(root)}
        command = [
            soffice,
            f"-env:UserInstallation={(root / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(root),
            str(source),
        ]
        try:
            result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                command, env=env, capture_output=True, timeout=TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired:
            raise RenderError("LibreOffice 转换超时") from None
        target = root / "document.pdf"
        if result.returncode != 0 or not target.exists():
            raise RenderError(f"LibreOffice 转换失败：{result.stderr.decode('utf-8', 'replace')[:300]}")
        return target.read_bytes()
