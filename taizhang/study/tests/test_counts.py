"""The counts stored on each activity (参与/应到/实到/列席/研讨人次, study.counts): every write path keeps
them equal to the rows, the figures read from them equal the figures counted from the rows, and
`taizhang recount` finds and repairs a difference.

(The root conftest also checks, after every test that touched the database, that no activity's counts
differ from its rows.)"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.campaigns.models import Campaign
from taizhang.org.models import Organization
from taizhang.reports import metrics
from taizhang.study import counts, services
from taizhang.study.models import StudyActivity

pytestmark = pytest.mark.django_db

COUNTED_KEYS = [m.key for m in metrics.CATALOG.values() if m.counter]


def _stored(activity: StudyActivity) -> tuple[int, ...]:
    activity.refresh_from_db()
    return tuple(getattr(activity, name) for name in counts.COUNTS)


def test_every_attendance_and_speech_figure_has_a_stored_count():
    assert set(COUNTED_KEYS) == {
        "study.attendance",
        "study.expected",
        "study.present",
        "study.invitees",
        "study.speakers",
        "study.reading_class.attendance",
        "study.reading_class.speakers",
    }


def test_the_demo_figures_from_stored_counts_equal_the_figures_from_the_rows():
    call_command("demo", stdout=StringIO())
    assert not counts.mismatched().exists()
    campaign = Campaign.objects.get(code="zt2023b2")
    branch = Organization.objects.filter(kind="branch", activities__campaign=campaign).first()
    for org in (None, branch):
        fast = metrics.compute(campaign, org)
        slow = metrics.compute(campaign, org, from_rows=True)
        assert fast == slow
        assert fast["study.attendance"] > 0 and fast["study.speakers"] > 0
    for key in [*COUNTED_KEYS, "study.attendance_rate"]:
        for by in ("unit", "month", "quarter", "type"):
            assert metrics.breakdown(key, campaign, by=by) == metrics.breakdown(
                key, campaign, by=by, from_rows=True
            ), (key, by)
    # A report's size check reads the row totals from the counts too.
    computed = metrics.compute_counted(campaign)
    assert computed.totals["study.Attendance"] == metrics.rows("study.attendance", campaign).count() + (
        metrics.rows("study.expected", campaign).filter(status="absent").count()
    )
    assert computed.counts["study.present"] == metrics.rows("study.present", campaign).count()


def test_an_edit_of_the_sheet_recounts_the_activity(world, record):
    people = world.people_a
    activity = record(speakers=people[:2])
    assert _stored(activity) == (6, 6, 6, 0, 2)
    rows = [services.AttendanceRow(member=m) for m in people[:5]]
    rows[4] = services.AttendanceRow(member=people[4], present=False, reason="sick")
    rows.append(services.AttendanceRow(member=world.people_b[0], invited=True))
    services.activity_update(
        activity=activity,
        data={},
        attendance=rows,
        speeches=[services.SpeechRow(member=people[0])],
        actor=world.secretary_a,
    )
    # 参与 5 (4 + the invitee), 应到 5, 实到 4, 列席 1, 研讨 1
    assert _stored(activity) == (5, 5, 4, 1, 1)


def test_recount_check_names_the_activity_that_differs_and_recount_repairs_it(world, record):
    activity = record(topic="学习党章")
    StudyActivity.objects.filter(pk=activity.pk).update(n_present=99)
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("recount", "--check", stdout=out)
    assert "1 次学习活动保存的人次与记录不一致" in str(exc.value)
    assert f"活动 #{activity.pk}" in out.getvalue() and "「学习党章」" in out.getvalue()
    assert "保存 6/6/99/0/0，记录 6/6/6/0/0" in out.getvalue()
    assert _stored(activity)[2] == 99  # --check changes nothing

    out = StringIO()
    call_command("recount", stdout=out)
    assert "其中 1 次原先不一致" in out.getvalue()
    assert _stored(activity) == (6, 6, 6, 0, 0)
    out = StringIO()
    call_command("recount", "--check", stdout=out)
    assert "一致" in out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sheet=st.lists(st.sampled_from(["present", "absent", "speaker"]), min_size=6, max_size=6),
    invitees=st.integers(min_value=0, max_value=2),
    invitee_speaks=st.booleans(),
)
def test_any_sheet_recorded_through_the_service_stores_its_counts(world, sheet, invitees, invitee_speaks):
    people = world.people_a
    guests = world.people_b[:invitees]
    rows = [
        services.AttendanceRow(
            member=m, present=state != "absent", reason="" if state != "absent" else "trip"
        )
        for m, state in zip(people, sheet, strict=True)
    ]
    rows += [services.AttendanceRow(member=g, invited=True) for g in guests]
    speakers = [m for m, state in zip(people, sheet, strict=True) if state == "speaker"]
    if invitee_speaks and guests:
        speakers.append(guests[0])
    activity = services.activity_create(
        data={
            "org": world.branch_a,
            "campaign": world.campaign,
            "type": StudyActivity._meta.get_field("type").related_model.objects.get(
                campaign=None, code="seminar"
            ),
            "topic": "专题研讨",
            "date": world.campaign.start_date,
        },
        attendance=rows,
        speeches=[services.SpeechRow(member=m) for m in speakers],
        actor=world.secretary_a,
    )
    present = sum(1 for state in sheet if state != "absent")
    assert _stored(activity) == (present + invitees, 6, present, invitees, len(speakers))
    services.activity_delete(activity=activity, actor=world.secretary_a)
