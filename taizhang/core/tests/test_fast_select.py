"""FastSelect writes the same <select> as Django's templates (the unit pickers of every list page)."""

from __future__ import annotations

import re

import pytest
from django import forms

from taizhang.core.forms import FastSelect

CHOICES = [("", "全部单位"), (1, "市直机关工委"), (2, "　第1党支部 <甲>"), (3, "　第2党支部 & 乙")]


def _same(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("value", [None, "", 1, "3"])
def test_fast_select_writes_what_django_writes(value):
    attrs = {"class": "form-select", "aria-label": "组织", "required": True, "disabled": False}
    expected = forms.Select(choices=CHOICES, attrs=attrs).render("org", value, {"id": "id_org"})
    written = FastSelect(choices=CHOICES, attrs=attrs).render("org", value, {"id": "id_org"})
    assert _same(written) == _same(expected)
    assert "&lt;甲&gt;" in written and "selected" in written


def test_fast_select_keeps_optgroups():
    grouped = [("机关", [(1, "甲"), (2, "乙")]), ("基层", [(3, "丙")])]
    expected = forms.Select(choices=grouped).render("org", 3)
    assert _same(FastSelect(choices=grouped).render("org", 3)) == _same(expected)
