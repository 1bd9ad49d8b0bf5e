"""The groups the funnel and velocity reports split leads into, by the lead's current
attributes (a lead moved to another team since shows under its new team, in every period).

| by         | the lead's …                                                    |
|------------|-----------------------------------------------------------------|
| `source`   | source                                                          |
| `campaign` | campaign's code                                                 |
| `channel`  | campaign's channel                                              |
| `segment`  | company-size band (`accord.crm.segments`)                       |
| `country`  | country (ISO 3166 code)                                         |
| `team`     | team's name                                                     |
| `owner`    | owner's name, or their email when they have no name             |

A lead without the attribute is in the group "(none)" (for `segment`, "(unknown)")."""

from collections.abc import Iterable

from django.db.models import Expression, F, Value
from django.db.models.functions import NullIf

from accord.core.errors import InvalidInput
from accord.crm.segments import company_size_band
from accord.people.models import Team, User
from accord.reports.selectors import NONE_LABEL

GROUPS = ("source", "campaign", "channel", "segment", "country", "team", "owner")
_TEXT = {"source": "source", "campaign": "campaign__code", "channel": "campaign__channel", "country": "country"}


def group_check(by: str | None) -> None:
    if by is not None and by not in GROUPS:
        raise InvalidInput(f"Group by one of: {', '.join(GROUPS)}.", field="by")


def group_value(by: str) -> Expression:
    """What groups a lead under `by`, as an expression over `Lead`: NULL when missing (a
    blank text counts as missing), a team's or owner's id for `team` and `owner`."""
    if by in _TEXT:
        return NullIf(F(_TEXT[by]), Value(""))
    if by == "segment":
        return company_size_band()
    return F(f"{by}_id")


def group_labels(by: str, values: Iterable) -> dict:
    """The row name of each value of `group_value(by)`."""
    values = set(values)
    labels: dict = {None: NONE_LABEL}
    if by == "team":
        labels |= dict(Team.objects.filter(pk__in=values - {None}).values_list("pk", "name"))
    elif by == "owner":
        labels |= {user.pk: user.get_full_name() or user.email for user in User.objects.filter(pk__in=values - {None})}
    else:
        labels |= {value: value for value in values - {None}}
    return labels
