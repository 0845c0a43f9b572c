"""Free-form input (topics, gists, notes, absence notes, the sheet's posted fields, search terms):
whatever is typed, a record either saves with the text cleaned or is refused with field messages;
the pages never fail."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taizhang.study import services
from taizhang.study.forms import sheet_from_post
from taizhang.study.models import StudyActivity
from taizhang.study.tests.conftest import activity_type

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
LABELS = (
    "主题",
    "日期",
    "地点",
    "主持人",
    "领学人",
    "记录人",
    "参加人员",
    "缺席原因",
    "研讨发言",
    "列席人员",
)


class Rollback(Exception):
    pass


def _in_savepoint(fn):  # noqa: ANN001, ANN202
    """Run one example and undo its writes, so examples do not see each other's rows."""
    try:
        with transaction.atomic():
            fn()
            raise Rollback
    except Rollback:
        pass


@EXAMPLES
@given(topic=st.text(max_size=250), place=st.text(max_size=120), gist=st.text(max_size=300), note=st.text())
def test_any_typed_text_saves_cleaned_or_is_refused_by_field(world, topic, place, gist, note):
    def example() -> None:
        people = world.people_a
        rows = [services.AttendanceRow(member=m) for m in people]
        rows[1] = services.AttendanceRow(member=people[1], present=False, reason="other", reason_note=note)
        try:
            activity = services.activity_create(
                data={
                    "org": world.branch_a,
                    "campaign": world.campaign,
                    "type": activity_type("seminar"),
                    "topic": topic,
                    "place": place,
                    "minutes": gist,
                    "date": date(2023, 10, 10),
                },
                attendance=rows,
                speeches=[services.SpeechRow(member=people[0], gist=gist)],
                actor=world.secretary_a,
            )
        except ValidationError as exc:
            assert set(exc.message_dict) <= {"topic", "place"}
            for messages in exc.message_dict.values():
                assert all(m.split("：")[0] in LABELS for m in messages)
            assert not StudyActivity.objects.exists()
            return
        activity.refresh_from_db()
        assert activity.topic == services.clean_text(topic) and activity.topic
        assert activity.place == services.clean_text(place)
        assert activity.speeches.get().gist == services.clean_text(gist, multiline=True)
        assert "\x00" not in activity.attendances.get(member=people[1]).reason_note

    _in_savepoint(example)


@EXAMPLES
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["m", "absent_", "reason_", "note_", "speak_", "gist_", "order_", "inv_", "x"]),
            st.text(max_size=12),
        ),
        max_size=25,
    )
)
def test_any_posted_sheet_is_read_without_failing(world, pairs):
    post = QueryDict(mutable=True)
    ids = [str(m.pk) for m in world.people_a]
    for key, value in pairs:
        name = key if key in ("m", "x") else key + (ids[len(value) % len(ids)] if value else value)
        post.appendlist(name, value)
    for pk in ids[:2]:
        post.appendlist("m", pk)
    sheet = sheet_from_post(post)
    assert {r.member.pk for r in sheet.rows} >= {world.people_a[0].pk, world.people_a[1].pk}
    assert all(e.split("：")[0] in LABELS for e in sheet.errors)


@EXAMPLES
@given(q=st.text(max_size=30))
def test_the_member_search_takes_any_text(world, q):
    client = Client()
    client.force_login(world.secretary_a)
    response = client.get(
        reverse("study:member_search"), {"org": world.branch_a.pk, "q": q.replace("\x00", "")}
    )
    assert response.status_code == 200


@EXAMPLES
@given(notes=st.text(max_size=500), material=st.text(min_size=1, max_size=200))
def test_self_study_notes_take_any_text(world, notes, material):
    def example() -> None:
        try:
            entry = services.selfstudy_create(
                member=world.people_a[1],
                data={"date": date(2023, 10, 1), "material": material, "minutes": 30, "notes": notes},
                actor=None,
            )
        except ValidationError as exc:
            assert set(exc.message_dict) == {"material"}
            return
        entry.refresh_from_db()
        assert entry.notes == services.clean_text(notes, multiline=True)

    _in_savepoint(example)
