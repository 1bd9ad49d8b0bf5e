"""The compensation policy: its history, and a new version. The report itself is under
/reports/compensation."""

from ninja import Router, Status

from accord.api.schemas import CompensationPolicyIn, CompensationPolicyOut, ErrorOut
from accord.reports.compensation import policy_as_dict, policy_create, policy_history_for

router = Router(tags=["compensation"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


@router.get("/policies", response={200: list[CompensationPolicyOut], **ERRORS}, summary="The policy's history")
def list_policies(request):
    """Every version of the compensation policy, the one added last first. Admins,
    executives, sales managers and reps (it is sales pay: 403 for marketing)."""
    return [policy_as_dict(policy) for policy in policy_history_for(acting_user=request.auth)]


@router.post("/policies", response={201: CompensationPolicyOut, **ERRORS}, summary="Add a policy version")
def create_policy(request, payload: CompensationPolicyIn):
    """A new version from `effective_from` (a UTC day) on; versions are never changed — of
    two from the same day, the one added last applies. Admins and executives only."""
    created = policy_create(acting_user=request.auth, **payload.dict())
    return Status(201, policy_as_dict(created))
