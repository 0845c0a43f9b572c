"""taizhang fill: each blank printed with its metric and value, unmatched ones listed, exit status 2 then."""

from __future__ import annotations

import json
from io import StringIO

import docx
import pytest
from django.core.management import CommandError, call_command

from taizhang.reports import metrics
from taizhang.reports.fill import services
from taizhang.reports.fill.tests.conftest import OWN_DRAFT, OWN_DRAFT_KEYS, docx_bytes
from taizhang.reports.fill.tests.test_services import FILLED_OWN_DRAFT, create

pytestmark = pytest.mark.django_db

MATCHED_ONLY = (
    "读书研讨班共办了X期，累计参与X人次、研讨发言X人次。\n共检视问题X个，目前已销号X个，整改率X%。\n"
)


def run(*args: str) -> str:
    out = StringIO()
    call_command("fill", *args, stdout=out)
    return out.getvalue()


def test_it_fills_the_draft_and_prints_every_blank(ledger, tmp_path):
    source = tmp_path / "汇报.txt"
    source.write_text(OWN_DRAFT, encoding="utf-8")
    target = tmp_path / "out.txt"
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("fill", str(source), "--campaign", "wc", "--out", str(target), stdout=out)
    assert exc.value.returncode == 2  # one blank (篇) is unmatched: the file is written all the same
    assert target.read_text(encoding="utf-8") == FILLED_OWN_DRAFT
    printed = out.getvalue()
    assert "读书班参与人次 [study.reading_class.attendance] = 8" in printed
    assert "沿用前文主语“专题读书班”" in printed
    assert "整改率（%） [problems.rate] = 40.0" in printed
    assert "未匹配：没有以“篇”计的指标" in printed
    assert "共 13 个空格：已填写 12 个，未匹配 1 个" in printed
    assert "已删除 2 处无关标记" in printed


def test_a_fully_matched_draft_exits_cleanly_with_the_catalog_values(ledger, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(MATCHED_ONLY, encoding="utf-8")
    rows = json.loads(run(str(source), "--campaign", "wc", "--out", str(tmp_path / "b.txt"), "--json"))
    values = metrics.compute(ledger.world.campaign)
    expected_keys = [
        "study.reading_class",
        "study.reading_class.attendance",
        "study.reading_class.speakers",
        "problems.total",
        "problems.closed",
        "problems.rate",
    ]
    assert [r["key"] for r in rows] == expected_keys
    assert [r["value"] for r in rows] == [services.format_value(values[k])[0] for k in expected_keys]


def test_org_narrows_the_figures(ledger, tmp_path):
    source = tmp_path / "a.txt"
    source.write_text(MATCHED_ONLY, encoding="utf-8")
    run(str(source), "--campaign", "wc", "--org", "WA", "--out", str(tmp_path / "b.txt"))
    assert "共检视问题4个，目前已销号1个，整改率25.0%" in (tmp_path / "b.txt").read_text(encoding="utf-8")


def test_a_docx_draft_comes_back_as_docx(ledger, tmp_path):
    source = tmp_path / "a.docx"
    source.write_bytes(docx_bytes(lambda d: d.add_paragraph("细化整改措施X项，已完成X项。")))
    run(str(source), "--campaign", "wc", "--out", str(tmp_path / "b.docx"))
    assert docx.Document(str(tmp_path / "b.docx")).paragraphs[0].text == "细化整改措施5项，已完成4项。"


def test_it_uses_a_saved_template(ledger, tmp_path):
    world = ledger.world
    draft = create(world)
    last = len(OWN_DRAFT_KEYS) - 1
    services.fill_draft_choose(draft=draft, choices={last: "research.visits"}, actor=world.admin)
    template = services.fill_template_save(draft=draft, name="模板", actor=world.admin)
    source = tmp_path / "汇报.txt"
    source.write_text(OWN_DRAFT, encoding="utf-8")
    out = run(
        str(source), "--campaign", "wc", "--out", str(tmp_path / "b.txt"), "--template", str(template.pk)
    )
    assert "共 13 个空格：已填写 13 个，未匹配 0 个" in out
    assert "另撰写调研报告2篇" in (tmp_path / "b.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--campaign", "nope"], "没有编码为“nope”的学习教育活动"),
        (["--campaign", "wc", "--org", "NOPE"], "没有编码为“NOPE”的组织"),
        (["--campaign", "wc", "--out-ext"], "输出文件应与原稿格式相同"),
        (["--campaign", "wc", "--missing"], "找不到文稿文件"),
    ],
)
def test_mistakes_are_explained(world, tmp_path, args, message):
    source = tmp_path / "a.txt"
    source.write_text("查摆问题X个。", encoding="utf-8")
    out = tmp_path / "b.txt"
    if "--out-ext" in args:
        args = [a for a in args if a != "--out-ext"]
        out = tmp_path / "b.docx"
    if "--missing" in args:
        args = [a for a in args if a != "--missing"]
        source = tmp_path / "none.txt"
    with pytest.raises(CommandError, match=message):
        call_command("fill", str(source), *args, "--out", str(out), stdout=StringIO())
