"""等保 8.1.4.1 身份鉴别, tested as a user meets it: lockout, session limits, password rules, TOTP.

Test names carry the checklist requirement they prove (reference/security-checklist.md).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import get_resolver, reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from taizhang.core.models import AuditLog
from taizhang.core.tests.clock import clock
from taizhang.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _login(client: Client, username: str, password: str, ip: str = "10.0.0.7"):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


# --- DJB-AUTH-02: failed logins, lockout, session limits -----------------------------------------


def test_DJB_AUTH_02_sixth_attempt_with_right_password_is_refused(world):
    client = Client()
    for _ in range(5):
        assert _login(client, "t_sec_a", "Wrong#pass1").status_code in (200, 429)
    response = _login(client, "t_sec_a", PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert client.get(reverse("core:home")).status_code == 302  # not signed in
    locked = AuditLog.objects.filter(action="locked", username="t_sec_a", success=False)
    assert locked.exists()
    assert locked.first().detail["reason"] == "account"


def test_DJB_AUTH_02_lockout_lasts_30_minutes_then_the_right_password_works(world):
    client = Client()
    for _ in range(5):
        _login(client, "t_sec_a", "Wrong#pass1")
    with clock(timedelta(minutes=29)):
        assert _login(client, "t_sec_a", PASSWORD).status_code == 429
    with clock(timedelta(minutes=61)):  # 31 minutes after the last refused attempt at +29
        response = _login(client, "t_sec_a", PASSWORD)
        assert response.status_code == 302
        assert client.get(reverse("core:home")).status_code == 200


def test_DJB_AUTH_02_one_account_locked_does_not_lock_its_colleagues_on_the_same_address(world):
    # Everyone in the bureau shares one NAT address: one person's five typos lock only that person.
    for _ in range(5):
        _login(Client(), "t_sec_a", "Wrong#pass1", ip="10.9.9.9")
    assert _login(Client(), "t_sec_a", PASSWORD, ip="10.9.9.9").status_code == 429
    assert _login(Client(), "t_sec_b", PASSWORD, ip="10.9.9.9").status_code == 302
    assert _login(Client(), "t_mem_a", PASSWORD, ip="10.9.9.9").status_code == 302


def test_ASVS_6_3_1_address_limit_is_higher_than_the_account_limit_and_stops_spraying(world, settings):
    assert settings.TAIZHANG_ADDRESS_FAILURE_LIMIT > settings.AXES_FAILURE_LIMIT
    settings.TAIZHANG_ADDRESS_FAILURE_LIMIT = 12
    # A password-spraying client: one try per username, never five on one account.
    for n in range(12):
        _login(Client(), f"guess{n}", "Spring#2024", ip="10.6.6.6")
    response = _login(Client(), "t_sec_b", PASSWORD, ip="10.6.6.6")
    assert response.status_code == 429
    assert "本地址登录失败次数过多" in response.content.decode()
    assert AuditLog.objects.filter(action="locked", detail__reason="address").exists()
    # Another address is not affected, and the address is free again after 30 minutes.
    assert _login(Client(), "t_sec_b", PASSWORD, ip="10.6.6.7").status_code == 302
    with clock(timedelta(minutes=31)):
        assert _login(Client(), "t_sec_b", PASSWORD, ip="10.6.6.6").status_code == 302


def test_DJB_AUTH_02_idle_session_ends_after_30_minutes(world):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client = Client()
    assert _login(client, "t_sec_a", PASSWORD).status_code == 302
    key = client.session.session_key
    with clock(timedelta(minutes=29)):
        assert client.get(reverse("core:home")).status_code == 200  # activity slides the deadline
    with clock(timedelta(minutes=29 + 31)):
        response = client.get(reverse("core:home"))
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert not Session.objects.filter(session_key=key, expire_date__gt=_now()).exists()


def _now():
    from django.utils import timezone

    return timezone.now()


def test_DJB_AUTH_02_an_active_session_still_ends_12_hours_after_login(world):
    client = Client()
    _login(client, "t_sec_a", PASSWORD)
    for minutes in range(25, 12 * 60, 25):  # a request every 25 minutes, up to 11 h 40
        with clock(timedelta(minutes=minutes)):
            assert client.get(reverse("core:home")).status_code == 200, minutes
    with clock(timedelta(hours=12, minutes=5)):
        response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert AuditLog.objects.filter(action="logout", username="t_sec_a").exists()


def test_ASVS_7_4_1_logout_ends_the_server_session_and_the_old_cookie_is_useless(world):
    client = Client()
    _login(client, "t_sec_a", PASSWORD)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert replay.get(reverse("core:home"))["Location"].startswith(LOGIN)


def test_ASVS_7_2_4_login_issues_a_new_session_key(world):
    client = Client()
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _login(client, "t_sec_a", PASSWORD)
    assert client.session.session_key != before


def test_DJB_AC_03_deactivated_users_sessions_end(world):
    victim = Client()
    _login(victim, "t_sec_a", PASSWORD)
    admin = Client()
    admin.force_login(world.admin)
    admin.post(reverse("accounts:user_set_active", args=[world.secretary_a.pk]), {"active": "0"})
    assert victim.get(reverse("core:home"))["Location"].startswith(LOGIN)
    assert _login(Client(), "t_sec_a", PASSWORD).status_code == 200  # refused at the form


# --- DJB-AUTH-01: password rules -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Dangwei#2024", False),
        ("党委Abc#2024x", False),
        ("我的党支部#A1b", False),
        ("Taizhang#2024", False),
        ("Zq7#vLp2!mWx", True),
        ("short#A1", True),
        ("alllowercase", False),
        ("Password#2024", False),
    ],
)
def test_DJB_AUTH_01_password_rules_table(world, password, ok):
    try:
        validate_password(password, world.secretary_a)
    except ValidationError:
        assert not ok, password
    else:
        assert ok, password


def test_DJB_AUTH_01_password_may_not_contain_the_username_or_site_words(world, settings):
    with pytest.raises(ValidationError, match="用户名"):
        validate_password("X#t_sec_a99Y", world.secretary_a)
    settings.TAIZHANG_PASSWORD_CONTEXT_WORDS = ["shuiliju"]
    with pytest.raises(ValidationError, match="shuiliju"):
        validate_password("Shuiliju#2024", world.secretary_a)


def test_DJB_AUTH_01_none_of_the_last_5_passwords_may_be_reused(world):
    client = Client()
    client.force_login(world.secretary_a)
    url = reverse("accounts:password_change")
    old = PASSWORD
    history = [f"Fresh#Start{n}x" for n in range(5)]
    for new in history:
        response = client.post(url, {"old_password": old, "new_password1": new, "new_password2": new})
        assert response.status_code == 302, response.content.decode()[:2000]
        old = new
    for reused in (history[-1], history[1]):
        response = client.post(url, {"old_password": old, "new_password1": reused, "new_password2": reused})
        assert response.status_code == 200
        assert "最近5次使用过的密码" in response.content.decode()
    # The password used six changes ago is allowed again.
    response = client.post(url, {"old_password": old, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 302


def test_DJB_AUTH_01_password_change_is_audited(world):
    client = Client()
    client.force_login(world.secretary_a)
    new = "Fresh#Start9x"
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert AuditLog.objects.filter(action="password", user=world.secretary_a).count() == 1


# --- DJB-AUTH-04: TOTP second factor -------------------------------------------------------------


def _code(device: TOTPDevice) -> str:
    """What the user's phone shows now."""
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code before waits 1 s, 2 s, 4 s …; the test does not wait
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _urls_of_every_pattern() -> list[str]:
    # Every pattern sits in an app namespace; build each with dummy arguments (the middleware answers
    # before any view looks the object up).
    resolver = get_resolver()
    result = []
    for ns, (_prefix, sub) in resolver.namespace_dict.items():
        for name, entries in sub.reverse_dict.lists():
            if not isinstance(name, str):
                continue
            for possibility, _pattern, _defaults, _converters in entries:
                for _fmt, params in possibility:
                    kwargs = {p: ("1" if p not in ("kind", "key") else "x") for p in params}
                    try:
                        result.append(reverse(f"{ns}:{name}", kwargs=kwargs))
                    except Exception:  # noqa: BLE001 - a converter that refuses "1"
                        continue
    return sorted(set(result))


