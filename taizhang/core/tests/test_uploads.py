from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from taizhang.core.uploads import check_upload, safe_name


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def test_it_accepts_images_pdf_and_office_files_by_content():
    assert check_upload(SimpleUploadedFile("签到表.png", _png())).mime_type == "image/png"
    assert check_upload(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n...")).extension == "pdf"
    assert check_upload(SimpleUploadedFile("纪要.docx", _docx())).extension == "docx"


def test_a_renamed_file_is_judged_by_its_content():
    # An HTML page named .png is refused; a PNG named .txt is accepted as a PNG.
    with pytest.raises(ValidationError, match="类型不被接受"):
        check_upload(SimpleUploadedFile("evil.php.png", b"<html><script>alert(1)</script></html>"))
    assert check_upload(SimpleUploadedFile("photo.txt", _png())).extension == "png"


def test_a_zip_without_office_parts_is_not_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("payload.exe", "MZ")
    with pytest.raises(ValidationError, match="不是有效的 Office 文档"):
        check_upload(SimpleUploadedFile("x.docx", out.getvalue()))


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (120 * 1024 * 1024))
    with pytest.raises(ValidationError, match="压缩炸弹"):
        check_upload(SimpleUploadedFile("bomb.xlsx", out.getvalue()))


def test_empty_and_oversized_files_are_refused(settings):
    with pytest.raises(ValidationError, match="空文件"):
        check_upload(SimpleUploadedFile("a.pdf", b""))
    settings.TAIZHANG_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="超过大小限制"):
        check_upload(SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 2048))


def test_images_are_reencoded_without_their_metadata():
    out = io.BytesIO()
    image = Image.new("RGB", (8, 8), "blue")
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    image.save(out, "JPEG", exif=exif)
    checked = check_upload(SimpleUploadedFile("p.jpg", out.getvalue()))
    assert b"secret description" not in checked.content


def test_display_names_lose_their_path():
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\docs\\签到表.pdf") == "签到表.pdf"
    assert safe_name("") == "附件"
