from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taizhang.accounts.models import RoleAssignment, User
from taizhang.core.models import AuditLog
from taizhang.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_logout_and_the_audit_trail(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "t_sec_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("core:home")).status_code == 302
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions[:2] == ["login", "logout"]


def test_a_wrong_password_is_told_in_chinese_and_logged(world):
    response = Client().post(reverse("accounts:login"), {"username": "t_sec_a", "password": "nope"})
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditLog.objects.filter(action="login_failed", success=False).exists()


def test_usernames_are_unique_ignoring_case(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="T_SEC_A")


def test_admin_opens_an_account_for_a_member_and_it_must_change_its_password(world):
    admin = Client()
    admin.force_login(world.admin)
    member = world.people_a[3]
    response = admin.post(reverse("accounts:account_create", args=[member.pk]), {"username": "zhang3"})
    user = User.objects.get(username="zhang3")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    page = admin.get(response["Location"]).content.decode()
    password = page.split('new-password">')[1].split("<")[0]
    assert user.must_change_password
    assert RoleAssignment.objects.filter(user=user, role="member", org=member.org).exists()
    # The initial password is shown once only.
    assert "new-password" not in admin.get(response["Location"]).content.decode()

    newcomer = Client()
    assert (
        newcomer.post(reverse("accounts:login"), {"username": "zhang3", "password": password}).status_code
        == 302
    )
    assert newcomer.get(reverse("core:home"))["Location"].startswith(reverse("accounts:password_change"))
    response = newcomer.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "Fresh#Start2024", "new_password2": "Fresh#Start2024"},
    )
    assert response.status_code == 302
    assert newcomer.get(reverse("core:home")).status_code == 200


def test_a_password_needs_three_character_classes(world):
    client = Client()
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "onlylowercase", "new_password2": "onlylowercase"},
    )
    assert "至少3类" in response.content.decode()


def test_an_expired_password_must_be_changed(world, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=world.secretary_a.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client = Client()
    client.force_login(world.secretary_a)
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:password_change"))


def test_role_grant_is_limited_to_the_admins_subtree(world, ladder):
    url = reverse("accounts:user_detail", args=[world.secretary_a.pk])
    client = Client()
    client.force_login(world.secretary_a)
    assert client.get(url).status_code == 403
    client.force_login(world.admin)
    client.post(
        reverse("accounts:role_grant", args=[world.secretary_a.pk]),
        {"org": world.branch_b.pk, "role": "leader"},
    )
    assert RoleAssignment.objects.filter(user=world.secretary_a, org=world.branch_b, role="leader").exists()


def test_revoking_a_role_removes_access(world):
    admin = Client()
    admin.force_login(world.admin)
    role = RoleAssignment.objects.get(user=world.secretary_a, role="secretary")
    admin.post(reverse("accounts:role_revoke", args=[role.pk]))
    client = Client()
    client.force_login(world.secretary_a)
    assert client.get(reverse("org:detail", args=[world.branch_a.pk])).status_code == 404


def test_deactivating_an_account_ends_its_sessions(world):
    victim = Client()
    victim.force_login(world.secretary_a)
    assert victim.get(reverse("core:home")).status_code == 200
    admin = Client()
    admin.force_login(world.admin)
    admin.post(reverse("accounts:user_set_active", args=[world.secretary_a.pk]), {"active": "0"})
    assert victim.get(reverse("core:home")).status_code == 302


def test_a_short_password_is_refused_in_chinese(world):
    client = Client()
    client.force_login(world.secretary_a)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Ab1!xyz", "new_password2": "Ab1!xyz"},
    )
    page = response.content.decode()
    assert "密码太短，至少需要8个字符（现为7个）" in page and "too short" not in page