def test_DJB_AUTH_04_required_role_without_device_is_sent_to_enrol_from_every_url(world, settings):
    settings.TAIZHANG_OTP_REQUIRED_ROLES = ["admin", "leader"]
    client = Client()
    assert _login(client, "t_admin", PASSWORD).status_code == 302
    setup = reverse("accounts:otp_setup")
    exempt = {
        setup,
        reverse("accounts:otp_verify"),
        reverse("accounts:logout"),
        reverse("core:healthz"),
        LOGIN,
    }
    urls = [u for u in _urls_of_every_pattern() if u not in exempt]
    assert len(urls) > 80
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(setup), url
    # A secretary is not in the required roles: a password is enough.
    other = Client()
    _login(other, "t_sec_a", PASSWORD)
    assert other.get(reverse("core:home")).status_code == 200


def test_DJB_AUTH_04_enrolment_shows_a_local_qr_code_then_login_needs_the_code(world, settings):
    settings.TAIZHANG_OTP_REQUIRED_ROLES = ["admin", "leader"]
    client = Client()
    _login(client, "t_leader", PASSWORD)
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert "http://" not in page.split('class="otp-qr"')[1][:2000]
    device = TOTPDevice.objects.get(user=world.leader, confirmed=False)
    assert client.post(reverse("accounts:otp_setup"), {"token": "000000"}).status_code == 200
    response = client.post(reverse("accounts:otp_setup"), {"token": _code(device)})
    codes = response.content.decode().split('backup-codes">')[1].split("</ul>")[0]
    assert codes.count("<li>") == 10
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditLog.objects.filter(
        action="otp", user=world.leader, detail__step="enrol", success=True
    ).exists()

    # Next login: the password alone is not enough.
    fresh = Client()
    _login(fresh, "t_leader", PASSWORD)
    response = fresh.get(reverse("core:home"))
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    bad = fresh.post(reverse("accounts:otp_verify"), {"token": "123456"})
    assert "动态验证码不正确" in bad.content.decode()
    assert AuditLog.objects.filter(
        action="otp", user=world.leader, success=False, detail__step="verify"
    ).exists()


