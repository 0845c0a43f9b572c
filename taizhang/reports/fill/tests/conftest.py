"""Fixtures of the draft filler's tests: drafts written for these tests (never the seed's text), the
hand-counted `ledger` campaign of reports/tests, and .docx builders."""

from __future__ import annotations

import io
from typing import Any

import pytest

from taizhang.reports.tests.conftest import AS_OF, ledger  # noqa: F401  (the hand-counted campaign)

# A draft in our own words. Expected metrics in order; None where the matcher must refuse.
OWN_DRAFT = """学习教育开展情况汇报
##paidbegin##
一、抓实理论学习
局机关坚持每周例会集体学习，本期共学习XX次；“第一议题”学习×次。
举办专题读书班Ｘ期，参加学习X人次，交流发言X人次。
二、抓好检视整改
共梳理问题清单问题____个，已整改到位（  ）个，整改完成率为X%。
制定整改措施X条，已完成X条。
修订完善制度x项，新建制度X项。
另撰写调研报告X篇。
##paidend##
"""
OWN_DRAFT_KEYS = [
    "study.weekly_meeting",
    "study.first_topic",
    "study.reading_class",
    "study.reading_class.attendance",
    "study.reading_class.speakers",
    "problems.total",
    "problems.closed",
    "problems.rate",
    "measures.total",
    "measures.done",
    "institutions.improved",
    "institutions.new",
    None,
]
# The hand-counted values of the ledger fixture for those keys (taizhang/reports/tests/test_metrics.py).
OWN_DRAFT_VALUES = ["1", "1", "2", "8", "3", "5", "2", "40.0", "5", "4", "1", "2", None]


def docx_bytes(build: Any) -> bytes:
    """A .docx made by `build(document)`."""
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def as_of():
    return AS_OF
