from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from taizhang.outreach.models import PracticalMatter

pytestmark = pytest.mark.django_db


def test_the_daily_command_refreshes_every_lit_model(world):
    late = PracticalMatter.objects.create(org=world.branch_a, title="修缮活动室", due_date=date(2020, 1, 1))
    out = StringIO()
    call_command("lights", stdout=out)
    late.refresh_from_db()
    assert late.light == "red"
    assert "共 1 项灯色变化" in out.getvalue()
