"""Demo part: research topics led by the bureau's leaders, research visits with findings, public
demands and about twenty practical matters of 市行政审批服务局 in the 2023 campaign.

Everything is written through the app's services (and rectification.services.problem_create via
finding_to_problem), then the history is dated back to when it happened. Loaded before the
rectification part: the problems made here take the first free numbers (WT-001 …); the
rectification demo numbers its own after them.
"""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.core.lights import Light, lights_refresh
from taizhang.core.models import Attachment, Event
from taizhang.demo.loader import DEMO_CAMPAIGN, DEMO_ROOT_ORG, DemoContext
from taizhang.lib.names import person_name
from taizhang.org.models import Member, Organization
from taizhang.outreach import services
from taizhang.outreach.models import Demand, PracticalMatter, ResearchTopic, ResearchVisit

NAME = "outreach"

# (key, leader, title, description, conclusion)
TOPICS = (
    (
        "one_thing",
        "王建国",
        "深化“高效办成一件事”改革，提升企业和群众办事体验",
        "围绕群众反映最集中的“多头跑、重复交”问题，调研市、区两级政务服务中心和“一网通办”落地情况，"
        "梳理高频事项办理堵点。",
        "形成《关于深化“高效办成一件事”改革的调研报告》，提出整合高频事项、打通市区两级系统、"
        "推行延时和预约服务等8条措施，已纳入局党委整改清单和办实事清单。",
    ),
    (
        "business",
        "陈志强",
        "优化营商环境，破解企业开办和涉企审批堵点",
        "走访高新区企业服务站和个体工商户、小微企业，调研企业开办、变更和涉企许可办理中的难点。",
        "形成调研报告1篇，推动企业开办帮办代办、审批结果免费邮寄等举措落地。",
    ),
    (
        "construction",
        "赵丽华",
        "工程建设项目审批提速增效",
        "聚焦施工许可、联合验收等关键环节，到在建项目现场和建设单位调研审批时限与服务质量。",
        "",
    ),
    (
        "elderly",
        "孙海涛",
        "政务服务中心窗口服务提质与适老化改造",
        "调研老年人、残疾人等特殊群体在政务大厅办事遇到的困难，以及窗口服务规范化情况。",
        "推动设立“爱心帮办”窗口、无障碍设施改造和夜间自助服务区建设。",
    ),
)

