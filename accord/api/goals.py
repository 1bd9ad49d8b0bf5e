"""The shared revenue goal: set it (admins, executives; a sales manager their team's) and
list the goals. Its plan and pacing are a report: `GET /reports/goal`."""

from ninja import Router, Status

from accord.api.schemas import ErrorOut, GoalIn, GoalPlanOut
from accord.reports import goal

router = Router(tags=["reports"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.post("", response={201: GoalPlanOut, **ERRORS}, by_alias=True, summary="Set a revenue goal")
def set_goal(request, payload: GoalIn):
    """Set the revenue goal of a period, for the company or a team (by name); setting it
    again for the same period and team replaces it. Answers with its plan."""
    made = goal.goal_set(acting_user=request.auth, **payload.dict())
    return Status(201, goal.goal_plan(made).as_dict())


@router.get("", response={200: list[GoalPlanOut], 401: ErrorOut}, by_alias=True, summary="List revenue goals")
def list_goals(request):
    """The latest 100 goals, newest period first, each with its plan and pacing today."""
    return [goal.goal_plan(made).as_dict() for made in goal.goals_list()]
