"""Demo part: the problem list (问题清单) of the 2023 campaign, its measures, evidence, reviews and institutions.

31 problems across the committee and its six branches, in every state: most signed off (销号) before
the campaign ended on 2024-01-31, a few returned once (their history shows the reviewer's reason),
three long-term items waiting for 王建国's review, a few overdue (red). Every step goes through the
services, so the history, lights and figures are what real use would have produced; the events are
then dated to when the step would have happened.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.utils import timezone

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.core.models import Event
from taizhang.demo.loader import DEMO_CAMPAIGN, DEMO_ROOT_ORG, DemoContext
from taizhang.org.models import Member, Organization
from taizhang.outreach.models import ResearchVisit
from taizhang.rectification import services
from taizhang.rectification.models import Institution, Measure, Problem
from taizhang.study.models import StudyActivity

NAME = "rectification"


@dataclass
class Plan:
    org: str
    category: str
    source: str
    description: str
    target: str
    leader: str
    measures: tuple[str, ...]
    outcome: str  # closed | submitted | in_progress | overdue | open
    found: date
    kind: str = "deadline"  # rectification type
    returned: str = ""  # the reviewer's reason when it was returned once
    reason: str = ""  # a written reason instead of complete evidence
    institutions: tuple[int, ...] = field(default_factory=tuple)


# Institutions (制度): (org code, name, kind, doc number, issued on, summary).
INSTITUTIONS = (
    (
        "JDW",
        "局党委第一议题学习制度",
        "improved",
        "审批党发〔2023〕21号",
        date(2023, 12, 8),
        "明确第一议题学习的内容、程序和督促落实要求，建立学习成果转化清单。",
    ),
    (
        "JDW",
        "局党委关于大兴调查研究的实施办法",
        "new",
        "审批党发〔2023〕18号",
        date(2023, 11, 24),
        "班子成员每人确定一个基层联系点，每季度至少开展一次蹲点调研，调研成果清单化转化。",
    ),
    (
        "JDW",
        "领导干部基层联系点工作制度",
        "new",
        "审批党发〔2023〕19号",
        date(2023, 12, 1),
        "领导干部联系企业和基层窗口，牵头协调解决跨部门审批难题。",
    ),
    (
        "JDW01",
        "机关会议计划管理和精简会议办法",
        "improved",
        "审批办发〔2023〕35号",
        date(2023, 12, 12),
        "实行会议计划审批，严控会议规格、规模和时长，每季度通报会议数量。",
    ),
    (
        "JDW01",
        "青年干部导师帮带制度",
        "new",
        "审批人发〔2023〕9号",
        date(2023, 12, 20),
        "为入职三年内的青年干部配备业务导师，签订帮带协议，年度考核帮带成效。",
    ),
    (
        "JDW",
        "廉政风险点排查防控办法",
        "improved",
        "审批党发〔2024〕2号",
        date(2024, 1, 10),
        "围绕审批重点岗位和关键环节排查廉政风险点，明确防控措施和责任人。",
    ),
    (
        "JDW02",
        "规范性文件合法性审核工作规程",
        "new",
        "审批法发〔2023〕6号",
        date(2023, 12, 15),
        "明确合法性审核的范围、程序、时限和责任，建立法律法规更新学习提醒机制。",
    ),
    (
        "JDW02",
        "行政审批事项一次性告知工作规范",
        "improved",
        "审批发〔2023〕42号",
        date(2023, 12, 26),
        "统一告知清单格式，实行告知内容负责人签字确认，杜绝“多头跑”。",
    ),
    (
        "JDW04",
        "窗口工作人员服务规范和考核办法",
        "improved",
        "审批中心发〔2023〕15号",
        date(2023, 12, 18),
        "细化窗口服务礼仪、高峰时段弹性窗口和考核办法。",
    ),
    (
        "JDW04",
        "政务服务“好差评”闭环整改工作机制",
        "new",
        "审批中心发〔2024〕1号",
        date(2024, 1, 8),
        "差评件 1 个工作日内核实、3 个工作日内整改回访，结果纳入窗口考核。",
    ),
    (
        "JDW05",
        "政务数据共享申请审批流程规范",
        "new",
        "审批信发〔2023〕7号",
        date(2023, 12, 28),
        "明确数据共享申请、审核、授权和更新时限，建立数据质量通报机制。",
    ),
    (
        "JDW05",
        "信息系统安全运维管理制度",
        "improved",
        "审批信发〔2024〕1号",
        date(2024, 1, 12),
        "规范运维外包人员账号权限的开通、变更和定期清理。",
    ),
    (
        "JDW06",
        "离退休干部党员“银龄先锋”志愿服务制度",
        "new",
        "",
        date(2024, 1, 16),
        "组织有意愿、身体条件允许的离退休党员参与政务服务志愿引导，行动不便党员送学上门。",
    ),
)

PLANS = (
    # --- 局党委 (the committee's own list) ---
    Plan(
        "JDW",
        "theory",
        "meeting",
        "理论学习系统性不够，中心组学习有时以传达文件代替专题研讨，学用结合、以学促干还有差距。",
        "中心组学习计划化、专题化，每季度至少一次专题研讨并形成成果清单。",
        "王建国",
        (
            "制定局党委理论学习中心组年度学习计划，明确季度研讨专题",
            "每季度开展一次专题研讨，班子成员轮流作重点发言",
            "建立学习成果转化清单，逐项明确转化措施和责任处室",
        ),
        "closed",
        date(2023, 10, 18),
        institutions=(0,),
    ),
    Plan(
        "JDW",
        "politics",
        "superior",
        "落实意识形态工作责任制不够到位，对网络舆情研判和引导不够及时。",
        "意识形态工作责任清单化，舆情按月研判、及时处置。",
        "陈志强",
        (
            "修订意识形态工作责任制实施细则，明确班子成员“一岗双责”清单",
            "建立月度网络舆情研判机制，指定专人监测并形成研判报告",
        ),
        "closed",
        date(2023, 10, 24),
        returned="舆情研判机制的运行记录不全，请补充10月以来的月度研判报告后再申请销号。",
    ),
    Plan(
        "JDW",
        "ability",
        "research",
        "推进审批制度改革的系统谋划不足，对标先进地区的创新举措不多，改革办法“碎片化”。",
        "形成深化审批制度改革攻坚方案，推出一批可复制的创新举措。",
        "赵丽华",
        (
            "赴先进地区开展对标学习，形成对标分析报告",
            "制定深化审批制度改革攻坚方案，明确任务清单和时间表",
            "每月调度改革任务推进情况",
        ),
        "closed",
        date(2023, 10, 27),
    ),
    Plan(
        "JDW",
        "responsibility",
        "opinions",
        "对企业反映的跨部门审批难题，有时满足于协调推动，主动牵头解决的担当不够。",
        "跨部门难题有专人牵头、有时限、有回音。",
        "王建国",
        ("建立跨部门审批难题台账，逐件明确牵头领导和责任处室", "班子成员每人联系2家重点企业，每季度上门走访"),
        "closed",
        date(2023, 11, 2),
        institutions=(2,),
    ),
    Plan(
        "JDW",
        "style",
        "questionnaire",
        "文山会海问题仍有反弹，部分会议规格偏高、时间偏长，基层负担较重。",
        "会议、文件数量同比下降，基层满意度明显提升。",
        "孙海涛",
        (
            "修订会议管理办法，实行会议计划审批",
            "建立发文计划管理制度，能合并的文件一律合并",
            "每季度通报会议和文件数量",
        ),
        "closed",
        date(2023, 10, 20),
        institutions=(3,),
    ),
    Plan(
        "JDW",
        "integrity",
        "inspection",
        "对重点岗位廉政风险排查不够全面，审批环节自由裁量权的监督制约机制不够健全。",
        "重点岗位廉政风险点全部排查，防控措施落实到人。",
        "王建国",
        (
            "组织审批重点岗位开展廉政风险点排查，形成风险点清单",
            "细化自由裁量基准，审批结果每月抽查复核",
            "开展警示教育大会，组织观看警示教育片",
        ),
        "closed",
        date(2023, 11, 6),
        institutions=(5,),
    ),
    Plan(
        "JDW",
        "style",
        "field_visit",
        "领导班子成员深入基层调研的频次不够，有的调研“走过场”，帮助基层解决实际问题少。",
        "班子成员调研常态化，每季度形成调研成果并推动解决问题。",
        "王建国",
        (
            "每名班子成员确定一个基层联系点，建立调研工作台账",
            "每季度至少开展一次蹲点调研，形成调研报告和问题清单",
        ),
        "in_progress",
        date(2023, 11, 10),
        kind="long_term",
        institutions=(1,),
    ),
    Plan(
        "JDW",
        "responsibility",
        "self_check",
        "统筹推进学习教育与审批业务工作结合不够紧，“两张皮”现象仍不同程度存在。",
        "学习成效体现在审批提速、服务提质上。",
        "陈志强",
        ("把学习成果转化为审批服务改进措施，每季度梳理一次", "在年度考核中设置学习成果转化指标"),
        "submitted",
        date(2023, 11, 14),
        kind="long_term",
    ),
    # --- 机关第一党支部 (办公室、人事处) ---
    Plan(
        "JDW01",
        "theory",
        "meeting",
        "支部集中学习形式较为单一，以读文件为主，党员参与研讨的积极性不高。",
        "集中学习中研讨发言占比明显提高，每名党员每季度至少发言一次。",
        "王建国",
        ("推行“领学+研讨+点评”学习模式，每次指定重点发言人", "建立党员研讨发言登记表，季度通报"),
        "closed",
        date(2023, 10, 19),
        returned="请补充11月两次集中学习的研讨发言记录，现有材料只有签到表。",
    ),
    Plan(
        "JDW01",
        "ability",
        "questionnaire",
        "干部教育培训针对性不强，青年干部业务能力提升渠道不多。",
        "青年干部培训覆盖率100%，建立导师帮带机制。",
        "王建国",
        (
            "开展青年干部业务能力需求调查，制定分类培训计划",
            "为入职三年内青年干部配备业务导师",
            "举办青年干部业务讲堂，每月一期",
        ),
        "closed",
        date(2023, 10, 25),
        institutions=(4,),
    ),
    Plan(
        "JDW01",
        "style",
        "opinions",
        "公文运转环节多、时限长，部分文件会签时间超过5个工作日。",
        "一般公文会签不超过3个工作日。",
        "孙海涛",
        ("梳理公文运转流程，压减不必要的会签环节", "在办公系统中设置会签时限提醒"),
        "closed",
        date(2023, 11, 1),
    ),
    Plan(
        "JDW01",
        "politics",
        "self_check",
        "支部“三会一课”记录不规范，部分党小组会议记录要素不全、研讨内容记录过简。",
        "“三会一课”记录要素齐全，做到每会必记、记必完整。",
        "王建国",
        ("制定“三会一课”记录规范，统一记录模板", "每季度检查党小组会议记录并通报"),
        "in_progress",
        date(2023, 11, 8),
        kind="long_term",
        returned="“三会一课”记录规范刚执行一个季度，请至少检查两个季度的党小组记录并附通报后再申请销号。",
    ),
    Plan(
        "JDW01",
        "integrity",
        "inspection",
        "公务用车和办公用房管理台账更新不及时，个别用车登记信息不完整。",
        "台账实时更新，用车登记完整率100%。",
        "孙海涛",
        ("全面清理公务用车和办公用房台账", "实行用车电子登记，每月核对"),
        "closed",
        date(2023, 11, 3),
    ),
    # --- 机关第二党支部 (政策法规处、审批一处) ---
    Plan(
        "JDW02",
        "ability",
        "superior",
        "对新出台法律法规学习掌握不及时，个别审批事项引用依据不准确。",
        "审批依据引用准确率100%，新法规一月内完成学习。",
        "陈志强",
        (
            "建立法律法规更新提醒和学习机制，每月汇编新法规",
            "对现行审批事项的依据逐项复核",
            "开展合法性审核业务培训",
        ),
        "closed",
        date(2023, 10, 23),
        institutions=(6,),
    ),
    Plan(
        "JDW02",
        "style",
        "field_visit",
        "企业办事“多头跑”问题仍然存在，部分事项一次性告知不到位。",
        "一次性告知准确率100%，企业办事“最多跑一次”。",
        "陈志强",
        (
            "修订一次性告知清单，统一告知内容和格式",
            "实行告知内容经办人、负责人双签字",
            "每月回访办事企业，核查告知质量",
        ),
        "closed",
        date(2023, 10, 30),
        institutions=(7,),
    ),
    Plan(
        "JDW02",
        "responsibility",
        "meeting",
        "容缺受理制度执行中存在怕担责心理，对符合条件的事项不敢容缺。",
        "符合条件的事项应容尽容，建立容错免责机制。",
        "陈志强",
        ("梳理可容缺受理事项清单并向社会公布", "明确容缺受理的容错免责情形"),
        "closed",
        date(2023, 11, 7),
    ),
    Plan(
        "JDW02",
        "theory",
        "questionnaire",
        "个别党员自学流于形式，学习笔记抄录多、思考少，心得体会质量不高。",
        "自学有计划、有笔记、有心得，支部每季度交流点评。",
        "陈志强",
        ("制定党员个人自学计划，明确必读书目", "每季度开展一次心得体会交流评比"),
        "submitted",
        date(2023, 11, 15),
        kind="long_term",
    ),
    Plan(
        "JDW02",
        "style",
        "research",
        "审批服务数字化程度不高，电子证照应用场景少，企业仍需重复提交纸质材料。",
        "常用电子证照全面应用，纸质材料减少一半以上。",
        "陈志强",
        ("梳理可用电子证照替代的纸质材料清单", "推动审批系统与电子证照库对接", "开展电子证照应用情况评估"),
        "overdue",
        date(2023, 11, 9),
    ),
    # --- 机关第三党支部 (审批二处、三处) ---
    Plan(
        "JDW03",
        "style",
        "meeting",
        "审批承诺时限压缩后，部分事项实际办理时间仍接近法定时限。",
        "实际办理时间比承诺时限平均缩短30%。",
        "赵丽华",
        ("逐项分析办理时长，找出堵点环节", "推行并联审批和容缺后补"),
        "closed",
        date(2023, 10, 26),
    ),
    Plan(
        "JDW03",
        "ability",
        "research",
        "审管联动机制不够顺畅，审批信息推送监管部门不及时。",
        "审批信息1个工作日内推送，监管部门签收率100%。",
        "赵丽华",
        ("建立审管信息推送台账", "与监管部门建立签收反馈机制", "每月通报推送和签收情况"),
        "closed",
        date(2023, 11, 1),
        returned="推送签收情况通报只有一期，请补充12月通报和监管部门签收记录。",
    ),
    Plan(
        "JDW03",
        "integrity",
        "self_check",
        "对中介服务机构监管不够严格，存在“红顶中介”风险隐患。",
        "中介服务机构全部纳入监管，杜绝指定中介。",
        "赵丽华",
        ("全面清理中介服务事项和机构", "建立中介服务网上超市，公开选取"),
        "closed",
        date(2023, 11, 13),
        reason="中介服务网上超市由市级平台统一建设，本处已完成入驻申请，平台上线时间由市里统一安排，现附申请材料。",
    ),
    Plan(
        "JDW03",
        "politics",
        "questionnaire",
        "个别党员政治理论学习主动性不强，参加支部集中学习有请假、迟到现象。",
        "集中学习出勤率95%以上，请假严格审批。",
        "赵丽华",
        ("严格集中学习请假审批，缺学必补", "每月通报集中学习出勤情况"),
        "open",
        date(2023, 11, 20),
    ),
    # --- 政务服务中心党支部 ---
    Plan(
        "JDW04",
        "style",
        "field_visit",
        "窗口服务高峰时段排队时间较长，群众等候体验不佳。",
        "高峰时段平均等候时间不超过15分钟。",
        "孙海涛",
        ("实行高峰时段弹性窗口", "推行网上预约和错峰办理", "在等候区增设自助服务引导员"),
        "closed",
        date(2023, 10, 17),
        institutions=(8,),
    ),
    Plan(
        "JDW04",
        "responsibility",
        "questionnaire",
        "“好差评”差评件整改回访不及时，闭环管理不到位。",
        "差评件100%核实、整改、回访。",
        "孙海涛",
        ("建立差评件核实整改回访台账", "差评整改情况纳入窗口月度考核"),
        "closed",
        date(2023, 10, 31),
        institutions=(9,),
    ),
    Plan(
        "JDW04",
        "ability",
        "opinions",
        "“帮办代办”人员业务能力参差不齐，复杂事项帮办质量不高。",
        "帮办代办人员全员培训上岗，复杂事项专人帮办。",
        "孙海涛",
        ("开展帮办代办人员业务轮训", "建立复杂事项专人帮办机制", "每季度开展帮办质量评议"),
        "closed",
        date(2023, 11, 6),
    ),
    Plan(
        "JDW04",
        "style",
        "superior",
        "部分自助服务终端功能单一、故障率高，老年人使用不便。",
        "终端故障及时修复，设置适老化服务功能。",
        "孙海涛",
        ("全面排查自助终端运行状况，建立维修台账", "增设适老化操作界面和人工引导"),
        "submitted",
        date(2023, 11, 16),
        kind="long_term",
    ),
    # --- 信息中心党支部 ---
    Plan(
        "JDW05",
        "ability",
        "research",
        "数据共享交换平台数据更新不及时，部门间数据壁垒仍然存在。",
        "共享数据按时更新，数据共享申请5个工作日内办结。",
        "陈志强",
        ("梳理共享数据目录，明确更新频率", "建立数据共享申请审批流程", "每月通报数据更新情况"),
        "closed",
        date(2023, 10, 24),
        institutions=(10,),
    ),
    Plan(
        "JDW05",
        "integrity",
        "inspection",
        "信息系统运维外包管理不够规范，外包人员账号权限清理不及时。",
        "外包账号权限按月清理，做到人走号销。",
        "陈志强",
        ("全面清理系统账号和权限", "签订外包人员保密协议", "建立账号权限月度核查制度"),
        "closed",
        date(2023, 11, 2),
        institutions=(11,),
    ),
    Plan(
        "JDW05",
        "responsibility",
        "meeting",
        "网上办事平台“一网通办”事项覆盖率提升缓慢，部分事项只能网上预约不能网上办理。",
        "“一网通办”事项覆盖率达到95%。",
        "陈志强",
        ("梳理未实现全程网办的事项清单", "分批次改造审批流程实现全程网办"),
        "overdue",
        date(2023, 11, 17),
    ),
    # --- 离退休干部党支部 ---
    Plan(
        "JDW06",
        "politics",
        "field_visit",
        "离退休党员参加组织生活不够经常，对行动不便党员送学上门不够。",
        "离退休党员组织生活全覆盖，行动不便党员每月送学上门。",
        "赵丽华",
        ("建立行动不便党员送学上门台账", "组织“银龄先锋”志愿服务活动"),
        "closed",
        date(2023, 10, 28),
        institutions=(12,),
    ),
    Plan(
        "JDW06",
        "theory",
        "questionnaire",
        "离退休党员学习资料更新不及时，线上学习平台使用率低。",
        "每月更新学习资料，线上学习平台使用率提高到60%。",
        "赵丽华",
        ("每月为离退休党员配送学习资料", "开展智能手机和学习平台使用培训"),
        "closed",
        date(2023, 11, 8),
    ),
)


def _png(rng: Any, label: str) -> SimpleUploadedFile:
    """A small picture standing in for a photo or scanned sign-in sheet."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 320), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 240, 36), fill=(181, 18, 27))
    for y in range(56, 300, 18):
        draw.line((16, y, 16 + rng.randint(120, 208), y), fill=(170, 170, 170), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return SimpleUploadedFile(f"{label}.png", out.getvalue(), content_type="image/png")


def _pdf(label: str) -> SimpleUploadedFile:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile(f"{label}.pdf", body, content_type="application/pdf")


# Measures and outcomes for the problems the outreach demo turned from research findings.
ADOPTED_MEASURES = (
    "梳理调研发现问题的具体情形，制定整改方案，明确责任人和完成时限",
    "落实整改措施，向调研对象和相关企业群众反馈整改结果",
    "开展回访，巩固整改成效",
)
ADOPTED_OUTCOMES = ("closed", "closed", "closed", "overdue", "closed")

EVIDENCE_NAMES = ("工作方案", "会议纪要", "整改台账", "情况报告", "现场照片", "签到表", "通报文件")


class Clock:
    """Dates the events of the last service calls: everything after the mark gets `at`."""

    def __init__(self) -> None:
        self.mark = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def skip(self) -> None:
        """Leave the events written since the mark as they are (already dated)."""
        self.mark = Event.objects.order_by("-id").values_list("id", flat=True).first() or self.mark

    def stamp(self, day: date, hour: int = 10) -> None:
        at = timezone.make_aware(datetime.combine(day, time(hour, (self.mark * 7) % 60)))
        Event.objects.filter(id__gt=self.mark).update(at=at)
        self.mark = Event.objects.order_by("-id").values_list("id", flat=True).first() or self.mark


def _workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def load(ctx: DemoContext) -> None:
    rng = ctx.rng(NAME)
    root = Organization.objects.get(code=DEMO_ROOT_ORG)
    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN)
    orgs = {o.code: o for o in Organization.objects.in_subtree(root)}
    people = {m.name: m for m in Member.objects.in_subtree(root)}
    users = {
        u.username: u
        for u in User.objects.filter(username__in=("admin", "leader", "secretary", "secretary2"))
    }
    recorder_for = {"JDW01": users["secretary"], "JDW02": users["secretary2"]}
    reviewer = users["leader"]
    today = ctx.today

    # Meetings and visits of the study and outreach demos, where the problems were found.

    # Problems "found at a meeting" come from the unit's own 整改专题研讨 (or 专题研讨) when the
    # study demo has one; the problem is then dated that day.
    meetings: dict[int, Any] = {}
    for activity in (
        StudyActivity.objects.filter(campaign=campaign, type__code__in=("rectification_seminar", "seminar"))
        .select_related("org")
        .order_by("-type__code", "date", "id")
    ):
        meetings.setdefault(activity.org_id, activity)
    visits = list(
        ResearchVisit.objects.filter(campaign=campaign).select_related("org").order_by("date", "id")
    )

    def visit_for(plan: Plan, org: Organization) -> Any:
        fitting = [v for v in visits if org.is_under(v.org) or v.org.is_under(org)]
        earlier = [v for v in fitting if v.date <= plan.found]
        return (earlier or fitting or [None])[-1]

    problems: list[Problem] = []
    clock = Clock()

    def drive(plan: Plan, problem: Problem, deadline: date) -> None:
        """Take a problem through the loop to the plan's outcome: measures, evidence, reviews."""
        org = orgs[plan.org]
        actor = recorder_for.get(plan.org, users["admin"])
        unit_people = [m for m in people.values() if m.org.is_under(org) and m.name != "王建国"]
        long_term = plan.kind == "long_term"
        # Measures: made the next working days, deadlines before the problem's.
        day = _workday(plan.found + timedelta(days=rng.randint(1, 3)))
        measures = []
        for index, content in enumerate(plan.measures):
            owner = rng.choice(unit_people).name
            if plan.outcome in ("overdue", "open"):
                m_deadline = deadline - timedelta(days=10 * (len(plan.measures) - index - 1))
            elif long_term and plan.outcome != "closed" and index == len(plan.measures) - 1:
                m_deadline = deadline
            else:
                m_deadline = min(deadline, day + timedelta(days=rng.randint(20, 45)))
            measures.append(
                services.measure_create(
                    problem=problem, content=content, owner=owner, deadline=m_deadline, actor=actor
                )
            )
        clock.stamp(day, 9)
        problem.refresh_from_db()
        if plan.outcome == "open":
            problems.append(problem)
            return
        started = _workday(day + timedelta(days=rng.randint(1, 4)))
        services.problem_start(problem=problem, actor=actor)
        clock.stamp(started, 9)

        # Which measures get done: all of them unless the problem is still being fixed.
        if plan.outcome in ("closed", "submitted"):
            done_count = len(measures)
        else:
            done_count = 1
        last_done = started
        for index, measure in enumerate(measures[:done_count]):
            if long_term and plan.outcome != "closed":
                done_on = _workday(started + timedelta(days=rng.randint(20, 60) + 30 * index))
            else:
                done_on = _workday(min(measure.deadline, started + timedelta(days=rng.randint(6, 30))))
            files = []
            if not (plan.reason and index == len(measures) - 1):
                label = f"{EVIDENCE_NAMES[rng.randrange(len(EVIDENCE_NAMES))]}（措施{index + 1}）"
                files.append(_png(rng, label) if rng.random() < 0.5 else _pdf(label))
            services.measure_complete(
                measure=measure,
                actor=actor,
                done_on=done_on,
                progress=rng.choice(("已按要求完成。", "已完成并形成长效机制。", "已落实，相关材料已归档。")),
                files=files,
            )
            clock.stamp(done_on, 15)
            last_done = max(last_done, done_on)
        problem.refresh_from_db()
        if plan.outcome in ("in_progress", "overdue"):
            if plan.returned:
                # Submitted lately, returned by the reviewer; the branch is working on it again.
                submit_day = today - timedelta(days=9)
                services.problem_submit(
                    problem=problem,
                    actor=actor,
                    note="记录模板已统一，第二项措施正持续推进，先申请阶段性销号。",
                )
                clock.stamp(submit_day, 10)
                services.problem_return(problem=problem, actor=reviewer, reason=plan.returned)
                clock.stamp(today - timedelta(days=3), 17)
            else:
                services.problem_note(
                    problem=problem,
                    actor=actor,
                    note=rng.choice(
                        (
                            "已完成第一项措施，其余措施因系统改造周期较长，正在推进中。",
                            "已与相关部门对接，改造方案正在论证。",
                        )
                    ),
                )
                clock.stamp(last_done + timedelta(days=5), 11)
            problems.append(problem)
            return

        # Submit for review (with a written reason where evidence is incomplete).
        submit_day = _workday(last_done + timedelta(days=rng.randint(1, 4)))
        if plan.outcome == "submitted":
            submit_day = today - timedelta(days=rng.randint(2, 8))
        services.problem_submit(problem=problem, actor=actor, note=plan.reason)
        clock.stamp(submit_day, 10)
        if plan.returned:
            returned_on = _workday(submit_day + timedelta(days=rng.randint(1, 3)))
            services.problem_return(problem=problem, actor=reviewer, reason=plan.returned)
            clock.stamp(returned_on, 16)
            fix_day = _workday(returned_on + timedelta(days=rng.randint(3, 6)))
            services.problem_note(
                problem=problem,
                actor=actor,
                note="已按退回意见补充材料。",
                files=[_pdf("补充材料")],
            )
            clock.stamp(fix_day, 11)
            services.problem_submit(problem=problem, actor=actor, note="已按审核意见补充相关材料。")
            submit_day = _workday(fix_day + timedelta(days=1))
            clock.stamp(submit_day, 9)
        if plan.outcome == "closed":
            closed_on = _workday(submit_day + timedelta(days=rng.randint(1, 4)))
            services.problem_sign_off(
                problem=problem, actor=reviewer, note=rng.choice(("整改到位，同意销号。", "同意销号。", ""))
            )
            Problem.objects.filter(pk=problem.pk).update(closed_on=closed_on)
            clock.stamp(closed_on, 17)
        problems.append(problem)

    # The findings the outreach demo put on the list (调研发现转为问题) are worked on like the rest.
    for index, problem in enumerate(
        Problem.objects.filter(campaign=campaign, finding__isnull=False, status=Problem.Status.OPEN)
        .select_related("org")
        .order_by("id")
    ):
        found = timezone.localtime(problem.created_at).date()
        plan = Plan(
            problem.org.code,
            problem.category,
            problem.source,
            problem.description,
            "",
            "",
            ADOPTED_MEASURES,
            ADOPTED_OUTCOMES[index % len(ADOPTED_OUTCOMES)],
            found,
        )
        drive(plan, problem, problem.deadline or found + timedelta(days=60))
    adopted = len(problems)

    for plan in PLANS:
        org = orgs[plan.org]
        actor = recorder_for.get(plan.org, users["admin"])
        unit_people = [m for m in people.values() if m.org.is_under(org) and m.name not in ("王建国",)]
        person = rng.choice(unit_people)
        extra: dict[str, Any] = {}
        if plan.source == "meeting" and (meeting := meetings.get(org.pk)):
            extra["activity"] = meeting
            plan = replace(plan, found=meeting.date)
        if plan.source in ("research", "field_visit") and (visit := visit_for(plan, org)):
            extra["visit"] = visit
        long_term = plan.kind == "long_term"
        if plan.outcome in ("overdue", "open"):
            deadline = date(2024, 1, 15) if plan.outcome == "open" else date(2024, 1, 31)
        elif long_term and plan.outcome == "in_progress" and plan.returned:
            deadline = today + timedelta(days=2)  # a stage deadline coming up: yellow
        elif long_term and plan.outcome != "closed":
            deadline = today + timedelta(days=36)
        else:
            deadline = min(plan.found + timedelta(days=rng.randint(45, 70)), date(2024, 1, 10))
        problem = services.problem_create(
            campaign=campaign,
            org=org,
            category=plan.category,
            source=plan.source,
            description=plan.description,
            deadline=deadline,
            actor=actor,
            target=plan.target,
            rectification_type=plan.kind,
            responsible_leader=people[plan.leader],
            responsible_dept=person.department,
            responsible_person=person.name,
            **extra,
        )
        Problem.objects.filter(pk=problem.pk).update(
            created_at=timezone.make_aware(datetime.combine(plan.found, time(16, 30)))
        )
        clock.stamp(plan.found, 16)

        drive(plan, problem, deadline)

    # Light changes: the ones the loading itself produced are noise (they were computed for today at
    # every step). Keep one change per overdue item, dated the day after its deadline, as the daily
    # `taizhang lights` run would have recorded it.

    problem_ct = ContentType.objects.get_for_model(Problem)
    measure_ct = ContentType.objects.get_for_model(Measure)
    measure_ids = list(Measure.objects.filter(problem__in=problems).values_list("pk", flat=True))
    Event.objects.filter(kind=Event.Kind.LIGHT).filter(
        Q(content_type=problem_ct, object_id__in=[p.pk for p in problems])
        | Q(content_type=measure_ct, object_id__in=measure_ids)
    ).delete()
    for problem in Problem.objects.filter(pk__in=[p.pk for p in problems], light="red"):
        Event.objects.create(
            content_type=problem_ct,
            object_id=problem.pk,
            at=timezone.make_aware(datetime.combine(problem.deadline + timedelta(days=1), time(0, 10))),
            kind=Event.Kind.LIGHT,
            from_state="yellow",
            to_state="red",
        )

    clock.skip()

    # Institutions built or improved, linked to the problems (and their measures) they answer.
    institutions = []
    linked: dict[int, list[Problem]] = {}
    for plan, problem in zip(PLANS, problems[adopted:], strict=True):
        for index in plan.institutions:
            linked.setdefault(index, []).append(problem)
    actor = users["admin"]
    for index, (org_code, name, kind, number, issued, summary) in enumerate(INSTITUTIONS):
        answered = linked.get(index, [])
        measures = [p.measures.order_by("order").first() for p in answered[:1]]
        institution = services.institution_save(
            institution=None,
            campaign=campaign,
            actor=actor,
            data={
                "org": orgs[org_code],
                "name": name,
                "kind": kind,
                "doc_number": number,
                "issued_on": issued,
                "summary": summary,
                "problems": answered,
                "measures": [m for m in measures if m is not None],
            },
            files=[_pdf(name)],
        )
        Institution.objects.filter(pk=institution.pk).update(
            created_at=timezone.make_aware(datetime.combine(issued, time(15)))
        )
        clock.stamp(issued, 15)
        institutions.append(institution)

    by_status = dict(
        Problem.objects.filter(pk__in=[p.pk for p in problems])
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    by_status = {s: by_status.get(s, 0) for s in Problem.Status.values}
    ctx.say(
        f"  问题整改：{len(problems)} 个问题（已销号 {by_status['closed']}、待审核 {by_status['submitted']}、"
        f"整改中 {by_status['in_progress']}、待整改 {by_status['open']}），"
        f"{Measure.objects.filter(problem__in=problems).count()} 项措施，{len(institutions)} 项制度"
    )
