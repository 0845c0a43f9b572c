"""Personal data (等保 8.1.4.8 / 8.1.4.11, PIPL §51): encrypted at rest, masked on screen and in exports,
revealed only to the member's administrators on request and audited; deleting a record deletes its files."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from taizhang.core.models import Attachment, AuditLog
from taizhang.core.tests.factories import make_member
from taizhang.lib import idcard

pytestmark = pytest.mark.django_db

ID = idcard.make("110105", date(1980, 1, 1), 123)
PHONE = "13812345678"
FULL_ID = re.compile(r"\d{17}[\dXx]")
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def person(world):  # noqa: ANN001
    return make_member(org=world.branch_a, name="张敏感", id_number=ID, phone=PHONE)


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_DJB_DC_01_id_numbers_and_phones_are_not_stored_in_plaintext(person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, id_digest FROM org_member WHERE id = %s", [person.pk])
        raw_id, raw_phone, digest = cursor.fetchone()
    for raw in (raw_id, raw_phone, digest):
        assert ID not in raw and PHONE not in raw and ID[-8:] not in raw and PHONE[-4:] + PHONE[:3] not in raw
    person.refresh_from_db()
    assert (person.id_number, person.phone) == (ID, PHONE)  # the application reads them back


def test_PI_02_member_pages_show_masked_numbers_to_every_role(world, person):
    assert idcard.mask(ID) == f"{ID[:3]}{'*' * 11}{ID[-4:]}"
    for user in (world.admin, world.leader, world.secretary_a):
        client = _client(user)
        for url in (reverse("org:member_list"), reverse("org:member_detail", args=[person.pk])):
            page = client.get(url, {"org": world.branch_a.pk}).content.decode()
            assert not FULL_ID.search(page), (user, url)
            assert not FULL_PHONE.search(page), (user, url)
        detail = client.get(reverse("org:member_detail", args=[person.pk]))
        assert "138****5678" in detail.content.decode()
        assert detail["Cache-Control"] == "private, no-store"


def test_PI_03_reveal_shows_the_full_numbers_to_an_admin_and_is_audited(world, person):
    response = _client(world.admin).post(reverse("org:member_reveal", args=[person.pk]))
    page = response.content.decode()
    assert ID in page and PHONE in page
    assert response["Cache-Control"] == "private, no-store"
    row = AuditLog.objects.get(action="view_pi", user=world.admin)
    assert row.object_id == str(person.pk) and row.detail["fields"] == ["id_number", "phone"]
    # The reveal button is offered to those who may use it only.
    assert (
        "显示完整"
        in _client(world.admin).get(reverse("org:member_detail", args=[person.pk])).content.decode()
    )
    assert (
        "显示完整"
        not in _client(world.secretary_a).get(reverse("org:member_detail", args=[person.pk])).content.decode()
    )


def test_PI_03_reveal_is_refused_to_roles_that_may_not_and_to_outsiders(world, person, ladder):
    url = reverse("org:member_reveal", args=[person.pk])
    response = ladder(
        url, method="post", outsider=world.secretary_b, readonly=world.secretary_a, allowed=world.admin
    )
    assert ID in response.content.decode()
    assert not AuditLog.objects.filter(action="view_pi").exclude(user=world.admin).exists()
    assert _client(world.admin).get(url).status_code == 405  # never by a plain link


def test_PI_02_exports_mask_numbers_unless_an_admin_asks(world, person):
    import openpyxl

    def cells(user, **params) -> str:  # noqa: ANN001, ANN003
        response = _client(user).get(reverse("imports:export"), {"sheet": "党员", **params})
        data = b"".join(response.streaming_content) if response.streaming else response.content
        book = openpyxl.load_workbook(io.BytesIO(data))
        return " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value)

    assert ID not in cells(world.secretary_a) and idcard.mask(ID) in cells(world.secretary_a)
    assert ID not in cells(world.admin)
    assert ID not in cells(world.secretary_a, personal="1")
    assert ID in cells(world.admin, personal="1")


def _png(name: str = "签到表.png") -> SimpleUploadedFile:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def test_DJB_RIP_01_deleting_a_record_deletes_its_files(world, django_capture_on_commit_callbacks):
    from taizhang.core.services import attachment_create
    from taizhang.study.defaults import ensure_default_activity_types
    from taizhang.study.models import ActivityType, StudyActivity

    ensure_default_activity_types()
    activity = StudyActivity.objects.create(
        org=world.branch_a,
        campaign=world.campaign,
        type=ActivityType.objects.filter(campaign=None).first(),
        topic="集中学习",
        date=date(2023, 10, 10),
    )
    files = [attachment_create(activity, _png(), actor=world.secretary_a) for _ in range(2)]
    names = [a.file.name for a in files]
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world.secretary_a).post(reverse("study:activity_delete", args=[activity.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.filter(pk__in=[a.pk for a in files]).exists()
    assert not any(default_storage.exists(n) for n in names)
