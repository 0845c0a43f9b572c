"""Checking uploaded files by their content, not their name (security checklist ASVS-5.2.x).

Allowed: images (JPEG, PNG, GIF, WebP; re-encoded, which strips EXIF and polyglot payloads), PDF,
Office Open XML (.docx/.xlsx/.pptx, checked to be a real package and not a zip bomb) and legacy
Office (.doc/.xls). Everything else is refused with a message naming the file.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MAX_ZIP_ENTRIES = 1000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_IMAGE_PIXELS = 40_000_000

_OOXML = {
    "word/": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xl/": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt/": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
}
_IMAGE_FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "GIF": ("gif", "image/gif"),
    "WEBP": ("webp", "image/webp"),
}

ALLOWED_DESCRIPTION = "图片（JPG、PNG、GIF、WebP）、PDF 或 Office 文档（Word、Excel、PowerPoint）"


@dataclass
class CheckedFile:
    content: bytes
    extension: str
    mime_type: str
    name: str


def check_zip_package(data: bytes, *, name: str) -> zipfile.ZipFile:
    """Open an OOXML package, refusing zip bombs before anything decompresses it."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValidationError(f"文件“{name}”已损坏，无法打开") from exc
    entries = package.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ValidationError(f"文件“{name}”内部条目过多（{len(entries)} 个），疑似恶意文件")
    unpacked = sum(info.file_size for info in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ValidationError(f"文件“{name}”解压后超过 {MAX_UNPACKED_BYTES // 1024 // 1024} MB，疑似压缩炸弹")
    for info in entries:
        if (
            info.compress_size
            and info.file_size / info.compress_size > MAX_RATIO
            and info.file_size > 1024 * 1024
        ):
            raise ValidationError(f"文件“{name}”压缩比异常，疑似压缩炸弹")
    return package


def _sniff_ooxml(data: bytes, name: str) -> tuple[str, str]:
    package = check_zip_package(data, name=name)
    names = set(package.namelist())
    if "[Content_Types].xml" not in names:
        raise ValidationError(f"文件“{name}”不是有效的 Office 文档")
    for prefix, kind in _OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return kind
    raise ValidationError(f"文件“{name}”不是有效的 Office 文档")


def _reencode_image(data: bytes, name: str) -> tuple[bytes, str, str]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if fmt == "JPEG":
                image.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
            elif fmt == "GIF":
                image.save(out, "GIF")
            elif fmt == "WEBP":
                image.save(out, "WEBP", quality=88)
            else:
                image.save(out, "PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(f"图片“{name}”已损坏或过大，无法识别") from exc
    ext, mime = _IMAGE_FORMATS[fmt]
    return out.getvalue(), ext, mime


def safe_name(name: str) -> str:
    """A display name without path parts or control characters (the stored name is always generated)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned.strip(" .")[:200] or "附件"


def check_upload(upload: UploadedFile, *, max_bytes: int | None = None) -> CheckedFile:
    """Read, identify and (for images) re-encode an upload; raise ValidationError in Chinese."""
    import filetype

    name = safe_name(upload.name or "附件")
    limit = max_bytes or settings.TAIZHANG_UPLOAD_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"文件“{name}”超过大小限制（{limit // 1024 // 1024} MB）")
    data = upload.read()
    if len(data) > limit:
        raise ValidationError(f"文件“{name}”超过大小限制（{limit // 1024 // 1024} MB）")
    if not data:
        raise ValidationError(f"文件“{name}”是空文件")
    if data.startswith(b"%PDF-"):
        return CheckedFile(data, "pdf", "application/pdf", name)
    if data.startswith(b"PK\x03\x04"):
        ext, mime = _sniff_ooxml(data, name)
        return CheckedFile(data, ext, mime, name)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        ext = "xls" if name.lower().endswith(".xls") else "doc"
        mime = "application/vnd.ms-excel" if ext == "xls" else "application/msword"
        return CheckedFile(data, ext, mime, name)
    kind = filetype.guess(data)
    if kind is not None and kind.mime in {"image/jpeg", "image/png", "image/gif", "image/webp"}:
        content, ext, mime = _reencode_image(data, name)
        return CheckedFile(content, ext, mime, name)
    raise ValidationError(f"文件“{name}”的类型不被接受，只能上传{ALLOWED_DESCRIPTION}")
