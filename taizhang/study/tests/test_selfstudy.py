"""A member's own study page and self-study log; the secretaries' self-study list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import make_campaign
from taizhang.study import services
from taizhang.study.models import SelfStudy

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _entry(member, day=date(2023, 10, 8), **data):  # noqa: ANN001
    data = {"date": day, "material": "《习近平著作选读》第一卷", "minutes": 60, "channel": "original", **data}
    return services.selfstudy_create(member=member, data=data, actor=None)


def test_a_member_logs_self_study_with_notes(world, books):
    client = _client(world.member_a)
    response = client.post(
        reverse("study:my_study"),
        {
            "date": "2023-10-08",
            "material_ref": books[0].pk,
            "material": "",
            "minutes": "45",
            "channel": "xuexi",
            "notes": "对以人民为中心有了更深的体会",
        },
    )
    assert response.status_code == 302
    entry = SelfStudy.objects.get()
    assert entry.member == world.people_a[1]
    assert entry.material == books[0].title and entry.material_ref == books[0]
    assert entry.campaign == world.campaign  # the date lies in the campaign of the member's units
    assert entry.org == world.people_a[1].org
    assert AuditLog.objects.filter(action="create", object_type="study.SelfStudy").exists()
    html = client.get(reverse("study:my_study")).content.decode()
    assert "对以人民为中心有了更深的体会" in html
    assert 'data-figure="self_hours">0.8<' in html


def test_self_study_outside_any_campaign_belongs_to_none(world):
    assert _entry(world.people_a[1], day=date(2023, 5, 2)).campaign is None


def test_the_latest_campaign_wins_when_two_overlap(world):
    later = make_campaign(
        org=world.branch_a, code="a2", start_date=date(2023, 10, 1), end_date=date(2023, 12, 31)
    )
    assert _entry(world.people_a[1]).campaign == later
    assert _entry(world.people_b[1]).campaign == world.campaign


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"minutes": 0}, "minutes", services.SELF_STUDY_MINUTES),
        ({"minutes": 1441}, "minutes", services.SELF_STUDY_MINUTES),
        ({"material": "  "}, "material", services.SELF_STUDY_MATERIAL_EMPTY),
        ({"date": date.today() + timedelta(days=1)}, "date", None),
    ],
)
def test_bad_self_study_is_refused_naming_the_field(world, data, field, message):
    with pytest.raises(ValidationError) as exc:
        _entry(world.people_a[1], **data)
    errors = exc.value.message_dict[field]
    assert errors[0] == message if message else errors[0].startswith("日期：")
    assert not SelfStudy.objects.exists()


def test_the_form_refuses_an_entry_without_content_or_with_bad_minutes(world):
    client = _client(world.member_a)
    html = client.post(
        reverse("study:my_study"),
        {"date": "2023-10-08", "material": "", "minutes": "2000", "channel": "original"},
    ).content.decode()
    assert "学习内容：请选择书目或填写学习内容" in html
    assert "时长（分钟）：须在1到1440分钟之间" in html and "约束" not in html  # the field, not the constraint
    assert not SelfStudy.objects.exists()
    for minutes in ("0", "99999999"):
        html = client.post(
            reverse("study:my_study"),
            {"date": "2023-10-08", "material": "读原著", "minutes": minutes, "channel": "original"},
        ).content.decode()
        assert "时长（分钟）：须在1到1440分钟之间" in html and "约束" not in html, minutes
    assert not SelfStudy.objects.exists()


def test_an_account_without_a_member_cannot_log(world):
    html = _client(world.admin).get(reverse("study:my_study")).content.decode()
    assert "未关联党员信息" in html
    with pytest.raises(ValidationError):
        services.selfstudy_create(member=None, data={}, actor=world.admin)


def test_my_study_shows_own_attendance_absences_and_speeches(world, record):
    me = world.people_a[1]
    record(topic="我发言的那次", speakers=[me])
    record(topic="我缺席的那次", absent={me: "trip"}, date=date(2023, 10, 20))
    record(topic="别人的活动", org=world.branch_b, actor=world.secretary_b)
    html = _client(world.member_a).get(reverse("study:my_study")).content.decode()
    assert "我发言的那次" in html and "我缺席的那次" in html and "别人的活动" not in html
    assert 'data-figure="attended">1<' in html and 'data-figure="absent">1<' in html
    assert 'data-figure="spoke">1<' in html and 'data-figure="rate">50.0%<' in html


def test_my_study_needs_a_login():
    response = Client().get(reverse("study:my_study"))
    assert response.status_code == 302


def test_own_entry_edit_and_others_by_scope(world):
    own = _entry(world.people_a[1])
    url = reverse("study:selfstudy_edit", args=[own.pk])
    data = {"date": "2023-10-09", "material": "改后的内容", "minutes": "30", "channel": "online", "notes": ""}
    assert _client(world.member_a).post(url, data).status_code == 302
    own.refresh_from_db()
    assert own.material == "改后的内容" and own.minutes == 30
    # Someone else's entry: invisible to an outsider (404), editable by the unit's secretary.
    assert _client(world.secretary_b).get(url).status_code == 404
    assert _client(world.secretary_a).get(url).status_code == 200


def test_another_members_entry_is_hidden_from_a_member(world):
    other = _entry(world.people_a[3])
    assert _client(world.member_a).get(reverse("study:selfstudy_edit", args=[other.pk])).status_code == 404


def test_self_study_delete_ladder(world, ladder):
    entry = _entry(world.people_a[3])
    ladder(
        reverse("study:selfstudy_delete", args=[entry.pk]),
        method="post",
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )
    assert not SelfStudy.objects.exists()


def test_secretaries_see_self_study_of_their_scope_only(world):
    _entry(world.people_a[2], notes="甲的心得")
    _entry(world.people_b[2], notes="乙的心得")
    html = _client(world.secretary_a).get(reverse("study:selfstudy_list")).content.decode()
    assert "甲的心得" in html and "乙的心得" not in html
    assert 'data-total="entries">1<' in html
    leader = _client(world.leader).get(reverse("study:selfstudy_list")).content.decode()
    assert "甲的心得" in leader and "乙的心得" in leader
    assert _client(world.member_a).get(reverse("study:selfstudy_list")).status_code == 403


def test_the_self_study_list_makes_the_same_number_of_queries_whatever_the_data(
    world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.leader)
    url = reverse("study:selfstudy_list")
    _entry(world.people_a[0])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for member in world.people_a + world.people_b:
        for day in range(1, 6):
            _entry(member, day=date(2023, 11, day))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_the_my_study_page_makes_the_same_number_of_queries_whatever_the_data(
    world, record, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world.member_a)
    url = reverse("study:my_study")
    record(speakers=[world.people_a[1]])
    _entry(world.people_a[1])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for day in range(1, 15):
        record(date=date(2023, 11, day), speakers=[world.people_a[1]])
        _entry(world.people_a[1], day=date(2023, 11, day))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_a_secretary_logs_self_study_for_a_member_of_their_unit(world):
    url = reverse("study:selfstudy_create_for")
    data = {
        "date": "2023-10-09",
        "material": "读原著",
        "minutes": "40",
        "channel": "original",
        "notes": "纸质心得",
    }
    response = _client(world.secretary_a).post(url, {**data, "member": world.people_a[4].pk})
    assert response.status_code == 302
    entry = SelfStudy.objects.get()
    assert entry.member == world.people_a[4] and entry.created_by == world.secretary_a
    # A member of another branch is not among the choices; a member may not log for others.
    _client(world.secretary_a).post(url, {**data, "member": world.people_b[1].pk})
    assert SelfStudy.objects.count() == 1
    assert _client(world.member_a).get(url).status_code == 403


def test_each_of_my_figures_opens_the_rows_it_counts(world, record):
    import re

    me = world.people_a[1]
    record(date=date(2023, 10, 9), topic="缺席的那次", absent={me: "trip"})
    record(date=date(2023, 10, 16), topic="发言的那次", speakers=[me])
    record(date=date(2023, 10, 23), topic="参加的那次")
    client = _client(world.member_a)
    html = client.get(reverse("study:my_study")).content.decode()
    links = {
        key: (href.replace("&amp;", "&"), value)
        for href, key, value in re.findall(
            r'href="([^"]*)"><div class="figure-value" data-figure="(\w+)">([^<]+)<', html
        )
    }
    values = {key: value for key, (_, value) in links.items()}
    assert set(values) == {"attended", "absent", "rate", "spoke", "self_entries", "self_hours"}
    assert (values["attended"], values["absent"], values["spoke"]) == ("2", "1", "1")

    def rows(key: str) -> list[str]:
        page = client.get(reverse("study:my_study") + links[key][0].split("#")[0]).content.decode()
        table = page.split("my-attendance", 1)[1].split("</table>", 1)[0]
        return re.findall(r"的那次", table)

    assert len(rows("attended")) == 2
    assert len(rows("absent")) == 1
    assert len(rows("spoke")) == 1
    assert len(rows("rate")) == 3  # the rate's rows: every activity the member was expected at
    assert "只看研讨发言" in client.get(reverse("study:my_study") + "?show=spoke").content.decode()
    assert (
        len(re.findall("的那次", client.get(reverse("study:my_study") + "?show=bogus").content.decode())) == 3
    )
