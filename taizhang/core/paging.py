"""Pages of long lists, where the list is a city's 100,000 rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def page_by_ids(qs: QuerySet, number: Any, per_page: int, *, count: int | None = None) -> Page:
    """One page of `qs`: first the page's ids in the list's order (a narrow query the database answers
    from an index on the ordering, without joining every row to its unit, campaign and type), then those
    rows with everything select_related. `count`, when the caller has already counted the list (with its
    totals), saves the paginator's own COUNT."""
    paginator = Paginator(qs.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not counted again
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = qs.order_by().in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids]
    return page
