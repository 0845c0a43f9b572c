"""Moving the clock in tests without a time-travel library: every `now` the login and session code reads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from unittest import mock

from django.utils import timezone

_real_now = timezone.now
_TARGETS = ("django.utils.timezone.now", "axes.handlers.proxy.now", "axes.attempts.now")


@contextlib.contextmanager
def clock(offset: timedelta) -> Iterator[None]:
    """Within the block, "now" is the real time plus `offset`."""

    def shifted():
        return _real_now() + offset

    with contextlib.ExitStack() as stack:
        for target in _TARGETS:
            stack.enter_context(mock.patch(target, shifted))
        yield
