"""URLs for long lists: reverse() once per list, not once per row (2,000 units cost 0.1 s of reverse())."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_SENTINEL = 987654321


def pk_url(name: str) -> Callable[[int], str]:
    """A function pk -> the URL of `name` for that pk, the same string reverse(name, args=[pk]) gives."""
    pattern = reverse(name, args=[_SENTINEL])
    head, _, tail = pattern.partition(str(_SENTINEL))
    return lambda pk: f"{head}{int(pk)}{tail}"
