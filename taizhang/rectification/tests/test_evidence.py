"""Evidence (佐证材料): checked by content, all-or-nothing, downloadable only by those who see the problem."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from taizhang.core.models import Attachment, Event
from taizhang.core.selectors import attachments_for, events_for
from taizhang.rectification import services
from taizhang.rectification.models import Measure
from taizhang.rectification.tests.conftest import pdf, png

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(world, problem) -> Measure:  # noqa: ANN001
    return services.measure_create(
        problem=problem, content="建立调研台账", owner="张三", actor=world.secretary_a
    )


def client_for(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_uploads_are_events_with_their_files(world, measure):
    attachments = services.evidence_add(
        measure=measure,
        files=[png("现场照片.png"), pdf("会议纪要.pdf")],
        actor=world.secretary_a,
        note="第一批",
    )
    assert sorted(a.original_name for a in attachments) == ["会议纪要.pdf", "现场照片.png"]
    event = events_for(measure)[0]
    assert (event.kind, event.note, event.actor) == ("upload", "第一批", world.secretary_a)
    assert sorted(a.pk for a in event.attachments.all()) == sorted(a.pk for a in attachments)
    assert {a.kind for a in attachments} == {"evidence"}


def test_a_file_that_is_not_what_it_claims_is_refused_naming_it(world, measure):
    fake = SimpleUploadedFile(
        "整改报告.pdf.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    with pytest.raises(ValidationError, match="整改报告.pdf.png"):
        services.evidence_add(measure=measure, files=[fake], actor=world.secretary_a)


def test_one_bad_file_saves_none_of_the_batch(world, measure):
    version = measure.problem.version
    bad = SimpleUploadedFile("病毒.exe", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(ValidationError):
        services.evidence_add(measure=measure, files=[png(), bad], actor=world.secretary_a)
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(kind="upload").exists()
    measure.problem.refresh_from_db()
    assert measure.problem.version == version


def test_completing_with_a_bad_file_leaves_the_measure_pending(world, measure):
    with pytest.raises(ValidationError):
        services.measure_complete(
            measure=measure, actor=world.secretary_a, files=[SimpleUploadedFile("空.pdf", b"")]
        )
    measure.refresh_from_db()
    assert measure.status == "pending"


def test_the_upload_page_shows_the_refusal_on_the_field(world, measure):
    client = client_for(world.secretary_a)
    url = reverse("rectification:measure_evidence", args=[measure.pk])
    response = client.post(url, {"files": [SimpleUploadedFile("说明.txt", b"just text")]})
    assert response.status_code == 200
    assert "说明.txt" in str(response.context["form"].errors["files"])
    assert not Attachment.objects.exists()
    response = client.post(url, {"files": []})
    assert "files" in response.context["form"].errors
    response = client.post(url, {"files": [png("照片1.png"), png("照片2.png")]})
    assert response.status_code == 302
    assert len(attachments_for(measure)) == 2


def test_more_than_ten_files_at_once_are_refused(world, measure):
    response = client_for(world.secretary_a).post(
        reverse("rectification:measure_evidence", args=[measure.pk]),
        {"files": [png(f"{i}.png") for i in range(11)]},
    )
    assert "一次最多上传 10 个文件" in response.content.decode()


def test_evidence_downloads_follow_the_problems_scope(world, measure):
    [attachment] = services.evidence_add(measure=measure, files=[pdf()], actor=world.secretary_a)
    url = reverse("core:attachment_download", args=[attachment.pk])
    response = client_for(world.leader).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(world.secretary_b).get(url).status_code == 404
    # Members see campaign news, not the internal problem list and its evidence.
    assert client_for(world.member_a).get(url).status_code == 404


def test_deleting_evidence_is_recorded_and_refused_once_submitted(world, measure):
    first, second = services.evidence_add(
        measure=measure, files=[png("a.png"), png("b.png")], actor=world.secretary_a
    )
    services.evidence_delete(attachment=first, actor=world.secretary_a)
    assert events_for(measure)[0].note == f"删除材料：{first.original_name}"
    services.measure_complete(measure=measure, actor=world.secretary_a)
    problem = measure.problem
    problem.refresh_from_db()
    services.problem_start(problem=problem, actor=world.secretary_a)
    services.problem_submit(problem=problem, actor=world.secretary_a)
    with pytest.raises(services.RectificationError, match="审核期间不能修改"):
        services.evidence_delete(attachment=second, actor=world.secretary_a)
    assert Attachment.objects.filter(pk=second.pk).exists()


def test_a_note_may_carry_files(world, problem):
    client = client_for(world.secretary_a)
    response = client.post(
        reverse("rectification:problem_note", args=[problem.pk]), {"note": "", "files": [pdf("进展报告.pdf")]}
    )
    assert response.status_code == 302
    event = events_for(problem)[0]
    assert event.kind == "upload"
    assert [a.original_name for a in event.attachments.all()] == ["进展报告.pdf"]
    empty = client.post(reverse("rectification:problem_note", args=[problem.pk]), {"note": "  "})
    assert "请填写进展情况" in empty.content.decode()
