"""Every kind of error names the sheet, row, column and value, in Chinese, and nothing is written."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError

from taizhang.core.tests.factories import make_member, make_org, make_user
from taizhang.imports import messages as msg
from taizhang.imports.errors import ErrorItem
from taizhang.imports.sheets.people import CAMPAIGN_CODE_FORM, CODE_TAKEN, ID_TAKEN
from taizhang.imports.sheets.rectification import PROBLEM_LOCKED
from taizhang.imports.tests.conftest import workbook
from taizhang.lib import idcard
from taizhang.org.models import Organization
from taizhang.study.models import StudyActivity

ID = idcard.make("110105", date(1985, 3, 4), 123)  # a man's number


def act(**cols):
    """A 学习活动 row with good defaults; override by column key."""
    row = {
        "date": "2023-09-05",
        "org": "WA",
        "type": "支部集中学习",
        "topic": "学习",
        "place": "",
        "host": "",
        "present": "甲0号、甲1号",
        "absent": "",
        "speakers": "",
        "materials": "",
        "note": "",
        "campaign": "",
    }
    row.update(cols)
    return list(row.values())


def problem(**cols):
    row = {
        "code": "WT-001",
        "org": "WA",
        "category": "工作作风",
        "source": "征求意见",
        "description": "问题",
        "type": "",
        "leader": "",
        "dept": "",
        "person": "",
        "deadline": "",
        "status": "整改中",
        "closed_on": "",
        "campaign": "",
    }
    row.update(cols)
    return list(row.values())


CASES = [
    # (id, sheets, (sheet, row, column, value, message))
    ("required", {"学习活动": [act(topic="")]}, ("学习活动", 2, "主题", "", msg.REQUIRED)),
    (
        "not a date",
        {"学习活动": [act(date="下周一")]},
        ("学习活动", 2, "日期", "下周一", msg.NOT_DATE.format(value="下周一")),
    ),
    (
        "impossible date",
        {"学习活动": [act(date="2023-02-30")]},
        ("学习活动", 2, "日期", "2023-02-30", msg.BAD_DATE.format(value="2023-02-30")),
    ),
    (
        "excel error",
        {"学习活动": [act(topic="#REF!")]},
        ("学习活动", 2, "主题", "#REF!", msg.CELL_ERROR.format(value="#REF!")),
    ),
    (
        "too long",
        {"学习活动": [act(topic="长" * 201)]},
        ("学习活动", 2, "主题", "长" * 201, msg.TOO_LONG.format(length=201, limit=200)),
    ),
    (
        "unknown unit",
        {"学习活动": [act(org="WX")]},
        ("学习活动", 2, "组织编码", "WX", msg.UNKNOWN_ORG.format(value="WX")),
    ),
    (
        "unknown type",
        {"学习活动": [act(type="茶话会")]},
        ("学习活动", 2, "活动类型", "茶话会", msg.UNKNOWN_TYPE.format(value="茶话会")),
    ),
    (
        "unknown name",
        {"学习活动": [act(present="甲0号、张三")]},
        ("学习活动", 2, "参加人员", "张三", msg.UNKNOWN_NAME.format(name="张三", org="甲支部")),
    ),
    (
        "name of another branch",
        {"学习活动": [act(absent="乙1号（出差）")]},
        ("学习活动", 2, "缺席人员", "乙1号", msg.UNKNOWN_NAME.format(name="乙1号", org="甲支部")),
    ),
    (
        "present and absent",
        {"学习活动": [act(absent="甲1号")]},
        ("学习活动", 2, "参加人员", "甲1号", msg.PRESENT_AND_ABSENT.format(name="甲1号")),
    ),
    (
        "speaker not present",
        {"学习活动": [act(speakers="甲3号")]},
        ("学习活动", 2, "发言人员", "甲3号", msg.SPEAKER_NOT_PRESENT.format(name="甲3号")),
    ),
    (
        "nobody present",
        {"学习活动": [act(org="WE", present="全体")]},
        ("学习活动", 2, "参加人员", "全体", msg.NO_ATTENDEES),
    ),
    (
        "unknown campaign",
        {"学习活动": [act(campaign="zz")]},
        ("学习活动", 2, "学习教育编码", "zz", msg.UNKNOWN_CAMPAIGN.format(value="zz")),
    ),
    (
        "unit outside the campaign",
        {"学习活动": [act(campaign="wb")]},
        (
            "学习活动",
            2,
            "学习教育编码",
            "wb",
            msg.ORG_OUTSIDE_CAMPAIGN.format(org="甲支部", campaign="乙支部学习"),
        ),
    ),
    (
        "duplicate row",
        {"学习活动": [act(), act()]},
        ("学习活动", 3, "", "", msg.DUPLICATE_ROW.format(row=2, key="2023-09-05 支部集中学习 学习")),
    ),
    (
        "not an integer",
        {"个人自学": [["2023-09-05", "甲1号", "WA", "书", "半小时", "", ""]]},
        ("个人自学", 2, "时长（分钟）", "半小时", msg.NOT_INT.format(value="半小时")),
    ),
    (
        "out of range",
        {"个人自学": [["2023-09-05", "甲1号", "WA", "书", 2000, "", ""]]},
        ("个人自学", 2, "时长（分钟）", "2000", msg.OUT_OF_RANGE.format(value="2000", low=1, high=1440)),
    ),
    (
        "status not in the vocabulary",
        {"问题清单": [problem(status="已完成")]},
        (
            "问题清单",
            2,
            "状态",
            "已完成",
            msg.NOT_CHOICE.format(value="已完成", choices="待整改、整改中、待审核、已销号"),
        ),
    ),
    (
        "closed without a date",
        {"问题清单": [problem(status="已销号")]},
        ("问题清单", 2, "销号日期", "", msg.CLOSED_NEEDS_DATE),
    ),
    (
        "unknown leader",
        {"问题清单": [problem(leader="王五")]},
        ("问题清单", 2, "责任领导", "王五", msg.UNKNOWN_NAME.format(name="王五", org="局党委")),
    ),
    (
        "measure for a missing problem",
        {"整改措施": [["WT-404", "措施", "", "", "未完成", ""]]},
        ("整改措施", 2, "问题编号", "WT-404", msg.UNKNOWN_PROBLEM.format(value="WT-404")),
    ),
    (
        "measure done without a date",
        {"问题清单": [problem()], "整改措施": [["WT-001", "措施", "", "", "已完成", ""]]},
        ("整改措施", 2, "完成日期", "", msg.DONE_NEEDS_DATE.format(status="已完成")),
    ),
    (
        "institution naming a missing problem",
        {"制度": [["制度", "新建", "WA", "", "WT-404"]]},
        ("制度", 2, "关联问题编号", "WT-404", msg.UNKNOWN_PROBLEM.format(value="WT-404")),
    ),
    (
        "campaign ends before it starts",
        {"学习教育": [["x1", "名称", "2024-05-01", "2024-04-01", "W"]]},
        ("学习教育", 2, "结束日期", "2024-04-01", msg.END_BEFORE_START),
    ),
    (
        "campaign code form",
        {"学习教育": [["主题教育", "名称", "2024-04-01", "2024-05-01", "W"]]},
        ("学习教育", 2, "编码", "主题教育", CAMPAIGN_CODE_FORM.format(value="主题教育")),
    ),
    (
        "unknown parent",
        {"组织": [["WN", "新支部", "WX", "党支部"]]},
        ("组织", 2, "上级组织编码", "WX", msg.PARENT_UNKNOWN.format(value="WX")),
    ),
    (
        "parents in a circle",
        {"组织": [["P1", "一", "P2", "党支部"], ["P2", "二", "P1", "党支部"]]},
        ("组织", 2, "上级组织编码", "P2", msg.PARENT_CYCLE.format(value="P2")),
    ),
    (
        "moving a unit",
        {"组织": [["WA", "甲支部", "WB", "党支部"]]},
        ("组织", 2, "上级组织编码", "WB", msg.PARENT_CHANGED.format(current="局党委")),
    ),
    (
        "kind under parent",
        {"组织": [["WN", "新委", "WA", "党委"]]},
        ("组织", 2, "组织类型", "党委", msg.KIND_UNDER_PARENT.format(parent="党支部", kind="党委")),
    ),
    (
        "invalid ID number",
        {"党员": [["新人", "WA", "", "110105198503041235", "", "", "", "", ""]]},
        ("党员", 2, "身份证号", "110105198503041235", idcard.problem("110105198503041235")),
    ),
    (
        "gender against ID",
        {"党员": [["新人", "WA", "女", ID, "", "", "", "", ""]]},
        ("党员", 2, "性别", "女", msg.GENDER_MISMATCH),
    ),
    (
        "invalid phone",
        {"党员": [["新人", "WA", "", "", "12345", "", "", "", ""]]},
        ("党员", 2, "手机号", "12345", "手机号应为11位、以1开头的号码（或带区号的固定电话）"),
    ),
    (
        "ambiguous name in a unit",
        {"党员": [["重名", "WA", "", "", "", "", "", "科员", ""]]},
        (
            "党员",
            2,
            "姓名",
            "重名",
            msg.AMBIGUOUS_NAME.format(name="重名", org="甲支部", count=2, units="甲支部"),
        ),
    ),
    (
        "ambiguous name in a subtree",
        {"学习活动": [act(present="同名")]},
        (
            "学习活动",
            2,
            "参加人员",
            "同名",
            msg.AMBIGUOUS_NAME.format(name="同名", org="甲支部", count=2, units="甲支部、甲支部第一小组"),
        ),
    ),
]


@pytest.fixture
def messy_world(world):
    from taizhang.core.tests.factories import make_campaign

    make_org(parent=world.committee, code="WE", name="空支部", kind="branch")
    make_campaign(org=world.branch_b, code="wb", name="乙支部学习")
    for org in (world.branch_a, world.branch_a):
        make_member(org=org, name="重名")
    make_member(org=world.branch_a, name="同名")
    make_member(org=world.group_a, name="同名")
    return world


@pytest.mark.parametrize("sheets, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_error_is_named(messy_world, run_import, sheets, expected):
    before = StudyActivity.objects.count(), Organization.objects.count()
    run = run_import(workbook(sheets), user=messy_world.admin)
    assert run.status == "failed"
    found = [(e["sheet"], e["row"], e["column"], e["value"], e["message"]) for e in run.errors]
    assert expected in found, found
    assert (StudyActivity.objects.count(), Organization.objects.count()) == before


def test_the_full_line_reads_as_a_sentence(world, run_import):
    run = run_import(workbook({"学习活动": [act(present="甲0号、张三")]}), user=world.admin)
    assert (
        ErrorItem.from_dict(run.errors[0]).text
        == "“学习活动”第 2 行“参加人员”：“张三”不是“甲支部”及其下级组织的党员"
    )


def test_every_error_of_the_workbook_is_listed_at_once(world, run_import):
    data = workbook(
        {
            "学习活动": [
                act(present="张三、李四"),
                act(topic="二", date="明天"),
                act(topic="三", type="茶话会"),
            ],
            "问题清单": [problem(status="已完成")],
        }
    )
    run = run_import(data, user=world.admin)
    assert [(e["row"], e["column"], e["value"]) for e in run.errors] == [
        (2, "参加人员", "张三"),
        (2, "参加人员", "李四"),
        (3, "日期", "明天"),
        (4, "活动类型", "茶话会"),
        (2, "状态", "已完成"),
    ]


def test_an_administrator_of_one_branch_cannot_import_into_another(world, run_import):
    admin_b = make_user(username="t_admin_b", roles=(("admin", world.branch_b),))
    run = run_import(
        workbook({"学习活动": [act()], "组织": [["WB-9", "乙小组", "WA", "党小组"]]}), user=admin_b
    )
    found = {(e["sheet"], e["column"], e["message"]) for e in run.errors}
    assert ("学习活动", "组织编码", msg.UNKNOWN_ORG.format(value="WA")) in found
    assert ("组织", "上级组织编码", msg.PARENT_UNKNOWN.format(value="WA")) in found
    run = run_import(
        workbook({"组织": [["WA", "改名", "W", "党支部"], ["ROOT", "新委", "", "党委"]]}), user=admin_b
    )
    found = {(e["row"], e["column"], e["message"]) for e in run.errors}
    assert (2, "组织编码", CODE_TAKEN.format(value="WA")) in found
    assert (3, "上级组织编码", msg.ROOT_NOT_ALLOWED) in found


def test_people_and_problems_outside_scope_are_not_touched(world, run_import):
    from taizhang.rectification.services import problem_create

    outsider = make_member(org=world.branch_b, name="乙外", id_number=ID)
    admin_a = make_user(username="t_admin_a", roles=(("admin", world.branch_a),))
    run = run_import(workbook({"党员": [["乙外", "WA", "", ID, "", "", "", "", ""]]}), user=admin_a)
    assert run.errors[0]["message"] == ID_TAKEN.format(value=idcard.mask(ID))
    assert outsider.org == world.branch_b
    problem_create(
        campaign=world.campaign,
        org=world.branch_b,
        category="style",
        source="meeting",
        description="乙",
        code="WT-001",
    )
    run = run_import(workbook({"问题清单": [problem()]}), user=admin_a)
    assert run.errors[0]["message"] == CODE_TAKEN.format(value="WT-001")


def test_a_member_moved_by_id_number_is_refused(world, run_import):
    make_member(org=world.branch_b, name="调动", id_number=ID)
    run = run_import(workbook({"党员": [["调动", "WA", "", ID, "", "", "", "", ""]]}), user=world.admin)
    assert run.errors[0]["message"] == msg.MEMBER_ORG_CHANGED.format(current="乙支部")


def test_moving_a_member_out_by_import_is_refused(world, run_import):
    run = run_import(
        workbook({"党员": [["甲1号", "WA-1", "", "", "", "", "", "", "", "否"]]}), user=world.admin
    )
    assert run.errors[0]["message"] == msg.MEMBER_ACTIVE_CHANGED.format(current="在册")
    assert run.errors[0]["column"] == "是否在册"


def test_a_closed_problem_is_locked(world, run_import):
    from taizhang.rectification.models import Problem

    data = workbook({"问题清单": [problem(status="已销号", closed_on="2023-12-01")]})
    assert run_import(data, user=world.admin).status == "done"
    assert run_import(data, user=world.admin).status == "done"  # the same again: unchanged, fine
    run = run_import(workbook({"问题清单": [problem(status="整改中")]}), user=world.admin)
    assert run.errors[0]["message"] == PROBLEM_LOCKED.format(code="WT-001")
    assert Problem.objects.get().status == "closed"


def test_a_problem_number_in_two_campaigns_needs_the_campaign_column(world, run_import):
    from taizhang.core.tests.factories import make_campaign
    from taizhang.rectification.services import problem_create

    other = make_campaign(
        org=world.committee, code="w24", start_date=date(2024, 3, 1), end_date=date(2024, 6, 30)
    )
    for campaign in (world.campaign, other):
        problem_create(
            campaign=campaign,
            org=world.branch_a,
            category="style",
            source="meeting",
            description="x",
            code="WT-001",
        )
    run = run_import(workbook({"整改措施": [["WT-001", "措施", "", "", "未完成", ""]]}), user=world.admin)
    assert run.errors[0]["message"] == msg.AMBIGUOUS_PROBLEM.format(value="WT-001")
    run = run_import(
        workbook({"整改措施": [["WT-001", "措施", "", "", "未完成", "", "w24"]]}), user=world.admin
    )
    assert run.status == "done"
    assert other.problems.get().measures.count() == 1


def test_a_conflict_while_writing_rolls_everything_back(world, run_import):
    data = workbook({"组织": [["WN", "新支部", "W", "党支部"]], "学习活动": [act()]})
    original = StudyActivity.objects.bulk_create

    def collide(*args, **kwargs):  # noqa: ANN002, ANN003
        original(*args, **kwargs)
        raise IntegrityError("UNIQUE constraint failed")

    with mock.patch.object(StudyActivity.objects, "bulk_create", side_effect=collide):
        run = run_import(data, user=world.admin)
    assert run.status == "failed" and run.errors[0]["message"] == msg.WRITE_CONFLICT
    assert not Organization.objects.filter(code="WN").exists() and not StudyActivity.objects.exists()
