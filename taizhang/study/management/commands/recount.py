"""taizhang recount [--check]: the activities' stored counts (参与/应到/实到/列席/研讨人次) against their rows.

Every write path keeps them (study.counts); this is for after a restore from an old backup, a hand edit in
the database, or as an audit check. --check changes nothing and fails when any activity differs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from taizhang.study import counts
from taizhang.study.models import StudyActivity
from taizhang.study.services import activity_counts_refresh

SHOWN = 20


class Command(BaseCommand):
    help = (
        "核对（--check）或重算每次学习活动保存的参与、应到、实到、列席、研讨人次，使其与考勤和发言记录一致。"
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--check", action="store_true", help="只核对，不修改；有不一致时以非零状态退出")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        wrong = counts.mismatched()
        n_wrong = wrong.count()
        total = StudyActivity.objects.count()
        if options["check"]:
            if not n_wrong:
                self.stdout.write(f"已核对 {total} 次学习活动，保存的人次与考勤、发言记录一致")
                return
            for activity in wrong.select_related("org")[:SHOWN]:
                stored = "/".join(str(getattr(activity, name)) for name in counts.COUNTS)
                counted = "/".join(str(getattr(activity, f"c_{name[2:]}")) for name in counts.COUNTS)
                self.stdout.write(
                    f"  活动 #{activity.pk} {activity.date:%Y-%m-%d} {activity.org.name}「{activity.topic}」："
                    f"保存 {stored}，记录 {counted}（参与/应到/实到/列席/研讨）"
                )
            more = f"（仅列出前 {SHOWN} 次）" if n_wrong > SHOWN else ""
            raise CommandError(
                f"{n_wrong} 次学习活动保存的人次与记录不一致{more}：运行 taizhang recount 按记录重算"
            )
        with transaction.atomic():
            activity_counts_refresh()
        self.stdout.write(f"已按考勤和发言记录重算 {total} 次学习活动的人次（其中 {n_wrong} 次原先不一致）")
