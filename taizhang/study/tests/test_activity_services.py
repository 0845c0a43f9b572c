"""Recording, changing and deleting study activities through the services."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from taizhang.core.models import Attachment, AuditLog, Event
from taizhang.core.tests.factories import make_campaign, make_member
from taizhang.study import services
from taizhang.study.models import Attendance, Speech, StudyActivity
from taizhang.study.tests.conftest import activity_type

pytestmark = pytest.mark.django_db


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), "white").save(out, "PNG")
    return SimpleUploadedFile("签到表.png", out.getvalue(), content_type="image/png")


def _counts(activity):
    row = StudyActivity.objects.get(pk=activity.pk)
    return row.n_expected, row.n_present, row.n_invited, row.n_attendance, row.n_speakers


def _nothing_saved():
    return (
        StudyActivity.objects.count() == 0
        and Attendance.objects.count() == 0
        and Speech.objects.count() == 0
        and Attachment.objects.count() == 0
    )


def _messages(exc: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_everyone_of_the_unit_starts_present_and_counts_come_from_rows(world, record):
    people = world.people_a
    activity = record(absent={people[1]: "trip", people[2]: "sick"}, speakers=people[3:6])
    # 6 members of branch A (incl. group A): 应到 6, 实到 4, 参与人次 4, 研讨人次 3.
    assert _counts(activity) == (6, 4, 0, 4, 3)
    assert set(activity.attendances.filter(status="absent").values_list("reason", flat=True)) == {
        "trip",
        "sick",
    }
    assert [s.member for s in activity.speeches.order_by("order")] == people[3:6]


def test_an_invitee_counts_in_attendance_but_not_in_expected(world, record):
    activity = record(invited=[world.people_b[0]], speakers=[world.people_b[0]])
    assert _counts(activity) == (6, 6, 1, 7, 1)


def test_the_creation_is_an_event_and_an_audit_entry(world, record):
    activity = record(absent={world.people_a[1]: "official"})
    event = Event.objects.get(object_id=activity.pk, kind="created")
    assert event.actor == world.secretary_a
    assert event.data["counts"] == "应到6 实到5 列席0 研讨0"
    assert "甲1号（公务）" in event.data["absent"]
    assert AuditLog.objects.filter(action="create", object_type="study.StudyActivity").exists()


def test_a_date_outside_the_campaign_is_refused_naming_the_field(world, record):
    with pytest.raises(ValidationError) as exc:
        record(date=date(2023, 8, 31))
    assert "日期：2023年8月31日不在“测试主题教育”期间" in _messages(exc)["date"][0]
    assert _nothing_saved()


def test_a_date_in_the_future_is_refused(world, record):
    with pytest.raises(ValidationError) as exc:
        record(campaign=None, date=date.today() + timedelta(days=3))
    assert _messages(exc)["date"][0].startswith("日期：")
    assert _nothing_saved()


def test_an_activity_outside_any_campaign_takes_any_past_date(world, record):
    activity = record(campaign=None, date=date(2023, 3, 1))
    assert activity.campaign is None


def test_a_unit_outside_the_campaigns_units_is_refused(world, record):
    branch_campaign = make_campaign(org=world.branch_b, code="bonly")
    with pytest.raises(ValidationError) as exc:
        record(campaign=branch_campaign)
    assert _messages(exc)["campaign"][0].startswith("学习教育：“甲支部”不在")


def test_a_speaker_who_was_absent_is_refused(world, record):
    absent = world.people_a[2]
    with pytest.raises(ValidationError) as exc:
        record(absent={absent: "sick"}, speakers=[world.people_a[1], absent])
    assert _messages(exc)["speeches"] == [services.SPEECH_ABSENT.format(name=absent.name)]
    assert _nothing_saved()


def test_a_speaker_not_in_the_attendance_is_refused(world, record):
    stranger = world.people_b[1]
    with pytest.raises(ValidationError) as exc:
        record(speakers=[stranger])
    assert _messages(exc)["speeches"] == [services.SPEECH_NOT_ATTENDING.format(name=stranger.name)]
    assert _nothing_saved()


def test_a_member_outside_the_unit_is_refused_unless_invited(world):
    outsider = world.people_b[0]
    rows = [services.AttendanceRow(member=m) for m in world.people_a] + [
        services.AttendanceRow(member=outsider)
    ]
    data = {
        "org": world.branch_a,
        "campaign": world.campaign,
        "type": activity_type("theme_party_day"),
        "topic": "主题党日",
        "date": date(2023, 10, 1),
    }
    with pytest.raises(ValidationError) as exc:
        services.activity_create(data=data, attendance=rows, actor=world.secretary_a)
    message = _messages(exc)["attendance"][0]
    assert message.startswith("参加人员：“乙0号”（乙支部）不在“甲支部”及其下级组织中")
    assert _nothing_saved()
    rows[-1] = services.AttendanceRow(member=outsider, invited=True)
    activity = services.activity_create(data=data, attendance=rows, actor=world.secretary_a)
    assert activity.attendances.get(member=outsider).invited


def test_a_member_of_the_unit_cannot_be_an_invitee_and_an_invitee_cannot_be_absent(world):
    rows = [
        services.AttendanceRow(member=world.people_a[0], invited=True),
        services.AttendanceRow(member=world.people_b[0], invited=True, present=False, reason="trip"),
    ]
    data = {
        "org": world.branch_a,
        "type": activity_type("party_lecture"),
        "topic": "党课",
        "date": date(2023, 10, 1),
    }
    with pytest.raises(ValidationError) as exc:
        services.activity_create(data=data, attendance=rows, actor=world.secretary_a)
    assert _messages(exc)["attendance"] == [
        services.ATTENDANCE_INVITEE_INSIDE.format(name="甲0号", org="甲支部"),
        services.ATTENDANCE_INVITEE_ABSENT.format(name="乙0号"),
    ]


def test_every_problem_is_reported_at_once(world, record):
    with pytest.raises(ValidationError) as exc:
        record(
            date=date(2024, 3, 1),
            topic="  ",
            speakers=[world.people_b[0]],
            start_time="15:00",
            end_time="14:00",
        )
    assert set(_messages(exc)) >= {"date", "topic", "speeches", "end_time"}


def test_an_empty_sheet_and_a_duplicate_row_are_refused(world):
    data = {"org": world.branch_a, "type": activity_type("other"), "topic": "其他", "date": date(2023, 10, 1)}
    with pytest.raises(ValidationError) as exc:
        services.activity_create(data=data, attendance=[], actor=world.secretary_a)
    assert _messages(exc)["attendance"] == [services.ATTENDANCE_EMPTY]
    twice = [services.AttendanceRow(member=world.people_a[0])] * 2
    with pytest.raises(ValidationError) as exc:
        services.activity_create(data=data, attendance=twice, actor=world.secretary_a)
    assert "出现了两次" in _messages(exc)["attendance"][0]


def test_a_type_or_book_of_another_campaign_is_refused(world, books):
    other = make_campaign(
        org=world.committee, code="other", start_date=date(2023, 1, 1), end_date=date(2023, 6, 30)
    )
    kind = services.activity_type_create(campaign=other, name="专项读书会")
    data = {
        "org": world.branch_a,
        "campaign": None,
        "type": kind,
        "topic": "读书会",
        "date": date(2023, 10, 1),
    }
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            data=data,
            attendance=services.default_attendance(org=world.branch_a),
            materials=[books[0]],
            actor=world.secretary_a,
        )
    assert _messages(exc)["type"] == [services.ACTIVITY_TYPE_OTHER_CAMPAIGN.format(type="专项读书会")]
    assert _messages(exc)["materials"] == [
        services.ACTIVITY_MATERIAL_OTHER_CAMPAIGN.format(title="《习近平著作选读》第一卷")
    ]


def test_attachments_are_stored_with_the_activity(world, record):
    activity = services.activity_create(
        data={
            "org": world.branch_a,
            "campaign": world.campaign,
            "type": activity_type("branch_concentrated"),
            "topic": "集中学习",
            "date": date(2023, 10, 12),
        },
        attendance=services.default_attendance(org=world.branch_a),
        uploads=[_png(), SimpleUploadedFile("纪要.pdf", b"%PDF-1.4\n%%EOF")],
        actor=world.secretary_a,
    )
    names = sorted(Attachment.objects.filter(object_id=activity.pk).values_list("original_name", flat=True))
    assert names == ["签到表.png", "纪要.pdf"]


def _media_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()}


def test_a_refused_attachment_saves_nothing_and_leaves_no_file(world):
    before = _media_files()
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            data={
                "org": world.branch_a,
                "type": activity_type("branch_concentrated"),
                "topic": "集中学习",
                "date": date(2023, 10, 12),
            },
            attendance=services.default_attendance(org=world.branch_a),
            uploads=[_png(), SimpleUploadedFile("病毒.exe", b"MZ\x90\x00 not allowed")],
            actor=world.secretary_a,
        )
    assert _messages(exc)["attachments"][0].startswith("附件：文件“病毒.exe”的类型不被接受")
    assert _nothing_saved()
    assert _media_files() == before


def test_an_attachment_over_the_size_limit_is_refused(world, settings):
    settings.TAIZHANG_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.activity_create(
            data={
                "org": world.branch_a,
                "type": activity_type("branch_concentrated"),
                "topic": "集中学习",
                "date": date(2023, 10, 12),
            },
            attendance=services.default_attendance(org=world.branch_a),
            uploads=[SimpleUploadedFile("大文件.pdf", b"%PDF-1.4\n" + b"0" * 4096)],
            actor=world.secretary_a,
        )
    assert "超过大小限制" in _messages(exc)["attachments"][0]
    assert _nothing_saved()


def test_an_edit_keeps_the_changed_fields_in_the_history(world, record):
    people = world.people_a
    activity = record(speakers=[people[1]])
    rows = [services.AttendanceRow(member=m) for m in people]
    rows[2] = services.AttendanceRow(member=people[2], present=False, reason="training")
    services.activity_update(
        activity=activity,
        data={"topic": "学习《习近平著作选读》第二卷", "place": "三楼会议室"},
        attendance=rows,
        speeches=[
            services.SpeechRow(member=people[1], gist="新的要点"),
            services.SpeechRow(member=people[4]),
        ],
        actor=world.secretary_a,
    )
    event = Event.objects.get(object_id=activity.pk, kind="changed")
    assert event.data["topic"] == ["学习《习近平著作选读》第一卷", "学习《习近平著作选读》第二卷"]
    assert event.data["place"] == ["", "三楼会议室"]
    assert event.data["absent"] == ["", "甲2号（培训）"]
    assert event.data["speakers"] == ["甲1号", "甲1号、甲4号"]
    assert _counts(activity) == (6, 5, 0, 5, 2)
    assert AuditLog.objects.filter(action="update", object_id=str(activity.pk)).exists()


def test_a_refused_edit_changes_nothing(world, record):
    activity = record()
    with pytest.raises(ValidationError):
        services.activity_update(
            activity=activity,
            data={"topic": "改过的主题", "date": date(2024, 5, 1)},
            attendance=[services.AttendanceRow(member=m) for m in world.people_a[:2]],
            actor=world.secretary_a,
        )
    stored = StudyActivity.objects.get(pk=activity.pk)
    assert stored.topic == "学习《习近平著作选读》第一卷"
    assert stored.attendances.count() == 6
    assert not Event.objects.filter(object_id=activity.pk, kind="changed").exists()


def test_a_member_who_moved_away_keeps_their_row_when_the_activity_is_edited(world, record):
    mover = world.people_a[3]
    activity = record(speakers=[mover])
    mover.org = world.branch_b
    mover.save()
    attendance, speeches = services._stored_rows(activity)
    services.activity_update(
        activity=activity,
        data={"place": "新地点"},
        attendance=attendance,
        speeches=speeches,
        actor=world.admin,
    )
    assert activity.attendances.filter(member=mover, invited=False).exists()
    # A newly added member from branch B still has to be an invitee.
    with pytest.raises(ValidationError):
        services.activity_update(
            activity=activity,
            data={},
            attendance=[*attendance, services.AttendanceRow(member=world.people_b[2])],
            actor=world.admin,
        )


def test_a_delete_keeps_the_event_and_removes_rows_and_files(world, record):
    activity = record(speakers=[world.people_a[0]])
    services.activity_attachments_add(activity=activity, uploads=[_png()], actor=world.secretary_a)
    pk = activity.pk
    services.activity_delete(activity=activity, actor=world.secretary_a)
    assert not StudyActivity.objects.filter(pk=pk).exists()
    assert not Attendance.objects.filter(activity_id=pk).exists()
    assert not Attachment.objects.filter(object_id=pk, content_type__model="studyactivity").exists()
    deleted = Event.objects.get(object_id=pk, kind="deleted")
    assert deleted.data["topic"] == "学习《习近平著作选读》第一卷"
    assert AuditLog.objects.filter(action="delete", object_type="study.StudyActivity").exists()


def test_default_attendance_is_every_active_member_of_the_subtree(world):
    gone = make_member(org=world.group_a, name="已转出", is_active=False)
    names = {row.member.name for row in services.default_attendance(org=world.branch_a)}
    assert names == {m.name for m in world.people_a}
    assert gone.name not in names
