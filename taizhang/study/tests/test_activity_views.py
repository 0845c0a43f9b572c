"""Activity pages: scope ladders, recording on one page, the sheet's fragments, list filters and
query-count guards."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from taizhang.core.models import Attachment
from taizhang.core.tests.factories import make_member
from taizhang.study.models import ActivityType, StudyActivity
from taizhang.study.tests.conftest import activity_type

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _sheet_post(world, *, absent=None, speakers=None, invited=(), **fields):  # noqa: ANN001
    """What the recording page posts: header fields plus one `m` per row and toggles per member."""
    absent = absent or {}
    speakers = speakers or {}
    data = {
        "org": world.branch_a.pk,
        "campaign": world.campaign.pk,
        "type": activity_type("branch_concentrated").pk,
        "date": "2023-10-12",
        "start_time": "14:30",
        "end_time": "16:30",
        "place": "三楼会议室",
        "topic": "学习《习近平著作选读》第一卷",
        "host": "甲0号",
        "lead_reader": "甲1号",
        "recorder": "甲2号",
        "other_materials": "",
        "minutes": "会议由甲0号主持。",
        "note": "",
        "m": [str(m.pk) for m in [*world.people_a, *invited]],
    }
    for member in invited:
        data[f"inv_{member.pk}"] = "1"
    for member, (reason, note) in absent.items():
        data[f"absent_{member.pk}"] = "1"
        data[f"reason_{member.pk}"] = reason
        data[f"note_{member.pk}"] = note
    for order, (member, gist) in enumerate(speakers.items(), start=1):
        data[f"speak_{member.pk}"] = "1"
        data[f"gist_{member.pk}"] = gist
        data[f"order_{member.pk}"] = str(order)
    data.update(fields)
    return data


def test_recording_a_session_on_one_page(world):
    people = world.people_a
    data = _sheet_post(
        world,
        absent={people[1]: ("trip", "赴省厅"), people[2]: ("sick", "")},
        speakers={people[3]: "谈了调研体会", people[0]: "提出整改措施", people[5]: "结合窗口工作谈打算"},
        invited=[world.people_b[0]],
    )
    response = _client(world.secretary_a).post(reverse("study:activity_create"), data)
    activity = StudyActivity.objects.get()
    assert response["Location"] == reverse("study:activity_detail", args=[activity.pk])
    assert [s.member for s in activity.speeches.order_by("order")] == [people[3], people[0], people[5]]
    html = _client(world.secretary_a).get(response["Location"]).content.decode()
    assert 'data-figure="expected">6<' in html
    assert 'data-figure="present">4<' in html
    assert 'data-figure="attendance">5<' in html  # 4 present members + 1 invitee
    assert 'data-figure="speakers">3<' in html
    assert "赴省厅" in html and "出差" in html and "病假" in html


def test_an_absentee_without_a_reason_is_refused_and_the_sheet_is_kept(world):
    people = world.people_a
    data = _sheet_post(world, absent={people[4]: ("", "")}, speakers={people[1]: "要点甲"})
    response = _client(world.secretary_a).post(reverse("study:activity_create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "缺席原因：请为“甲4号”选择缺席原因" in html
    assert f'name="absent_{people[4].pk}" value="1" autocomplete="off" data-toggle="absent" checked' in html
    assert "要点甲" in html
    assert not StudyActivity.objects.exists()


def test_a_date_outside_the_campaign_is_shown_next_to_the_date(world):
    data = _sheet_post(world, date="2024-02-10")
    response = _client(world.secretary_a).post(reverse("study:activity_create"), data)
    html = response.content.decode()
    assert "日期：2024年2月10日不在“测试主题教育”期间" in html
    assert not StudyActivity.objects.exists()


def test_an_end_time_before_the_start_is_shown_next_to_the_end_time(world):
    data = _sheet_post(world, start_time="15:00", end_time="14:00")
    html = _client(world.secretary_a).post(reverse("study:activity_create"), data).content.decode()
    assert "结束时间：不能早于开始时间" in html and "约束" not in html  # the field, not the constraint's name
    assert not StudyActivity.objects.exists()


def test_a_speaker_marked_absent_is_refused_on_the_page(world):
    people = world.people_a
    data = _sheet_post(world, absent={people[1]: ("trip", "")})
    data[f"speak_{people[1].pk}"] = "1"  # a forged post: the page disables the button for absentees
    data[f"gist_{people[1].pk}"] = "x"
    html = _client(world.secretary_a).post(reverse("study:activity_create"), data).content.decode()
    assert "研讨发言：“甲1号”已标记缺席，不能作为发言人" in html
    assert not StudyActivity.objects.exists()


def test_a_bad_attachment_is_refused_with_its_name(world):
    data = _sheet_post(world)
    data["attachments"] = [SimpleUploadedFile("说明.html", b"<html><script>x</script></html>")]
    html = _client(world.secretary_a).post(reverse("study:activity_create"), data).content.decode()
    assert "附件：文件“说明.html”的类型不被接受" in html
    assert not StudyActivity.objects.exists()


def test_a_secretary_cannot_record_for_another_branch(world):
    data = _sheet_post(world, org=world.branch_b.pk)
    response = _client(world.secretary_a).post(reverse("study:activity_create"), data)
    # Branch B is not among the choices: the form refuses it, nothing is saved.
    assert response.status_code == 200
    assert not StudyActivity.objects.exists()


def test_the_create_page_starts_with_the_unit_roster_present(world):
    html = _client(world.secretary_a).get(reverse("study:activity_create")).content.decode()
    for member in world.people_a:
        assert f'name="m" value="{member.pk}"' in html
    assert world.people_b[0].name not in html


def test_the_create_page_needs_the_record_capability(world):
    assert Client().get(reverse("study:activity_create")).status_code == 302
    assert _client(world.member_a).get(reverse("study:activity_create")).status_code == 403
    assert _client(world.nobody).get(reverse("study:activity_create")).status_code == 403


def test_activity_detail_ladder(world, record, ladder):
    activity = record()
    response = ladder(
        reverse("study:activity_detail", args=[activity.pk]),
        outsider=world.secretary_b,
        allowed=world.member_a,
    )
    assert "编辑" not in response.content.decode().split("activity-figures")[0]


def test_activity_edit_ladder(world, record, ladder):
    activity = record()
    ladder(
        reverse("study:activity_edit", args=[activity.pk]),
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )


def test_activity_delete_ladder(world, record, ladder):
    activity = record()
    ladder(
        reverse("study:activity_delete", args=[activity.pk]),
        method="post",
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )
    assert not StudyActivity.objects.filter(pk=activity.pk).exists()


def _png_upload() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), "red").save(out, "PNG")
    return SimpleUploadedFile("签到表.png", out.getvalue())


def test_attachment_upload_and_delete_ladders(world, record, ladder):
    activity = record()
    url = reverse("study:activity_attachments_add", args=[activity.pk])
    for user, status in ((world.secretary_b, 404), (world.member_a, 403)):
        assert _client(user).post(url, {"attachments": [_png_upload()]}).status_code == status
    response = _client(world.secretary_a).post(url, {"attachments": [_png_upload()]})
    assert response.status_code == 302
    attachment = Attachment.objects.get(object_id=activity.pk)
    detail = (
        _client(world.member_a).get(reverse("study:activity_detail", args=[activity.pk])).content.decode()
    )
    assert f"/files/{attachment.pk}/?inline=1" in detail
    inline = _client(world.member_a).get(
        reverse("core:attachment_download", args=[attachment.pk]) + "?inline=1"
    )
    assert inline.status_code == 200 and inline["Content-Type"] == "image/png"
    ladder(
        reverse("study:activity_attachment_delete", args=[attachment.pk]),
        method="post",
        outsider=world.secretary_b,
        readonly=world.member_a,
        allowed=world.secretary_a,
    )
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_editing_on_the_page_records_what_changed(world, record):
    people = world.people_a
    activity = record(speakers=[people[1]])
    data = _sheet_post(world, absent={people[2]: ("training", "党校")}, speakers={people[1]: "改后的要点"})
    data["topic"] = "改后的主题"
    response = _client(world.secretary_a).post(reverse("study:activity_edit", args=[activity.pk]), data)
    assert response.status_code == 302
    html = _client(world.secretary_a).get(response["Location"]).content.decode()
    assert "改后的主题" in html and "缺席人员" in html and "甲2号（培训）" in html


def test_a_participant_from_another_unit_can_open_the_activity(world, record):
    guest = world.people_b[0]  # secretary_b's member
    activity = record(invited=[guest])
    assert (
        _client(world.secretary_b).get(reverse("study:activity_detail", args=[activity.pk])).status_code
        == 200
    )
    other = record()
    assert (
        _client(world.secretary_b).get(reverse("study:activity_detail", args=[other.pk])).status_code == 404
    )


def test_roster_fragments_follow_scope(world):
    client = _client(world.secretary_a)
    rows = client.get(reverse("study:roster"), {"org": world.branch_a.pk}).content.decode()
    assert rows.count('name="m"') == 6
    own = client.get(reverse("study:roster"), {"org": world.branch_a.pk, "mode": "own"}).content.decode()
    assert own.count('name="m"') == 3  # the three members directly in branch A, not group A
    assert client.get(reverse("study:roster"), {"org": world.branch_b.pk}).status_code == 403
    search = client.get(
        reverse("study:member_search"), {"org": world.branch_a.pk, "q": "乙1"}
    ).content.decode()
    assert "乙1号" in search and "列席" in search
    row = client.get(
        reverse("study:roster_row"), {"org": world.branch_a.pk, "member": world.people_b[1].pk}
    ).content.decode()
    assert f'name="inv_{world.people_b[1].pk}" value="1"' in row
    assert _client(world.member_a).get(reverse("study:roster"), {"org": world.branch_a.pk}).status_code == 403


def test_a_big_committee_roster_is_not_prefilled(world, monkeypatch):
    monkeypatch.setattr("taizhang.study.views.ROSTER_PREFILL_LIMIT", 5)
    html = _client(world.admin).get(reverse("study:roster"), {"org": world.committee.pk}).content.decode()
    assert 'name="m"' not in html and "请搜索姓名逐个添加" in html


def test_the_list_filters_by_campaign_unit_type_and_dates(world, record):
    record(topic="甲的集中学习", date=date(2023, 10, 1))
    record(topic="甲的主题党日", type_code="theme_party_day", date=date(2023, 11, 1))
    record(topic="乙的集中学习", org=world.branch_b, actor=world.secretary_b, date=date(2023, 12, 1))
    record(topic="活动之外", campaign=None, date=date(2023, 5, 1))
    client = _client(world.admin)
    url = reverse("study:activity_list")

    def topics(**params) -> set[str]:
        html = client.get(url, params).content.decode()
        return {t for t in ("甲的集中学习", "甲的主题党日", "乙的集中学习", "活动之外") if t in html}

    assert topics() == {"甲的集中学习", "甲的主题党日", "乙的集中学习"}  # the current campaign
    assert topics(campaign="all") == {"甲的集中学习", "甲的主题党日", "乙的集中学习", "活动之外"}
    assert topics(campaign="none") == {"活动之外"}
    assert topics(campaign="all", org=world.branch_b.pk) == {"乙的集中学习"}
    assert topics(campaign="all", type=activity_type("theme_party_day").pk) == {"甲的主题党日"}
    assert topics(campaign="all", date_from="2023-10-15", date_to="2023-11-30") == {"甲的主题党日"}
    assert topics(campaign="all", q="党日") == {"甲的主题党日"}


def test_a_member_sees_only_their_units_activities(world, record):
    record(topic="甲的集中学习")
    record(topic="乙的集中学习", org=world.branch_b, actor=world.secretary_b)
    html = _client(world.member_a).get(reverse("study:activity_list")).content.decode()
    assert "甲的集中学习" in html and "乙的集中学习" not in html
    assert "记录学习活动" not in html


def test_the_list_page_makes_the_same_number_of_queries_whatever_the_data(
    world, record, django_assert_num_queries
):
    client = _client(world.secretary_a)
    url = reverse("study:activity_list")
    record(speakers=[world.people_a[0]])
    client.get(url)  # warm caches (content types, sessions)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for day in range(1, 20):
        record(date=date(2023, 11, day), speakers=world.people_a[:3], absent={world.people_a[5]: "sick"})
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_the_detail_page_makes_the_same_number_of_queries_whatever_the_size(world, record):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.secretary_a)
    small = record(speakers=[world.people_a[0]])
    client.get(reverse("study:activity_detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("study:activity_detail", args=[small.pk]))
    for i in range(30):
        make_member(org=world.group_a, name=f"新{i}号")
    big = record(speakers=world.people_a, absent={})
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("study:activity_detail", args=[big.pk]))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_campaign_types_show_in_the_type_choice(world):
    from taizhang.study import services

    services.activity_type_create(campaign=world.campaign, name="专项读书会")
    html = _client(world.secretary_a).get(reverse("study:activity_create")).content.decode()
    assert "专项读书会（测试主题教育）" in html
    assert ActivityType.objects.filter(campaign=world.campaign).count() == 1
