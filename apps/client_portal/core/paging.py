"""Pages of a list whose cost does not grow with the data.

Counting every row of a list of millions costs as much as reading them; the
count stops at ``COUNT_CAP``. A list that matches more says "10,000+" and still
pages: whether a next page exists is read from one row more than the page holds.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNT_CAP = 10_000


@dataclass
class ListPage:
    object_list: list
    number: int
    page_size: int
    count: int  # exact up to COUNT_CAP, else COUNT_CAP
    capped: bool  # more rows than COUNT_CAP match
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, or None where the count is capped."""
        if self.capped:
            return None
        return max(1, -(-self.count // self.page_size))

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 1_000_000 else 1


def count_capped(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """``(count, capped)``: the number of rows, counting no further than ``cap`` + 1."""
    found = queryset.order_by()[: cap + 1].count()
    return (cap, True) if found > cap else (found, False)


def paginate(queryset, number, page_size: int, cap: int = COUNT_CAP) -> ListPage:
    """Page ``number`` of ``queryset``; past the last page, the last page (when known)."""
    count, capped = count_capped(queryset, cap)
    number = page_number(number)
    if not capped:
        last = max(1, -(-count // page_size))
        number = min(number, last)
    start = (number - 1) * page_size
    rows = list(queryset[start:start + page_size + 1])
    has_next = len(rows) > page_size
    return ListPage(rows[:page_size], number, page_size, count, capped, has_next)
