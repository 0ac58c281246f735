"""One ListContent page: the window, the token and the timeline together."""

from __future__ import annotations

from ipndht.v1 import content_pb2
from services.content import paging
from services.content.timeline import Timeline
from services.core.errors import InvalidArgument
from services.core.records.validation import format_time

_ORDERS = (
    content_pb2.LIST_ORDER_UNSPECIFIED,
    content_pb2.LIST_ORDER_ASCENDING,
    content_pb2.LIST_ORDER_DESCENDING,
)


async def list_page(
    timeline: Timeline,
    since_us: int,
    until_us: int,
    limit: int,
    order: int,
    token: str,
    now_us: int,
) -> tuple[list[content_pb2.ContentEntry], str]:
    """Entries of one page and the token of the next ("" at the end)."""
    if order not in _ORDERS:
        raise InvalidArgument(f"order {order} is not a ListOrder value")
    if order == content_pb2.LIST_ORDER_UNSPECIFIED:
        order = content_pb2.LIST_ORDER_ASCENDING
    after: str | None = None
    if token:
        cursor = paging.decode(token, since_us, until_us, order)
        until_us, after = cursor.until_us, cursor.after
    elif until_us == 0:
        until_us = now_us
    if since_us > until_us:
        raise InvalidArgument(
            f"the window is reversed: since_us ({format_time(since_us)}) is after "
            f"until_us ({format_time(until_us)})"
        )
    descending = order == content_pb2.LIST_ORDER_DESCENDING
    entries, next_after = await timeline.window(since_us, until_us, limit, descending, after)
    if next_after is None:
        return entries, ""
    return entries, paging.encode(paging.Cursor(since_us, until_us, order, next_after))
