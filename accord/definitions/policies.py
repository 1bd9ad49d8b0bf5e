"""Who may read, draft, propose, sign and comment on lead definitions.

- Everyone signed in reads every version: the contract is public to both teams.
- Drafting (create, edit, delete a draft, propose, import a version) and backtesting:
  admin, marketing, marketing_lead and sales_manager — the people who negotiate the
  definition — and any named signatory.
- Signing and requesting changes: for marketing, its named signatories if an admin has
  named any, else every marketing_lead; for sales, likewise with sales_manager. An admin
  names signatories but does not sign unless named.
- Reps and executives read; they never change a definition.
"""

from accord.core.errors import NotAllowed
from accord.crm.policies import is_admin
from accord.definitions.models import Side, Signatory
from accord.people.models import Role, User

DRAFT_ROLES = frozenset({Role.ADMIN, Role.MARKETING, Role.MARKETING_LEAD, Role.SALES_MANAGER})
LEADER_ROLE = {Side.MARKETING: Role.MARKETING_LEAD, Side.SALES: Role.SALES_MANAGER}


def can_view_definitions(user: User) -> bool:
    return user.is_active


def can_draft(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in DRAFT_ROLES)


def signing_side(user: User) -> str | None:
    """The side `user` signs for, or None. Named signatories take precedence over roles."""
    if not user.is_active:
        return None
    sides_named = set(Signatory.objects.values_list("side", flat=True))
    mine = set(Signatory.objects.filter(user=user).values_list("side", flat=True))
    # Named first: a marketing lead named for sales signs for sales, else nobody could.
    for side in (Side.MARKETING, Side.SALES):
        if side in mine:
            return side
    for side in (Side.MARKETING, Side.SALES):
        if side not in sides_named and user.role == LEADER_ROLE[side]:
            return side
    return None


def can_sign(user: User) -> bool:
    return signing_side(user) is not None


def can_backtest(user: User) -> bool:
    """Backtests read all leads' history in bulk: for the people who negotiate the definition."""
    return can_draft(user) or can_sign(user)


def can_name_signatories(user: User) -> bool:
    return is_admin(user)


def require_can_draft(user: User) -> None:
    if not can_draft(user):
        raise NotAllowed("Only marketing, marketing leads, sales managers and admins draft lead definitions.")


def require_can_analyse(user: User) -> None:
    """Rejection analytics and suggested changes read every hand-off in bulk, like a
    backtest: for the people who negotiate the definition."""
    if not can_backtest(user):
        raise NotAllowed("Only the people who negotiate the lead definition analyse rejections and suggestions.")


def require_signing_side(user: User) -> str:
    side = signing_side(user)
    if side is None:
        raise NotAllowed(
            "Only a marketing lead or a sales manager (or the signatories an admin has named) "
            "signs a lead definition or requests changes to it."
        )
    return side
