"""Users sit on isolated intranets: no page, template or asset may reference an outside host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

URL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(https?:)?//(?!127\.0\.0\.1|localhost)[^"'\s)>]+""", re.I)


def test_templates_and_our_assets_name_no_outside_host():
    roots = [
        Path(settings.BASE_DIR) / "templates",
        Path(settings.BASE_DIR) / "static" / "css",
        Path(settings.BASE_DIR) / "static" / "js",
    ]
    offenders = []
    for root in roots:
        for path in root.rglob("*"):
            if path.suffix in {".html", ".css", ".js"} and URL.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path))
    assert offenders == []


def test_vendor_assets_load_nothing_from_outside():
    """The npm assets keep their license banners (getbootstrap.com, apache.org) and htmx parses paths
    against a dummy base ("http://x"): text, never a load. No src/href/url() may point outside."""
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    offenders = [
        str(path)
        for path in vendor.rglob("*")
        if path.suffix in {".css", ".js"} and URL.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_rendered_pages_load_nothing_from_outside(world):
    client = Client()
    client.force_login(world.admin)
    pages = [
        reverse("core:home"),
        reverse("org:tree"),
        reverse("org:member_list"),
        reverse("campaigns:list"),
        reverse("accounts:user_list"),
        reverse("accounts:password_change"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert not URL.search(html), url
    anonymous = Client().get(reverse("accounts:login")).content.decode()
    assert not URL.search(anonymous)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in anonymous


def test_vendor_assets_are_installed():
    vendor = Path(settings.BASE_DIR) / "static" / "vendor"
    for name in (
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "htmx/htmx.min.js",
        "echarts/echarts.min.js",
        "bootstrap-icons/bootstrap-icons.min.css",
    ):
        assert (vendor / name).exists(), f"{name} missing: run `make assets`"