# Visits: (key, topic key or None, date, org code, leader name (None: the branch secretary), subject,
# place, others present, summary, [(finding text, category)])
VISITS = (
    (
        "v_hall",
        "one_thing",
        date(2023, 9, 20),
        DEMO_ROOT_ORG,
        "王建国",
        "走访市民中心综合窗口，听取办事群众意见",
        "市民中心政务服务大厅",
        "办事群众代表6名",
        "局党委书记带队到综合窗口蹲点半天，跟随群众体验不动产登记、社保卡办理全流程，召开群众座谈会。",
        (
            ("部分事项仍需群众多头跑、重复提交材料，“一件事一次办”覆盖面不够", "ability"),
            ("午间和周末办事需求集中，窗口延时服务尚未形成制度", "style"),
            ("大厅指引标识不清，初次办事群众找窗口困难", "style"),
        ),
    ),
    (
        "v_startup",
        "business",
        date(2023, 9, 27),
        DEMO_ROOT_ORG,
        "陈志强",
        "到高新区企业服务站调研企业开办",
        "高新区企业服务站",
        "企业负责人代表8名",
        "召开企业座谈会，现场查看企业开办“一窗通”系统运行情况。",
        (
            ("企业开办涉及执照、刻章、税务、社保等环节，线上系统未完全打通，仍需多次登录", "ability"),
            ("新办企业对政策不了解，帮办代办力量不足", "responsibility"),
        ),
    ),
    (
        "v_permit",
        "construction",
        date(2023, 10, 11),
        DEMO_ROOT_ORG,
        "赵丽华",
        "工程建设项目审批服务专题调研",
        "市住建局、两个在建项目现场",
        "建设单位代表5名",
        "实地查看项目建设进度，听取建设单位对施工许可和联合验收的意见建议。",
        (
            ("施工许可阶段审批时限仍偏长，个别环节存在“体外循环”", "style"),
            ("联合验收各部门标准不统一，企业反映“多头验收”", "responsibility"),
        ),
    ),
    (
        "v_elderly",
        "elderly",
        date(2023, 10, 18),
        DEMO_ROOT_ORG,
        "孙海涛",
        "政务服务中心适老化服务情况调研",
        "市政务服务中心、泉城路街道明湖社区",
        "社区老年居民代表7名",
        "体验老年人办理社保资格认证、医保备案的全过程，走访社区代办点。",
        (
            ("老年人使用自助终端和线上预约困难，大厅缺少专人帮办", "style"),
            ("社区代办点可办业务少、人员不固定", "ability"),
        ),
    ),
    (
        "v_district",
        "one_thing",
        date(2023, 10, 25),
        DEMO_ROOT_ORG,
        "王建国",
        "走访区级政务服务中心，调研“一网通办”落地情况",
        "历城区政务服务中心",
        "区行政审批服务局负责同志",
        "",
        (
            ("部分高频事项网上可办但网办率低，线上申报引导不足", "ability"),
            ("市、区两级审批系统数据不共享，群众需重复填报", "responsibility"),
        ),
    ),
    (
        "v_smallbiz",
        "business",
        date(2023, 11, 1),
        DEMO_ROOT_ORG,
        "陈志强",
        "个体工商户和小微企业座谈调研",
        "局三楼会议室",
        "个体工商户、小微企业代表10名",
        "",
        (
            ("审批结果证照需到窗口领取，外地企业往返不便", "style"),
            ("许可材料清单网上与窗口口径不一致", "style"),
        ),
    ),
    (
        "v_acceptance",
        "construction",
        date(2023, 11, 8),
        DEMO_ROOT_ORG,
        "赵丽华",
        "联合验收“一口受理”运行情况回访",
        "市政务服务中心工程建设项目专区",
        "",
        "",
        (("审批进度查询渠道少，企业需反复电话询问", "style"),),
    ),
    (
        "v_night",
        "elderly",
        date(2023, 11, 14),
        DEMO_ROOT_ORG,
        "孙海涛",
        "夜间和周末政务服务需求调研",
        "市政务服务中心、周边商务楼宇",
        "楼宇企业员工代表6名",
        "",
        (("上班族工作日难以到窗口办事，夜间缺少可办渠道", "style"),),
    ),
    (
        "v_community",
        None,
        date(2023, 10, 16),
        "JDW01",
        None,
        "到结对社区开展“我为群众办实事”走访",
        "泉城路街道明湖社区",
        "社区网格员2名",
        "机关第一党支部与结对社区联合开展走访，入户了解居民办事需求。",
        (
            ("社区老年人对社保、医保业务的办理渠道不了解", "style"),
            ("居民反映小区周边停车难（已转交属地街道）", ""),
        ),
    ),
    (
        "v_policy",
        None,
        date(2023, 11, 21),
        "JDW02",
        None,
        "走访企业了解政策法规需求",
        "高新区、槐荫区部分企业",
        "",
        "",
        (("涉企政策发布后解读不及时、不通俗，企业“看不懂、找不到”", "ability"),),
    ),
    (
        "v_feedback",
        None,
        date(2023, 12, 5),
        "JDW04",
        None,
        "政务服务“好差评”差评回访",
        "市政务服务中心",
        "差评群众5名（电话回访）",
        "对三季度以来的差评逐一电话回访，核实整改情况。",
        (
            ("差评整改反馈不及时，个别差评超过规定时限才回访", "style"),
            ("个别窗口工作人员解释政策不耐心", "style"),
        ),
    ),
    (
        "v_online",
        None,
        date(2023, 12, 12),
        "JDW05",
        None,
        "政务服务网办系统使用体验调研",
        "信息中心、市政务服务中心自助区",
        "网上办事群众代表4名",
        "",
        (("政务服务网在手机端操作不便，页面加载慢", "ability"),),
    ),
)

