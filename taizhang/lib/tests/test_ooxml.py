"""lib.ooxml: external relationships leave a package, with what points at them (issue 16 F9)."""

from __future__ import annotations

import io
import zipfile

from taizhang.lib.ooxml import strip_external_relationships

RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _package(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_nothing_external_leaves_the_bytes_as_they_were():
    data = _package(
        {
            "word/document.xml": "<doc/>",
            "word/_rels/document.xml.rels": f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{R}/image" Target="media/a.png"/></Relationships>',
        }
    )
    assert strip_external_relationships(data) is data


def test_a_linked_picture_keeps_its_embedded_copy_and_the_package_rels_are_cleaned_too():
    data = _package(
        {
            "_rels/.rels": f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/>'
            f'<Relationship Id="rId9" Type="{R}/hyperlink" Target="http://x.example/" TargetMode="External"/>'
            "</Relationships>",
            "word/document.xml": f'<doc xmlns:r="{R}" xmlns:a="{A}"><a:blip r:embed="rId1" r:link="rId2"/></doc>',
            "word/_rels/document.xml.rels": f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{R}/image" Target="media/a.png"/>'
            f'<Relationship Id="rId2" Type="{R}/image" Target="http://x.example/a.png" TargetMode="External"/>'
            "</Relationships>",
        }
    )
    out = zipfile.ZipFile(io.BytesIO(strip_external_relationships(data)))
    assert b"x.example" not in out.read("_rels/.rels") + out.read("word/_rels/document.xml.rels")
    assert b"word/document.xml" in out.read("_rels/.rels") and b"media/a.png" in out.read(
        "word/_rels/document.xml.rels"
    )
    document = out.read("word/document.xml").decode()
    assert 'r:embed="rId1"' in document and "r:link" not in document
