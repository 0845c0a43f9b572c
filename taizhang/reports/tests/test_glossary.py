"""One term per figure across pages and documents (the catalog's glossary), and beneficiaries counted per
unit of measure, never added across measures."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from taizhang.outreach.models import PracticalMatter
from taizhang.reports import charts, metrics
from taizhang.reports.summary import report_build
from taizhang.reports.tests.conftest import AS_OF

ROOTS = [Path(settings.BASE_DIR) / "templates", Path(metrics.__file__).parent / "report_templates"]


def _sources() -> list[Path]:
    files = [f for root in ROOTS for f in root.rglob("*") if f.suffix in (".html", ".txt")]
    return [*files, Path(charts.__file__)]


def test_the_glossary_term_is_the_catalog_label():
    assert metrics.term("study.attendance_rate") == "出勤率"
    assert metrics.term("problems.rate") == "整改率"
    assert metrics.term("matters.done") == metrics.get("matters.done").label
    for variant, key in metrics.VARIANT_TERMS.items():
        assert variant != metrics.term(key)


def test_no_page_or_report_template_names_a_figure_by_another_word():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {variant}（应为“{metrics.term(key)}”）"
        for path in _sources()
        for variant, key in metrics.VARIANT_TERMS.items()
        if variant in path.read_text(encoding="utf-8")
    ]
    assert not found, found


@pytest.mark.django_db
def test_the_statistics_pages_and_the_report_say_the_same_word(ledger):
    client = Client()
    client.force_login(ledger.world.leader)
    tallies = client.get(reverse("study:tallies"), {"as_of": AS_OF.isoformat()}).content.decode()
    activity = (
        ledger.activities["a1"] if "a1" in ledger.activities else next(iter(ledger.activities.values()))
    )
    detail = client.get(reverse("study:activity_detail", args=[activity.pk])).content.decode()
    built = report_build(campaign=ledger.world.campaign, as_of=AS_OF, with_charts=False)
    for text in (tallies, detail, built.text):
        assert "出勤率" in text
        assert not [v for v in metrics.VARIANT_TERMS if v in text]


# --- Beneficiaries per unit of measure ------------------------------------------------------------------


@pytest.mark.django_db
def test_beneficiaries_are_counted_per_measure_and_never_added_up(ledger):
    world = ledger.world
    PracticalMatter.objects.filter(title="老旧小区帮办").update(beneficiary_unit="人次")
    PracticalMatter.objects.create(
        campaign=world.campaign,
        org=world.branch_b,
        title="证照寄递",
        status="done",
        done_on=date(2023, 11, 2),
        beneficiary_count=400,
        beneficiary_unit="件",
    )
    figures = metrics.compute(world.campaign, as_of=AS_OF)
    assert figures["matters.beneficiaries"] == 120  # 人 only
    assert figures["matters.beneficiaries.person_times"] == 30
    assert figures["matters.beneficiaries.items"] == 400
    assert "按“人”计" in metrics.get("matters.beneficiaries").rule  # the rule says so
    built = report_build(campaign=world.campaign, as_of=AS_OF, with_charts=False)
    assert "按计量单位分别统计，为120人、30人次、400件。" in built.text
    assert "550" not in built.text and "150人" not in built.text


@pytest.mark.django_db
def test_the_matter_pages_show_the_measure_and_total_only_people(ledger):
    world = ledger.world
    PracticalMatter.objects.filter(title="老旧小区帮办").update(beneficiary_unit="户")
    client = Client()
    client.force_login(world.leader)
    html = client.get(reverse("outreach:matter_list"), {"campaign": world.campaign.pk}).content.decode()
    assert "30 户" in html and "120 人" in html
    assert 'data-count="beneficiary_total">120<' in html


@pytest.mark.django_db
def test_completing_a_matter_records_the_measure(ledger):
    from taizhang.outreach.services import matter_complete

    matter = PracticalMatter.objects.get(title="停车位")
    matter_complete(
        matter=matter,
        done_on=date(2023, 12, 20),
        outcome="新增车位60个",
        beneficiary_count=4200,
        beneficiary_unit="车次",
        actor=ledger.world.admin,
    )
    matter.refresh_from_db()
    assert (matter.beneficiary_count, matter.beneficiary_unit) == (4200, "车次")
    assert metrics.compute(ledger.world.campaign, as_of=AS_OF)["matters.beneficiaries.vehicle_times"] == 4200


@pytest.mark.django_db
def test_the_matter_ledger_gives_the_count_in_its_measure(ledger, tmp_path):
    from taizhang.reports.tests.test_ledgers import _open

    PracticalMatter.objects.filter(title="窗口延时服务").update(beneficiary_unit="人次")
    _, _, rows, _ = _open(ledger, "matters", tmp_path)
    by_title = {r["项目名称"]: r for r in rows}
    assert by_title["窗口延时服务"]["受益对象及人数"] == "120人次"
    assert by_title["老旧小区帮办"]["受益对象及人数"] == "30人"