# Findings put on the problem list: (visit key, finding index, unit, deadline)
TO_PROBLEMS = (
    ("v_hall", 0, "JDW04", date(2023, 12, 31)),
    ("v_startup", 0, "JDW02", date(2023, 12, 31)),
    ("v_permit", 0, "JDW03", date(2024, 1, 15)),
    ("v_district", 1, "JDW05", date(2024, 1, 31)),
    ("v_policy", 0, "JDW02", date(2023, 12, 31)),
)

# Matters: (source, org, title, beneficiaries, beneficiary count, due, status, done_on, outcome,
#           [progress (date, note)]); the owner is the unit's branch secretary.
# source: ("finding", visit key, index), ("demand", demand key) or None.
MATTERS: tuple[tuple[Any, ...], ...] = (
    (
        ("finding", "v_hall", 1),
        "JDW04",
        "推行午间不打烊、周六预约办服务",
        "上班族、企业办事人员",
        3860,
        date(2023, 10, 31),
        "done",
        date(2023, 10, 30),
        "大厅工作日12:00—14:00不间断服务，周六上午开放预约办理，截至年底累计服务3860人次。",
        ((date(2023, 10, 9), "制定午间轮岗方案，10月9日起试行"),),
    ),
    (
        ("finding", "v_startup", 1),
        "JDW02",
        "组建企业开办帮办代办专班",
        "新办企业",
        426,
        date(2023, 11, 30),
        "done",
        date(2023, 11, 20),
        "抽调业务骨干8人组建帮办专班，为426家新办企业提供全程帮办，企业开办压缩至0.5个工作日。",
        ((date(2023, 10, 20), "专班组建完成，公布帮办电话"),),
    ),
    (
        ("finding", "v_elderly", 0),
        "JDW04",
        "设立“爱心帮办”窗口和老年人绿色通道",
        "老年人、残疾人等特殊群体",
        1250,
        date(2023, 11, 15),
        "done",
        date(2023, 11, 10),
        "在一楼大厅设立“爱心帮办”窗口，配备老花镜、轮椅等设施，安排专人全程陪同帮办，服务1250人次。",
        (),
    ),
    (
        ("finding", "v_district", 0),
        "JDW05",
        "高频事项网上办理“一对一”引导",
        "网上办事群众",
        2100,
        date(2023, 12, 31),
        "done",
        date(2023, 12, 20),
        "梳理30项高频事项制作网办操作指南，设置网办引导岗，高频事项网办率提高到78%。",
        ((date(2023, 11, 15), "完成30项高频事项网办指南编制"),),
    ),
    (
        ("finding", "v_smallbiz", 0),
        "JDW03",
        "审批结果证照免费邮寄送达",
        "办事企业和群众",
        1580,
        date(2023, 12, 15),
        "done",
        date(2023, 11, 30),
        "与邮政合作开通审批结果免费寄递，累计寄送证照1580件，企业群众“零跑腿”。",
        (),
    ),
    (
        ("finding", "v_community", 0),
        "JDW01",
        "进社区开展政务服务政策宣讲",
        "结对社区居民",
        320,
        date(2023, 11, 30),
        "done",
        date(2023, 11, 25),
        "在明湖社区开展政策宣讲和现场帮办3场，解答社保、医保办理问题120余个，惠及居民320人。",
        ((date(2023, 11, 3), "完成第一场宣讲，收集问题46个"),),
    ),
    (
        ("finding", "v_online", 0),
        "JDW05",
        "政务服务网移动端适配优化",
        "网上办事群众",
        None,
        date(2027, 3, 31),
        "in_progress",
        None,
        "",
        (
            (date(2024, 3, 20), "一期完成首页和高频事项页面移动端适配，已上线"),
            (date(2025, 9, 10), "二期与省平台对接，统一身份认证改造进行中"),
        ),
    ),
    (
        ("finding", "v_night", 0),
        "JDW04",
        "建设24小时“不打烊”自助服务区",
        "上班族等工作日难以到窗口的群众",
        900,
        date(2024, 1, 31),
        "done",
        date(2024, 1, 15),
        "在大厅东侧建成24小时自助服务区，可办理86项业务，试运行以来服务900余人次。",
        ((date(2023, 12, 20), "自助终端安装调试完成"),),
    ),
    (
        ("demand", "d_parking"),
        "JDW04",
        "挖潜增设办事群众临时停车位",
        "驾车来大厅办事的群众",
        4200,
        date(2023, 10, 31),
        "done",
        date(2023, 10, 20),
        "协调周边单位错时共享，新增临时停车位60个，高峰时段安排专人引导，累计服务4200余车次。",
        (),
    ),
    (
        ("demand", "d_progress"),
        "JDW03",
        "审批进度短信实时推送",
        "工程建设项目建设单位",
        2600,
        date(2023, 12, 31),
        "done",
        date(2023, 12, 28),
        "审批系统关键节点自动发送短信，企业可实时掌握办理进度，已推送2600余条。",
        ((date(2023, 12, 1), "短信接口开发完成，开始测试"),),
    ),
    (
        ("demand", "d_barrier"),
        "JDW04",
        "大厅无障碍设施改造",
        "残疾人、老年人",
        None,
        date(2024, 1, 31),
        "in_progress",
        None,
        "",
        (
            (date(2023, 12, 15), "入口坡道改造完成"),
            (date(2024, 1, 25), "无障碍卫生间施工受场地限制，需与物业重新选址，工期推迟"),
        ),
    ),
    (
        ("demand", "d_hotline"),
        "JDW04",
        "政务服务咨询电话扩容",
        "电话咨询的企业和群众",
        5200,
        date(2023, 12, 15),
        "done",
        date(2023, 12, 10),
        "咨询电话由4线扩至10线，增设夜间留言回拨，接通率由62%提高到96%。",
        (),
    ),
    (
        ("demand", "d_phone_class"),
        "JDW06",
        "为离退休干部开设智能手机使用课堂",
        "离退休干部",
        45,
        date(2023, 11, 30),
        "done",
        date(2023, 11, 28),
        "开设智能手机课堂4期，教会45名离退休干部使用网上办事、健康码和视频通话。",
        (),
    ),
    (
        None,
        "JDW04",
        "设立“办不成事”反映窗口",
        "在其他窗口未办成事的群众",
        180,
        date(2023, 10, 15),
        "done",
        date(2023, 10, 12),
        "设立“办不成事”反映窗口，由科室负责人轮值坐班，受理并协调解决疑难事项180件。",
        (),
    ),
    (
        None,
        "JDW02",
        "编制政务服务事项“一次告知”清单",
        "办事企业和群众",
        None,
        date(2023, 12, 31),
        "done",
        date(2023, 12, 15),
        "编制568项政务服务事项一次告知清单，网上、窗口、自助终端口径统一。",
        (),
    ),
    (
        None,
        "JDW03",
        "工程建设项目“拿地即开工”试点",
        "工业项目建设单位",
        None,
        date(2026, 12, 31),
        "in_progress",
        None,
        "",
        (
            (date(2024, 5, 10), "首个试点项目实现拿地即开工"),
            (date(2026, 6, 30), "扩大到全市工业园区，已有12个项目"),
        ),
    ),
    (
        None,
        "JDW05",
        "电子证照跨部门互认应用",
        "办事企业",
        None,
        date(2027, 6, 30),
        "not_started",
        None,
        "",
        (),
    ),
    (
        None,
        "JDW04",
        "政务服务中心母婴室建设",
        "带婴幼儿办事的群众",
        None,
        date(2024, 3, 31),
        "in_progress",
        None,
        "",
        ((date(2024, 1, 10), "选址方案报中心管委会审定"),),
    ),
    (
        None,
        "JDW01",
        "机关食堂向周边环卫工人开放",
        "周边环卫工人",
        85,
        date(2023, 12, 1),
        "done",
        date(2023, 12, 1),
        "机关食堂设立“爱心餐桌”，为周边85名环卫工人提供平价早午餐和休息、饮水服务。",
        (),
    ),
    (
        None,
        "JDW02",
        "涉企政策法规“送上门”服务",
        "中小微企业",
        150,
        date(2024, 1, 15),
        "done",
        date(2024, 1, 10),
        "编印政策汇编并上门宣讲解读，走访服务企业150家，现场解决问题23个。",
        (),
    ),
)

