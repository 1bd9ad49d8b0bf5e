"""Who may read and record what campaigns cost.

- Everyone signed in reads the cost ledger and the cost report: what marketing spends per
  lead is a number both teams look at.
- Marketing, marketing leads and admins record costs (and corrections): they hold the
  invoices. Sales and executives read only.
"""

from accord.core.errors import NotAllowed
from accord.crm.policies import is_admin
from accord.people.models import MARKETING_ROLES, User


def can_read_costs(user: User) -> bool:
    return user.is_active


def can_record_costs(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in MARKETING_ROLES)


def require_can_read_costs(user: User) -> None:
    if not can_read_costs(user):
        raise NotAllowed("Only people signed in read campaign costs.")


def require_can_record_costs(user: User) -> None:
    if not can_record_costs(user):
        raise NotAllowed("Only marketing, marketing leads and admins record campaign costs.")
