from __future__ import annotations

import re

import pytest
from django.urls import reverse

from taizhang.lib import idcard
from taizhang.org.models import Member

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"


def _form(world, **overrides):
    data = {
        "org": world.group_a.pk,
        "name": "新党员",
        "gender": "",
        "id_number": "",
        "phone": "",
        "category": "full",
        "joined_on": "",
        "post": "",
        "department": "",
        "sort_order": 0,
        "note": "",
    }
    data.update(overrides)
    return data


def test_member_detail_ladder(world, ladder):
    ladder(
        reverse("org:member_detail", args=[world.people_a[2].pk]),
        outsider=world.secretary_b,
        allowed=world.secretary_a,
    )


def test_member_edit_ladder(world, ladder):
    ladder(
        reverse("org:member_edit", args=[world.people_a[2].pk]),
        outsider=world.secretary_b,
        readonly=world.secretary_a,
        allowed=world.admin,
    )


def test_the_roster_lists_only_members_in_scope(world, client):
    client.force_login(world.secretary_a)
    html = client.get(reverse("org:member_list")).content.decode()
    assert all(m.name in html for m in world.people_a)
    assert not any(m.name in html for m in world.people_b)


def test_admin_adds_a_member_and_gender_comes_from_the_id_number(world, client):
    client.force_login(world.admin)
    response = client.post(
        reverse("org:member_create"), _form(world, id_number=VALID_ID.lower(), phone="13812345678")
    )
    assert response.status_code == 302
    member = Member.objects.get(name="新党员")
    assert member.id_number == VALID_ID
    assert member.gender == "female"


def test_a_wrong_check_digit_is_refused_with_the_field_named(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("org:member_create"), _form(world, id_number="110105194912310021"))
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Member.objects.filter(name="新党员").exists()


def test_a_bad_phone_is_refused(world, client):
    client.force_login(world.admin)
    response = client.post(reverse("org:member_create"), _form(world, phone="12345"))
    assert "手机号应为11位" in response.content.decode()


def test_the_same_id_number_cannot_be_registered_twice(world, client):
    client.force_login(world.admin)
    client.post(reverse("org:member_create"), _form(world, id_number=VALID_ID))
    response = client.post(reverse("org:member_create"), _form(world, name="另一人", id_number=VALID_ID))
    assert "已登记在其他党员名下" in response.content.decode()


def test_personal_data_is_encrypted_at_rest_and_masked_on_screen(world, client):
    from django.db import connection

    member = world.people_a[2]
    member.id_number = VALID_ID
    member.phone = "13812345678"
    member.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM org_member WHERE id = %s", [member.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert VALID_ID not in stored_id and "13812345678" not in stored_phone
    client.force_login(world.admin)
    for url in (reverse("org:member_detail", args=[member.pk]), reverse("org:member_edit", args=[member.pk])):
        html = client.get(url).content.decode()
        assert not re.search(r"\d{17}[\dXx]", html), url
        assert "13812345678" not in html
    assert (
        idcard.mask(VALID_ID) in client.get(reverse("org:member_detail", args=[member.pk])).content.decode()
    )


def test_editing_without_retyping_keeps_the_id_number(world, client):
    member = world.people_a[2]
    member.id_number = VALID_ID
    member.save()
    client.force_login(world.admin)
    client.post(reverse("org:member_edit", args=[member.pk]), _form(world, name=member.name, post="科长"))
    member.refresh_from_db()
    assert member.id_number == VALID_ID and member.post == "科长"


def test_marking_a_member_transferred_disables_their_login(world, client):
    client.force_login(world.admin)
    client.post(reverse("org:member_set_active", args=[world.people_a[1].pk]), {"active": "0"})
    world.member_a.refresh_from_db()
    assert world.member_a.is_active is False