# Demands: (key or "", org, raised_on, channel, named?, content, days to resolve (None: open), response)
DEMANDS = (
    (
        "d_parking",
        "JDW04",
        date(2023, 9, 12),
        "visit",
        True,
        "政务服务中心停车位紧张，来办事经常找不到车位。",
        38,
        "已协调周边单位共享车位并转为办实事项目。",
    ),
    (
        "",
        "JDW04",
        date(2023, 9, 15),
        "hotline",
        True,
        "希望周六也能办理不动产登记业务。",
        40,
        "已推行周六上午预约办理。",
    ),
    (
        "",
        "JDW02",
        date(2023, 9, 22),
        "online",
        False,
        "企业变更登记线上提交后审核时间较长，希望提速。",
        12,
        "优化审核流程，线上变更登记压缩至1个工作日内办结。",
    ),
    (
        "",
        "JDW04",
        date(2023, 9, 26),
        "phone",
        True,
        "老年人不会用手机预约取号，现场排队时间长。",
        20,
        "开设老年人绿色通道，现场无需预约。",
    ),
    (
        "d_progress",
        "JDW03",
        date(2023, 10, 9),
        "online",
        True,
        "施工许可证办理进度查询不方便，只能打电话问。",
        80,
        "开通审批进度短信推送。",
    ),
    (
        "",
        "JDW04",
        date(2023, 10, 13),
        "field",
        False,
        "大厅饮水机、老花镜、充电等便民设施不足。",
        7,
        "已在各楼层补充便民服务箱和饮水设施。",
    ),
    (
        "d_barrier",
        "JDW04",
        date(2023, 10, 17),
        "letter",
        True,
        "残疾人坐轮椅来办事，大厅入口坡道太陡，卫生间没有无障碍设施。",
        None,
        "坡道已改造，无障碍卫生间正在选址施工。",
    ),
    (
        "",
        "JDW02",
        date(2023, 10, 24),
        "visit",
        True,
        "食品经营许可证延续需要重复提交材料。",
        15,
        "对延续事项实行告知承诺，已核验材料不再重复提交。",
    ),
    (
        "",
        "JDW04",
        date(2023, 10, 30),
        "hotline",
        True,
        "下班后到大厅已关门，希望有晚上能办事的渠道。",
        77,
        "24小时自助服务区已投入使用。",
    ),
    (
        "",
        "JDW05",
        date(2023, 11, 2),
        "online",
        False,
        "网上办事系统填写过程中经常提示超时退出，已填内容丢失。",
        10,
        "延长会话时限并增加自动暂存功能。",
    ),
    (
        "d_hotline",
        "JDW04",
        date(2023, 11, 6),
        "hotline",
        True,
        "咨询电话总是占线，很难打通。",
        34,
        "咨询电话扩容并增设留言回拨。",
    ),
    (
        "",
        "JDW04",
        date(2023, 11, 9),
        "letter",
        False,
        "个别窗口工作人员态度生硬，解释问题不耐心。",
        6,
        "对相关人员进行批评教育，开展窗口礼仪和政策解读培训。",
    ),
    (
        "",
        "JDW02",
        date(2023, 11, 16),
        "online",
        True,
        "营业执照办理所需材料网上和窗口说的不一样。",
        29,
        "编制一次告知清单，统一网上和窗口口径。",
    ),
    (
        "",
        "JDW04",
        date(2023, 11, 20),
        "field",
        True,
        "希望大厅提供免费复印、打印服务。",
        5,
        "已在自助区设置免费复印打印设备。",
    ),
    (
        "",
        "JDW04",
        date(2023, 11, 28),
        "hotline",
        True,
        "外卖骑手、快递员白天跑单，办事时间难兼顾。",
        None,
        "已纳入夜间和周末服务方案，正在研究预约上门帮办。",
    ),
    (
        "",
        "JDW05",
        date(2023, 12, 4),
        "online",
        True,
        "企业希望审批结果电子证照能在其他部门直接使用。",
        None,
        "已列入电子证照跨部门互认应用项目，需与省平台协同推进。",
    ),
    (
        "d_phone_class",
        "JDW06",
        date(2023, 10, 10),
        "field",
        True,
        "离退休干部希望组织学习智能手机上的网上办事。",
        49,
        "开设智能手机课堂。",
    ),
    (
        "",
        "JDW05",
        date(2023, 12, 11),
        "field",
        False,
        "政务大厅无线网络信号差，手机办事加载慢。",
        9,
        "更换大厅无线接入设备，信号覆盖全部等候区。",
    ),
    (
        "",
        "JDW02",
        date(2023, 12, 18),
        "visit",
        True,
        "个体户希望税务和市场监管业务能在一个窗口办完。",
        None,
        "正与税务部门协商设置综合窗口。",
    ),
    (
        "",
        "JDW01",
        date(2023, 12, 20),
        "phone",
        True,
        "退休人员开具在职经历证明需要跑两趟，希望能提前预约。",
        8,
        "开通电话预约，证明当次开具。",
    ),
    (
        "",
        "JDW03",
        date(2024, 1, 8),
        "online",
        True,
        "联合验收时各部门分别约时间，希望统一安排。",
        14,
        "联合验收实行“一次约定、集中验收”。",
    ),
)

