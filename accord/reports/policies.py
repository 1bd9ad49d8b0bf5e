"""Who may read which report rows and change what reports are based on.

Compensation is sales pay:
- admin and executive read every rep's row and the policy history, and add policy versions;
- a sales manager reads the rows of every member of the teams they manage or belong to
  (themselves included) and the policy history;
- a sales rep reads their own row and the policy history;
- marketing reads none of it.
"""

from accord.core.errors import NotAllowed
from accord.crm.policies import is_admin, managed_team_ids
from accord.people.models import Role, User

COMPENSATION_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.SALES_MANAGER, Role.SALES_REP})
COMPENSATION_SETTERS = frozenset({Role.ADMIN, Role.EXECUTIVE})


def can_read_compensation(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in COMPENSATION_READERS)


def require_can_read_compensation(user: User) -> None:
    if not can_read_compensation(user):
        raise NotAllowed("Compensation is sales pay: admins, executives, sales managers and reps read it.")


def compensation_rep_ids(user: User) -> set[int] | None:
    """The reps whose rows `user` reads: None for every rep, else their ids. The caller has
    checked `can_read_compensation`."""
    if is_admin(user) or user.role == Role.EXECUTIVE:
        return None
    if user.role == Role.SALES_MANAGER:
        return {user.pk, *User.objects.filter(team_id__in=managed_team_ids(user)).values_list("pk", flat=True)}
    return {user.pk}


def can_set_compensation_policy(user: User) -> bool:
    return user.is_active and (is_admin(user) or user.role in COMPENSATION_SETTERS)


def require_can_set_compensation_policy(user: User) -> None:
    if not can_set_compensation_policy(user):
        raise NotAllowed("Only an admin or an executive sets the compensation policy.")


# The shared revenue goal: everyone signed in reads it (it is on both teams' home pages);
# an admin or an executive sets the company's goal and any team's, a sales manager the goal
# of a team they manage.


def can_set_goal(user: User, team_id: int | None) -> bool:
    if not user.is_active:
        return False
    if is_admin(user) or user.role == Role.EXECUTIVE:
        return True
    return user.role == Role.SALES_MANAGER and team_id is not None and team_id in managed_team_ids(user)


def require_can_set_goal(user: User, team_id: int | None) -> None:
    if not can_set_goal(user, team_id):
        raise NotAllowed("An admin or an executive sets the revenue goal; a sales manager their own team's.")