def test_DJB_AUTH_04_a_code_works_once_and_backup_codes_work_once(world, settings):
    from django_otp.plugins.otp_static.models import StaticToken

    settings.TAIZHANG_OTP_REQUIRED_ROLES = ["admin"]
    device = TOTPDevice.objects.create(user=world.admin, name="t", confirmed=True)
    client = Client()
    _login(client, "t_admin", PASSWORD)
    code = _code(device)
    response = client.post(reverse("accounts:otp_verify"), {"token": code, "next": "/org/"})
    assert response.status_code == 302 and response["Location"] == "/org/"
    assert client.get(reverse("core:home")).status_code == 200
    # The same code in another session is refused (django-otp keeps the last time step used).
    other = Client()
    _login(other, "t_admin", PASSWORD)
    device.refresh_from_db()
    device.throttle_reset()
    assert other.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 200
    assert device.get_throttle_factor() > 0  # wrong codes slow down: 1 s, 2 s, 4 s … (never disabled)
    # A backup code, once.
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=world.admin, name="备用码", confirmed=True)
    StaticToken.objects.create(device=static, token="backup12")
    third = Client()
    _login(third, "t_admin", PASSWORD)
    assert third.post(reverse("accounts:otp_verify"), {"token": "backup12"}).status_code == 302
    fourth = Client()
    _login(fourth, "t_admin", PASSWORD)
    assert fourth.post(reverse("accounts:otp_verify"), {"token": "backup12"}).status_code == 200


def test_DJB_AUTH_04_a_user_who_enrolled_voluntarily_is_asked_for_the_code(world):
    TOTPDevice.objects.create(user=world.secretary_a, name="t", confirmed=True)
    client = Client()
    _login(client, "t_sec_a", PASSWORD)
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:otp_verify"))


def test_ASVS_6_4_4_an_admin_resets_a_lost_authenticator_and_its_sessions_end(world):
    TOTPDevice.objects.create(user=world.secretary_a, name="t", confirmed=True)
    victim = Client()
    _login(victim, "t_sec_a", PASSWORD)
    admin = Client()
    admin.force_login(world.admin)
    admin.post(reverse("accounts:otp_reset", args=[world.secretary_a.pk]))
    assert not TOTPDevice.objects.filter(user=world.secretary_a).exists()
    assert victim.get(reverse("core:home"))["Location"].startswith(LOGIN)
    assert AuditLog.objects.filter(action="otp", detail__step="reset", user=world.admin).exists()
    # Not for an outsider.
    outsider = Client()
    outsider.force_login(world.secretary_b)
    assert outsider.post(reverse("accounts:otp_reset", args=[world.secretary_a.pk])).status_code in (403, 404)


def test_ASVS_14_3_1_logout_asks_the_browser_to_clear_its_cache_and_storage(world):
    client = Client()
    _login(client, "t_sec_a", PASSWORD)
    response = client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_ASVS_16_5_1_an_unexpected_error_shows_a_request_id_and_no_internals(world, monkeypatch):
    def broken(request):  # noqa: ANN001, ANN202
        raise RuntimeError("SELECT secret FROM core_auditlog")

    monkeypatch.setattr("taizhang.campaigns.selectors.campaign_for_request", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.secretary_a)
    response = client.get(reverse("core:home"))
    page = response.content.decode()
    assert response.status_code == 500
    assert f"请求编号：<code>{response['X-Request-ID']}</code>" in page
    assert "Traceback" not in page and "SELECT" not in page and "core_auditlog" not in page


def test_DJB_AUTH_04_an_enrolled_user_sees_the_device_is_bound_and_cannot_replace_it_alone(world):
    TOTPDevice.objects.create(user=world.secretary_a, name="t", confirmed=True)
    client = Client()
    _login(client, "t_sec_a", PASSWORD)
    assert client.get(reverse("accounts:otp_setup"))["Location"].startswith(reverse("accounts:otp_verify"))
    device = TOTPDevice.objects.get(user=world.secretary_a)
    client.post(reverse("accounts:otp_verify"), {"token": _code(device)})
    page = client.get(reverse("accounts:otp_setup")).content.decode()
    assert "您已绑定身份验证器" in page and "otp-qr" not in page
    assert TOTPDevice.objects.filter(user=world.secretary_a).count() == 1
