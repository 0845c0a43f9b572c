"""The whole workbook goes in one transaction: an error anywhere — even in the last row of the last
sheet — leaves the database as it was; and the same workbook imported twice creates nothing twice."""

from __future__ import annotations

import copy

from django.core.management import call_command

from taizhang.imports.tests.conftest import full_sheets, snapshot, workbook


def test_an_error_in_the_last_row_of_the_last_sheet_writes_nothing(world, run_import):
    sheets = full_sheets()
    sheets["工作任务"].append(["收尾", "WX", "2024-01-25", "", "", "", "未开始", ""])
    before = snapshot()
    run = run_import(workbook(sheets), user=world.admin)
    assert run.status == "failed"
    assert [(e["sheet"], e["row"], e["column"]) for e in run.errors] == [("工作任务", 5, "组织编码")]
    assert snapshot() == before


def test_the_whole_workbook_goes_in_and_a_second_import_duplicates_nothing(world, run_import):
    before = snapshot()
    first = run_import(workbook(full_sheets()), user=world.admin)
    assert first.status == "done", first.errors
    after = snapshot()
    created = {k: after[k] - before[k] for k in after}
    assert created == {
        "Organization": 2,
        "Member": 3,
        "Campaign": 1,
        "StudyActivity": 5,
        "Attendance": 19,
        "Speech": 4,
        "SelfStudy": 3,
        "ResearchVisit": 1,
        "Finding": 2,
        "Demand": 2,
        "PracticalMatter": 2,
        "Problem": 3,
        "Measure": 2,
        "Institution": 2,
        "PlanTask": 3,
        # One creation event per matter, problem, measure and task, plus lights that changed later.
        "Event": created["Event"],
        "visit_participants": 2,
        "institution_problems": 3,
    }
    assert created["Event"] >= 2 + 3 + 2 + 3
    second = run_import(workbook(full_sheets()), user=world.admin)
    assert second.status == "done", second.errors
    assert snapshot() == after
    assert all(figures["created"] == 0 and figures["updated"] == 0 for figures in second.counts.values())


def test_a_dry_run_writes_nothing_but_counts_everything(world, run_import):
    before = snapshot()
    run = run_import(workbook(full_sheets()), user=world.admin, dry_run=True)
    assert run.status == "preview"
    assert snapshot() == before
    assert run.counts["学习活动"]["created"] == 5 and run.counts["学习活动"]["attendance"] == 19


def test_the_command_lists_every_error_and_exits_1(world, tmp_path, capsys):
    import pytest
    from django.core.management.base import CommandError

    sheets = copy.deepcopy(full_sheets())
    sheets["学习活动"][0][6] = "全体、张三"
    sheets["问题清单"][0][10] = "已解决"
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook(sheets))
    before = snapshot()
    with pytest.raises(CommandError, match="导入失败：共 5 处错误，没有写入任何数据") as exc:
        call_command("import", str(path))
    assert exc.value.returncode == 1
    err = capsys.readouterr().err
    assert "“学习活动”第 2 行“参加人员”：“张三”不是“甲支部”及其下级组织的党员" in err
    assert "“问题清单”第 2 行“状态”：“已解决”不是可选值" in err
    # Rows that depend on the failed one say so, instead of "does not exist".
    assert "“整改措施”第 2 行“问题编号”：问题编号“WT-001”所在的“问题清单”第 2 行有错误，请先改正那一行" in err
    assert snapshot() == before


def test_the_command_dry_run_prints_what_would_be_created(world, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook(full_sheets()))
    before = snapshot()
    call_command("import", str(path), "--dry-run")
    out = capsys.readouterr()
    assert "学习活动：新增 5，更新 0，不变 0；考勤记录 19，发言记录 4" in out.out
    assert "试运行，未写入" in out.out
    assert "[##############################] 100% 完成" in out.err  # the progress bar
    assert snapshot() == before
    call_command("import", str(path), "--user", "t_admin")
    assert snapshot()["StudyActivity"] == before["StudyActivity"] + 5
