"""Fixtures for the rectification tests: more reviewers, problems in each state, evidence files."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from taizhang.core.tests.factories import make_user


def png(name: str = "整改照片.png", color: str = "red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def pdf(name: str = "整改报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", content_type="application/pdf"
    )


@pytest.fixture
def leader2(world) -> Any:  # noqa: ANN001
    """A second leader over the whole committee: the other reviewer in a race."""
    return make_user(username="t_leader2", roles=(("leader", world.committee),))


@pytest.fixture
def leader_b(world) -> Any:  # noqa: ANN001
    """A leader of branch B only: a reviewer, but an outsider to branch A's problems."""
    return make_user(username="t_leader_b", roles=(("leader", world.branch_b),))


def make_problem(world: Any, *, org: Any = None, actor: Any = None, **fields: Any) -> Any:
    from taizhang.rectification.services import problem_create

    fields.setdefault("category", "style")
    fields.setdefault("source", "meeting")
    fields.setdefault("description", "调查研究不够深入，掌握基层情况不全面")
    fields.setdefault("deadline", date(2099, 12, 31))
    return problem_create(
        campaign=world.campaign, org=org or world.branch_a, actor=actor or world.secretary_a, **fields
    )


def ready_problem(world: Any, *, measures: int = 2, org: Any = None, **fields: Any) -> Any:
    """A problem 整改中 with every measure done and evidenced: ready to submit."""
    from taizhang.rectification import services

    problem = make_problem(world, org=org, **fields)
    actor = world.secretary_a if (org or world.branch_a).is_under(world.branch_a) else world.admin
    for i in range(measures):
        measure = services.measure_create(problem=problem, content=f"措施{i + 1}", owner="张三", actor=actor)
        services.measure_complete(
            measure=measure, actor=actor, progress="已完成", files=[png(f"佐证{i + 1}.png")]
        )
    problem.refresh_from_db()
    services.problem_start(problem=problem, actor=actor)
    return problem


def submitted_problem(world: Any, **kwargs: Any) -> Any:
    from taizhang.rectification import services

    problem = ready_problem(world, **kwargs)
    return services.problem_submit(problem=problem, actor=world.secretary_a)


@pytest.fixture
def problem(world) -> Any:  # noqa: ANN001
    return make_problem(world)
