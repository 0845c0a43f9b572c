"""Office Open XML packages (.docx, .xlsx) we hand back point at nothing outside themselves.

A part's relationships (`…/_rels/<part>.rels`) may name a target outside the package
(`TargetMode="External"`): a remote template in word/settings.xml (`w:attachedTemplate`, which Word
fetches with its macros when the file opens), a picture linked rather than embedded, a hyperlink, a
linked OLE object, a mail-merge data source. A user's draft carries whatever it had into the filled
document we give back, under our name (issue 16 F9). `strip_external_relationships` removes every such
relationship from every part and what in the part refers to it: a hyperlink keeps its text (the link
goes), a linked picture its place (an embedded copy, if any, stays), any other element that only points
outside (the template, a linked object) goes.

Works on the zip, so it covers every part, whatever library wrote it. Field codes such as
INCLUDEPICTURE "http://…" are text, not relationships, and are left as they are.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HYPERLINK = f"{_W}hyperlink"
# Elements on which the relationship attribute is optional: the attribute goes, the element stays.
_ATTRIBUTE_ONLY = {
    "{http://schemas.openxmlformats.org/drawingml/2006/main}blip",  # r:embed (inside) / r:link (outside)
    "{urn:schemas-microsoft-com:vml}imagedata",
    "{urn:schemas-microsoft-com:vml}fill",
    "{urn:schemas-microsoft-com:vml}stroke",
}


def _parser():  # noqa: ANN202
    from lxml import etree

    # The parts were written by us or by python-docx from a checked upload; parse them as data anyway.
    return etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


def _source_part(rels_name: str) -> str:
    """word/_rels/document.xml.rels → word/document.xml; _rels/.rels → "" (the package itself)."""
    folder, name = posixpath.split(rels_name)
    parent = posixpath.dirname(folder)
    source = name[: -len(".rels")]
    return posixpath.join(parent, source) if source else ""


def _drop_references(root, ids: set[str]) -> None:  # noqa: ANN001
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        pointing = [a for a, v in element.attrib.items() if a.startswith(f"{{{REL_NS}}}") and v in ids]
        if not pointing:
            continue
        parent = element.getparent()
        if element.tag == _HYPERLINK and parent is not None:
            # The text of the link stays where it was.
            index = parent.index(element)
            for offset, child in enumerate(list(element)):
                parent.insert(index + offset, child)
            parent.remove(element)
        elif element.tag in _ATTRIBUTE_ONLY or parent is None:
            for attribute in pointing:
                del element.attrib[attribute]
        else:
            parent.remove(element)


def strip_external_relationships(data: bytes) -> bytes:
    """The same package without external relationships (unchanged bytes when it has none)."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(data))
    names = set(source.namelist())
    changed: dict[str, bytes] = {}
    dropped: dict[str, set[str]] = {}
    for name in sorted(names):
        if not name.endswith(".rels"):
            continue
        root = etree.fromstring(source.read(name), _parser())
        ids = set()
        for rel in list(root):
            if isinstance(rel.tag, str) and (rel.get("TargetMode") or "").lower() == "external":
                ids.add(rel.get("Id"))
                root.remove(rel)
        if ids:
            changed[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dropped[_source_part(name)] = ids
    if not changed:
        return data
    for part, ids in dropped.items():
        if part in names and part not in changed:
            root = etree.fromstring(source.read(part), _parser())
            _drop_references(root, ids)
            changed[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, changed.get(info.filename) or source.read(info.filename))
    return out.getvalue()
