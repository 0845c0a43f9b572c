"""The demo loader's frame: parts loaded in order, each once, each with its own seeded random source.

A part is a module with NAME (unique) and load(ctx). Each part finds what earlier parts made by
natural keys (organization codes, the campaign code), so a part added by a later release loads
into an existing demo database without touching what is already there. Each part's random source
is seeded by its name, so adding a part never changes the data of another.
"""

from __future__ import annotations

import importlib
import random
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TextIO

from django.db import transaction

from taizhang.demo.models import DemoPart
from taizhang.org.models import Organization

# Order matters: later parts use what earlier parts created.
PARTS: tuple[str, ...] = (
    "taizhang.demo.bureau.org",
    "taizhang.demo.bureau.accounts",
    "taizhang.demo.bureau.campaigns",
    "taizhang.demo.bureau.study",
    "taizhang.demo.bureau.plans",
    "taizhang.demo.bureau.outreach",
    "taizhang.demo.bureau.rectification",
    "taizhang.demo.bureau.reports",
)

DEMO_CAMPAIGN = "zt2023b2"
DEMO_ROOT_ORG = "JDW"
DEMO_PASSWORD = "Tz#2023demo"


@dataclass
class DemoContext:
    size: str = "bureau"
    out: TextIO | None = None
    today: date = field(default_factory=date.today)
    cache: dict[str, Any] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        return random.Random(f"taizhang-demo:{self.size}:{part}")

    def say(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message + "\n")


def available_parts() -> list[Any]:
    modules = []
    for name in PARTS:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules


def demo_loaded_parts() -> set[str]:
    return set(DemoPart.objects.values_list("name", flat=True))


def holds_foreign_data() -> bool:
    """True when the database has organizations but no demo bookkeeping: real data, not ours."""

    return Organization.objects.exists() and not demo_loaded_parts()


def demo_load(*, size: str = "bureau", out: TextIO | None = None) -> list[str]:
    """Load every part not loaded yet; returns the names loaded now. Each part is one transaction."""

    ctx = DemoContext(size=size, out=out)
    loaded_now = []
    done = demo_loaded_parts()
    for module in available_parts():
        if module.NAME in done:
            continue
        started = time.monotonic()
        with transaction.atomic():
            module.load(ctx)
            DemoPart.objects.create(name=module.NAME, size=size)
        ctx.say(f"  已加载 {module.NAME}（{time.monotonic() - started:.1f} 秒）")
        loaded_now.append(module.NAME)
    return loaded_now
