"""Demo part (loaded last): one summary-report snapshot of zt2023b2, then a late entry recorded after it, so
the report page has a real difference to show ("报告为 N 次，现有记录 N+1 次")."""

from __future__ import annotations

from datetime import date

from taizhang.accounts.models import User
from taizhang.campaigns.models import Campaign
from taizhang.demo.loader import DEMO_CAMPAIGN, DemoContext
from taizhang.org.models import Member
from taizhang.reports.services import report_generate
from taizhang.study.services import selfstudy_create

NAME = "reports"


def load(ctx: DemoContext) -> None:
    campaign = Campaign.objects.filter(code=DEMO_CAMPAIGN).select_related("org").first()
    if campaign is None:
        return
    admin = User.objects.filter(username="admin").first()
    report = report_generate(campaign=campaign, actor=admin, as_of=campaign.end_date)
    ctx.say(f"  总结报告快照：《{report.title}》")
    member = Member.objects.filter(name="刘芳", org__path__startswith=campaign.org.path).first()
    if member is not None:
        # A member's self-study logged after the report was generated (补录): the snapshot shows the drift.
        selfstudy_create(
            member=member,
            data={
                "date": date(2024, 1, 20),
                "material": "《习近平著作选读》第二卷（补录）",
                "minutes": 60,
                "channel": "original",
                "notes": "报告生成后补录的个人自学",
            },
        )
