"""Compact storage of the id sets frozen in report snapshots.

A city report freezes millions of attendance ids; stored as a JSON list that would be tens of megabytes.
Sorted ids become gaps (mostly 1 for rows inserted together), the gaps are packed as fixed-width
little-endian integers and zlib-compressed, then base64 for the JSON field: a run of 2,000,000
consecutive ids takes a few kilobytes. Everything runs in C (array, zlib, base64); no Python loop
per id except computing the gaps.
"""

from __future__ import annotations

import base64
import operator
import sys
import zlib
from array import array
from collections.abc import Iterable
from itertools import accumulate, islice

_VERSION = "1"


def encode(ids: Iterable[int], *, presorted: bool = False) -> str:
    """Text "1:<typecode>:<base64 of zlib(gaps)>" for a set of positive ids (duplicates dropped).
    `presorted`: the caller guarantees a sorted list without duplicates (skips sorting millions of ids)."""
    values = ids if presorted and isinstance(ids, list) else sorted(set(ids))
    if not values:
        return f"{_VERSION}:I:"
    gaps = array("Q", [values[0]])
    gaps.extend(
        map(operator.sub, islice(values, 1, None), values)
    )  # a C-level loop, nothing per id in Python
    typecode = "I" if max(gaps) < 2**32 and array("I").itemsize == 4 else "Q"
    packed = array(typecode, gaps) if typecode == "I" else gaps
    if sys.byteorder == "big":
        packed.byteswap()
    return f"{_VERSION}:{typecode}:{base64.b64encode(zlib.compress(packed.tobytes(), 6)).decode('ascii')}"


def decode(text: str) -> list[int]:
    """The sorted ids back from encode()'s text. Also accepts a plain list (older snapshots, tests)."""
    if isinstance(text, list):
        return sorted(int(v) for v in text)
    version, typecode, payload = text.split(":", 2)
    if version != _VERSION or typecode not in {"I", "Q"}:
        raise ValueError(f"unknown id set format {version}:{typecode}")
    if not payload:
        return []
    packed = array(typecode)
    packed.frombytes(zlib.decompress(base64.b64decode(payload)))
    if sys.byteorder == "big":
        packed.byteswap()
    return list(accumulate(packed))
