"""Issue 16 F6: the draft filler cannot be exhausted — blanks per draft are capped, matching does work in
proportion to the draft, and the review page comes in pages."""

from __future__ import annotations

import re
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from taizhang.reports.fill import documents, matcher, services
from taizhang.reports.fill.documents import read_draft
from taizhang.reports.models import FillDraft

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, world, text: str):  # noqa: ANN001
    return client.post(
        reverse("reports:fill_upload"),
        {
            "file": SimpleUploadedFile("长文稿.txt", text.encode()),
            "campaign": world.campaign.pk,
            "org": world.branch_a.pk,
        },
    )


def test_F6_a_draft_with_more_blanks_than_the_cap_is_refused_with_a_message(world, settings):
    limit = settings.TAIZHANG_FILL_MAX_BLANKS
    assert limit == 500
    response = _upload(_client(world.secretary_a), world, "开展读书班X期，参与X人次。" * (limit // 2 + 1))
    assert response.status_code == 400
    page = response.content.decode()
    assert services.DRAFT_TOO_MANY_BLANKS.format(name="长文稿.txt", count=limit + 2, limit=limit) in page
    assert not FillDraft.objects.exists()
    # At the cap it is accepted.
    response = _upload(_client(world.secretary_a), world, "开展读书班X期，参与X人次。" * (limit // 2))
    assert response.status_code == 302 and FillDraft.objects.count() == 1


def test_F6_the_cap_holds_for_docx_drafts_and_the_command_line_reader_too(settings):
    settings.TAIZHANG_FILL_MAX_BLANKS = 10
    from taizhang.reports.fill.tests.conftest import docx_bytes

    data = docx_bytes(lambda d: [d.add_paragraph("学习X次，") for _ in range(11)])
    with pytest.raises(Exception, match="超过每份文稿 10 处的上限"):
        read_draft(data, name="a.docx")
    with pytest.raises(Exception, match="超过每份文稿 10 处的上限"):
        read_draft(("学习X次。" * 11).encode(), name="a.txt")


def _line_events(text: str) -> int:
    """Python lines the matcher executes for `text` (a deterministic measure of its work, unlike time)."""
    draft = read_draft(text.encode(), name="a.txt")
    watched = {matcher.__file__}
    count = 0

    def local(frame, event, arg):  # noqa: ANN001, ANN202
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):  # noqa: ANN001, ANN202
        return local if frame.f_code.co_filename in watched else None

    sys.settrace(tracer)
    try:
        matcher.match_placeholders(draft.text, draft.placeholders)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize(
    "shape",
    [
        "开展读书班X期，参与X人次。",  # ordinary sentences
        "开展读书班X期，参与X人次，",  # one sentence as long as the draft
        "读书班X期 ",  # one clause as long as the draft
    ],
)
def test_F6_matching_does_work_in_proportion_to_the_draft(shape):
    small = _line_events(shape * (200 // shape.count("X")))
    large = _line_events(shape * (400 // shape.count("X")))
    assert large <= 2.3 * small, (small, large)


def test_F6_filling_a_text_draft_writes_each_blank_once():
    draft = read_draft(("学习X次。" * 400).encode(), name="a.txt")
    out = draft.render([documents.Fill(str(i)) for i in range(400)]).decode()
    assert re.findall(r"学习(\d+)次", out) == [str(i) for i in range(400)]


def test_F6_the_review_page_is_paged(world):
    client = _client(world.secretary_a)
    response = _upload(client, world, "开展读书班X期，参与X人次。" * 60)  # 120 blanks
    url = response["Location"]
    first = client.get(url).content.decode()
    assert len(re.findall(r'id="fill-row-\d+"', first)) == services.REVIEW_PAGE_SIZE == 50
    assert "共 120 个空格" in first  # the counts are the whole draft's
    assert 'href="?page=2"' in first and "1 / 3" in first
    last = client.get(url + "?page=3").content.decode()
    assert re.findall(r'id="fill-row-(\d+)"', last) == [str(i) for i in range(100, 120)]
    # Confirming a page confirms that page's rows and comes back to it.
    draft = FillDraft.objects.get()
    data = {f"key_{i}": draft.rows[i]["key"] or "" for i in range(100, 120)}
    response = client.post(reverse("reports:fill_choose", args=[draft.pk]), {**data, "page": "3"})
    assert response["Location"].endswith("?page=3")
    draft.refresh_from_db()
    assert [r["confirmed"] for r in draft.rows] == [False] * 100 + [True] * 20
