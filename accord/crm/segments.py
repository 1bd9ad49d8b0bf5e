"""Segments: leads banded by the size of their company (`Lead.company_size`, employees).

| band        | employees                                  |
|-------------|--------------------------------------------|
| `1–99`      | fewer than 100 (a size of 0 counts here)   |
| `100–999`   | 100 to 999                                 |
| `1,000+`    | 1,000 or more                              |
| `(unknown)` | no size given                              |

Reports group by these bands; they are defined here and nowhere else."""

from django.db.models import Case, CharField, Q, Value, When

UNKNOWN_SIZE = "(unknown)"
# (smallest size in the band, name), largest band first.
COMPANY_SIZE_BANDS = ((1000, "1,000+"), (100, "100–999"), (0, "1–99"))


def company_size_band(field: str = "company_size") -> Case:
    """The band of `field` (a company size) as a database expression."""
    return Case(
        *(When(Q(**{f"{field}__gte": smallest}), then=Value(name)) for smallest, name in COMPANY_SIZE_BANDS),
        default=Value(UNKNOWN_SIZE),
        output_field=CharField(),
    )