# Evidence images for these matters (by title) — small generated placards, as a user's phone photo.
EVIDENCE_FOR = (
    "推行午间不打烊、周六预约办服务",
    "设立“爱心帮办”窗口和老年人绿色通道",
    "挖潜增设办事群众临时停车位",
    "进社区开展政务服务政策宣讲",
    "建设24小时“不打烊”自助服务区",
    "机关食堂向周边环卫工人开放",
)


def _at(day: date, hour: int = 16) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


class _Clock:
    """Dates the events written by the services back to the day they describe."""

    def __init__(self) -> None:
        self.started = timezone.now()

    def stamp(self, obj: Any, day: date, hour: int = 16) -> None:
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, at__gte=self.started
        ).update(at=_at(day, hour))


def _phone(rng: Any) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _evidence_image(seed: int, title: str) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (244, 240, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 639, 60), fill=(181, 18, 27))
    for i in range(6):
        x = 40 + i * 95
        h = 80 + (seed * 37 + i * 53) % 180
        draw.rectangle((x, 360 - h, x + 60, 360), fill=(120 + i * 20, 90, 60))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"办结照片-{title[:12]}.png", buffer.getvalue(), content_type="image/png")


def load(ctx: DemoContext) -> None:
    rng = ctx.rng(NAME)
    clock = _Clock()
    root = Organization.objects.get(code=DEMO_ROOT_ORG)
    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN)
    units = {o.code: o for o in Organization.objects.in_subtree(root)}
    people = {m.name: m for m in Member.objects.in_subtree(root).select_related("org")}
    admin = User.objects.get(username="admin")
    users = {
        "JDW01": User.objects.get(username="secretary"),
        "JDW02": User.objects.get(username="secretary2"),
    }

    def actor_for(code: str) -> User:
        return users.get(code[:5], admin)

    def staff(code: str) -> list[Member]:
        return list(Member.objects.in_subtree(units[code]).select_related("org").order_by("sort_order", "id"))

    secretaries = {
        code: Member.objects.in_subtree(units[code])
        .filter(post__contains="支部书记")
        .order_by("sort_order")
        .first()
        for code in ("JDW01", "JDW02", "JDW03", "JDW04", "JDW05", "JDW06")
    }

    topics: dict[str, ResearchTopic] = {}
    for key, leader, title, description, conclusion in TOPICS:
        topic = services.topic_save(
            topic=None,
            data={
                "campaign": campaign,
                "org": root,
                "title": title,
                "leader": people[leader],
                "description": description,
                "conclusion": conclusion,
            },
            actor=admin,
        )
        ResearchTopic.objects.filter(pk=topic.pk).update(created_at=_at(date(2023, 9, 15), 10))
        clock.stamp(topic, date(2023, 9, 15), 10)
        topics[key] = topic

    visits: dict[str, ResearchVisit] = {}
    office = [m for m in staff("JDW01") if m.name not in ("王建国",)][:6]
    for key, topic_key, day, code, leader, subject, place, others, summary, findings in VISITS:
        org = units[code]
        if leader is None:
            leader_member = secretaries[code]
            crew = [m for m in staff(code) if m != leader_member]
            team = [leader_member, *rng.sample(crew, min(len(crew), rng.randint(3, 5)))]
            if code == "JDW01" and people["刘芳"] not in team:
                team.append(people["刘芳"])  # the demo member sees a visit she took part in
        else:
            leader_member = people[leader]
            team = [leader_member, *rng.sample(office, 2), *rng.sample(staff(people[leader].org.code[:5]), 2)]
        team = list(dict.fromkeys(team))
        visit = services.visit_save(
            visit=None,
            data={
                "org": org,
                "topic": topics[topic_key] if topic_key else None,
                "subject": subject,
                "date": day,
                "place": place,
                "leader": leader_member.name,
                "participants_text": others,
                "summary": summary,
            },
            participants=team,
            findings=[{"text": text, "category": category} for text, category in findings],
            actor=actor_for(code),
        )
        ResearchVisit.objects.filter(pk=visit.pk).update(created_at=_at(day, 18))
        clock.stamp(visit, day, 18)
        visits[key] = visit

    def finding(visit_key: str, index: int) -> Any:
        return list(visits[visit_key].findings.all())[index]

    problems = 0
    for visit_key, index, code, deadline in TO_PROBLEMS:
        item = finding(visit_key, index)
        visit = visits[visit_key]
        leader = visit.topic.leader if visit.topic else secretaries[visit.org.code]
        day = visit.date + timedelta(days=rng.randint(3, 9))
        problem = services.finding_to_problem(
            finding=item,
            data={
                "org": units[code],
                "category": item.category or "style",
                "description": item.text,
                "deadline": deadline,
                "rectification_type": "deadline",
                "responsible_leader": leader,
                "responsible_person": secretaries[code].name,
            },
            actor=admin,
        )
        type(problem).objects.filter(pk=problem.pk).update(created_at=_at(day, 10))
        clock.stamp(problem, day, 10)
        # Past its deadline and still open: red from the day after the deadline, not from creation.
        Event.objects.filter(
            content_type=ContentType.objects.get_for_model(type(problem)), object_id=problem.pk, kind="light"
        ).update(at=_at(deadline + timedelta(days=1), 0))
        clock.stamp(visit, day, 10)
        problems += 1

    demands: dict[str, Demand] = {}
    for key, code, raised_on, channel, named, content, days, response in DEMANDS:
        resolved_on = raised_on + timedelta(days=days) if days is not None else None
        handler = rng.choice(staff(code)[1:6]).name
        demand = services.demand_save(
            demand=None,
            data={
                "org": units[code],
                "raised_by": person_name(rng, rng.choice(("male", "female"))) if named else "",
                "contact": _phone(rng) if named else "",
                "channel": channel,
                "content": content,
                "raised_on": raised_on,
                "handler": handler,
                "response": "",
                "resolved": False,
                "resolved_on": None,
            },
            actor=actor_for(code),
        )
        Demand.objects.filter(pk=demand.pk).update(created_at=_at(raised_on, 11))
        clock.stamp(demand, raised_on, 11)
        first = min(raised_on + timedelta(days=2), resolved_on or raised_on + timedelta(days=2))
        services.demand_respond(demand=demand, handler=handler, response=response, actor=actor_for(code))
        clock.stamp(demand, first, 15)
        if resolved_on:
            services.demand_resolve(demand=demand, resolved_on=resolved_on, actor=actor_for(code))
            clock.stamp(demand, resolved_on, 17)
        if key:
            demands[key] = demand

    matters: list[PracticalMatter] = []
    evidence_seed = 0
    for source, code, title, beneficiaries, count, due, status, done_on, outcome, notes in MATTERS:
        owner = secretaries[code].name
        data = {
            "org": units[code],
            "title": title,
            "beneficiaries": beneficiaries,
            "beneficiary_count": None,
            "owner": owner,
            "due_date": due,
        }
        actor = actor_for(code)
        if source and source[0] == "finding":
            item = finding(source[1], source[2])
            data["description"] = item.text
            matter = services.finding_to_matter(finding=item, data=data, actor=actor)
            start = item.visit.date + timedelta(days=rng.randint(2, 6))
            clock.stamp(item.visit, start, 10)
        elif source and source[0] == "demand":
            demand = demands[source[1]]
            data["description"] = demand.content
            matter = services.demand_to_matter(demand=demand, data=data, actor=actor)
            start = demand.raised_on + timedelta(days=rng.randint(1, 4))
            clock.stamp(demand, start, 10)
        else:
            data["campaign"] = campaign
            matter = services.matter_create(data=data, actor=actor)
            start = date(2023, 9, 25) + timedelta(days=rng.randint(0, 20))
        PracticalMatter.objects.filter(pk=matter.pk).update(created_at=_at(start, 10))
        clock.stamp(matter, start, 10)
        for index, (day, note) in enumerate(notes):
            services.matter_progress(
                matter=matter, note=note, status="in_progress" if index == 0 else "", actor=actor
            )
            clock.stamp(matter, day, 17)
        if status == "in_progress" and not notes:
            services.matter_progress(matter=matter, status="in_progress", actor=actor)
            clock.stamp(matter, start + timedelta(days=3), 17)
        if status == "done":
            uploads = []
            if title in EVIDENCE_FOR:
                evidence_seed += 1
                uploads = [_evidence_image(evidence_seed, title)]
            services.matter_complete(
                matter=matter,
                done_on=done_on,
                outcome=outcome,
                beneficiary_count=count,
                uploads=uploads,
                actor=actor,
            )
            clock.stamp(matter, done_on, 17)
            Attachment.objects.filter(
                content_type=ContentType.objects.get_for_model(PracticalMatter), object_id=matter.pk
            ).update(uploaded_at=_at(done_on, 17))
        matters.append(matter)

    _settle_lights(ctx, [m.pk for m in matters])
    done = sum(1 for m in MATTERS if m[6] == "done")
    ctx.say(
        f"  服务群众：调研课题 {len(topics)} 个，调研 {len(visits)} 次（转为问题 {problems} 个），"
        f"群众诉求 {len(DEMANDS)} 件，办实事 {len(matters)} 项（已办结 {done} 项）"
    )


def _settle_lights(ctx: DemoContext, ids: list[int]) -> None:
    """The demo writes two years of history in one go: keep only the light changes that really
    happened (an open matter turning red the day after its due date), not the ones of loading."""
    ct = ContentType.objects.get_for_model(PracticalMatter)
    matters = PracticalMatter.objects.filter(pk__in=ids)
    Event.objects.filter(content_type=ct, object_id__in=ids, kind="light").delete()
    matters.update(light=Light.GREEN, light_changed_at=None)
    lights_refresh(PracticalMatter, queryset=matters)
    Event.objects.filter(content_type=ct, object_id__in=ids, kind="light", to_state=Light.DONE).delete()
    for matter in matters.exclude(light__in=(Light.GREEN, Light.DONE)):
        when = _at(matter.due_date + timedelta(days=1), 0) if matter.light == Light.RED else timezone.now()
        Event.objects.filter(content_type=ct, object_id=matter.pk, kind="light").update(at=when)
        matters.filter(pk=matter.pk).update(light_changed_at=when)
