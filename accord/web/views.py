"""Server-rendered pages. Views parse input, call one service or selector, and render;
domain errors become form errors, 403 or 404 here and nowhere else."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accord.core.errors import DomainError, NotAllowed, NotFound
from accord.crm import policies, selectors, services
from accord.crm.feedback import can_give_feedback, lead_feedback_give
from accord.crm.models import QUALIFIED_STAGES, WITH_SALES, Opportunity, Stage
from accord.definitions.document import STAGE_FIELDS
from accord.definitions.selectors import definition_active
from accord.exports import rows as exports
from accord.exports.formats import csv_lines
from accord.notifications.services import notifications_mark_read
from accord.people.models import Role
from accord.web.definition_forms import ExplainForm
from accord.web.forms import (
    ActivityForm,
    AssignForm,
    CloseForm,
    ConvertForm,
    FeedbackForm,
    LeadForm,
    RejectForm,
    ReopenForm,
    StageForm,
    TouchpointForm,
    code_label,
)


def _raise_for(error: DomainError):
    if isinstance(error, NotAllowed):
        raise PermissionDenied(error.message)
    if isinstance(error, NotFound):
        raise Http404(error.message)


def _apply_error(form, error: DomainError) -> None:
    _raise_for(error)
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def home(request):
    if request.user.role in (Role.SALES_REP, Role.SALES_MANAGER):  # sales lands on what waits for it
        return redirect("inbox")
    if request.user.role == Role.EXECUTIVE:
        return redirect("dashboard")
    return redirect("lead_list")


# --- lists: a page of rows, and every filtered row as CSV ---------------------------


def csv_response(filename: str, columns, rows) -> StreamingHttpResponse:
    """`rows` under `columns` as a CSV download, streamed (formula cells defused by
    `csv_lines`), so a large list never sits in memory."""
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_download(filename: str, kind: exports.Kind, queryset) -> StreamingHttpResponse:
    """Every row of `queryset` — what the page's filters chose, not just the page shown —
    as the export's CSV."""
    return csv_response(filename, kind.columns, kind.rows(queryset))


def _wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


LIST_PAGE_SIZE = 50


def _list_query(request) -> str:
    """The filters of a list page, without the page number: for the pager and the CSV link."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- inbox --------------------------------------------------------------------------


def _due_label(due_at, now) -> tuple[str, str]:
    """Human countdown and a CSS state for an SLA deadline."""
    if due_at is None:
        return "no clock", "none"
    delta = due_at - now
    overdue = delta < timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    if overdue:
        return f"overdue by {text}", "overdue"
    return f"due in {text}", "soon" if delta < timedelta(hours=1) else "ok"


def _decorate(leads, now):
    for lead in leads:
        lead.due_text, lead.due_state = _due_label(lead.sla_due_at, now)
    return leads


@login_required
def inbox(request):
    if not policies.can_use_inbox(request.user):
        raise PermissionDenied
    if _wants_csv(request):
        return _csv_download("inbox.csv", exports.LEADS, selectors.inbox_for(user=request.user))
    now = timezone.now()
    leads = _decorate(list(selectors.inbox_for(user=request.user)[:200]), now)
    return render(request, "accord/inbox.html", {"leads": leads, "reject_form": RejectForm(), "now": now})


def _inbox_row(request, lead_id: int, *, done: str = "", form=None, error: str = ""):
    """The inbox row of one lead: after a successful action, as the action left it (the user
    was just allowed to act, even if the lead has now left their sight); otherwise only if
    they may see it."""
    try:
        lead = (
            selectors.lead_state(lead_id=lead_id) if done else selectors.lead_detail(user=request.user, lead_id=lead_id)
        )
    except NotFound as error:
        raise Http404(error.message) from None
    _decorate([lead], timezone.now())
    return render(
        request,
        "accord/inbox.html#inbox-row",
        {"lead": lead, "done": done, "error": error, "reject_form": form or RejectForm()},
    )


def _next_or(request, fallback: str) -> str:
    """Where to go after a form: the page's own `next`, never another site."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else fallback


@require_POST
@login_required
def lead_accept(request, lead_id: int):
    try:
        services.lead_accept(lead_id=lead_id, acting_user=request.user)
    except DomainError as error:
        _raise_for(error)
        if request.htmx:  # e.g. accepted meanwhile in another tab: say so in the row
            return _inbox_row(request, lead_id, error=error.message)
        messages.error(request, error.message)
        return redirect("lead_detail", lead_id=lead_id)
    if request.htmx:
        return _inbox_row(request, lead_id, done="Accepted")
    messages.success(request, "Lead accepted.")
    return redirect(_next_or(request, reverse("lead_detail", args=[lead_id])))


def _reject_with_feedback(request, lead_id: int, form: RejectForm) -> None:
    """The rating first: rejecting takes the lead from its rep, who may then no longer rate
    it. One transaction, so a refused rating writes nothing and a refused rejection keeps
    no rating."""
    feedback = form.feedback()
    with transaction.atomic():
        if feedback is not None:
            lead_feedback_give(lead_id=lead_id, acting_user=request.user, **feedback)
        services.lead_reject(lead_id=lead_id, acting_user=request.user, **form.rejection())


@require_POST
@login_required
def lead_reject(request, lead_id: int):
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            _reject_with_feedback(request, lead_id, form)
        except DomainError as error:
            _apply_error(form, error)
    if form.errors:
        if request.htmx:
            return _inbox_row(request, lead_id, form=form)
        messages.error(request, "; ".join(m for errs in form.errors.values() for m in errs))
        return redirect("lead_detail", lead_id=lead_id)
    done = "Recycled to nurture" if form.cleaned_data["action"] == "recycle" else "Disqualified"
    if request.htmx:
        return _inbox_row(request, lead_id, done=done)
    messages.success(request, f"Lead rejected: {done.lower()}.")
    return redirect(_next_or(request, reverse("lead_detail", args=[lead_id])))


# --- leads --------------------------------------------------------------------------


@login_required
def lead_list(request):
    filters = {k: request.GET.get(k) or None for k in ("stage", "owner", "source", "search")}
    leads = selectors.lead_list(user=request.user, **filters)
    if _wants_csv(request):
        return _csv_download("leads.csv", exports.LEADS, leads)
    page = Paginator(leads, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accord/lead_list.html",
        {"page": page, "filters": filters, "stages": Stage.choices, "query": _list_query(request)},
    )


@login_required
def lead_new(request):
    if not policies.can_capture(request.user):
        raise PermissionDenied
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lead, created = services.lead_capture(data=form.lead_data(), acting_user=request.user)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(
                request,
                "Lead created." if created else "A lead with this email existed: updated it.",
            )
            return redirect("lead_detail", lead_id=lead.pk)
    return render(request, "accord/lead_form.html", {"form": form})


def _why(request, lead) -> dict:
    """The lead page's "why". A lead with sales keeps the explanation recorded when it was
    handed over; any other lead is explained live under the active version — and any lead
    under the version asked for (`?definition=<id>`, drafts included)."""
    form = ExplainForm(request.GET if "definition" in request.GET else None, auto_id="id_why_%s")
    chosen = form.cleaned_data["definition"] if form.is_bound and form.is_valid() else None
    definition = chosen or (None if lead.stage in QUALIFIED_STAGES else definition_active())
    why = {"form": form, "chosen": chosen is not None, "definition": definition or lead.definition}
    if definition is None:
        why.update(stored=True, explanation=lead.qualification or {})
    else:
        explanation = services.lead_explain(lead, definition, at=timezone.now())
        why.update(
            stored=False,
            explanation=explanation.as_dict(),
            fit=explanation.fit,
            engagement=explanation.engagement,
            negative=explanation.negative,
            total=explanation.total,
        )
    requirements = why["explanation"].get("requirements") or {}
    why["requirements"] = [(name, requirements[name]) for name in ("contact", *STAGE_FIELDS) if name in requirements]
    return why


@login_required
def lead_detail(request, lead_id: int):
    try:
        lead = selectors.lead_detail(user=request.user, lead_id=lead_id)
    except NotFound as error:
        raise Http404(error.message) from None
    _decorate([lead], timezone.now())
    can_work = policies.can_work_lead(request.user, lead)
    assignable = selectors.assignable_reps(user=request.user, lead=lead)
    feedback = list(lead.feedback.select_related("user"))
    can_rate = can_give_feedback(request.user, lead)
    mine = next((given for given in feedback if given.user_id == request.user.pk), None)
    context = {
        "lead": lead,
        "events": lead.events.all(),
        "touchpoints": lead.touchpoints.all(),
        "opportunities": [
            (opportunity, policies.can_work_opportunity(request.user, opportunity))
            for opportunity in lead.opportunities.all()
        ],
        "can_work": can_work,
        "can_capture": policies.can_capture(request.user),
        "can_accept": can_work and lead.stage == Stage.MQL,
        "can_reject": can_work and lead.stage in WITH_SALES,
        "can_convert": can_work and lead.stage in WITH_SALES,
        "reject_form": RejectForm(),
        "assign_form": AssignForm(reps=assignable) if assignable.exists() else None,
        "activity_form": ActivityForm(),
        "touchpoint_form": TouchpointForm(),
        "convert_form": ConvertForm(),
        "close_form": CloseForm(),
        "stage_form": StageForm(),
        "why": _why(request, lead),
        "feedback": [(given, [code_label(code) for code in given.problems]) for given in feedback],
        "feedback_form": _feedback_form(mine) if can_rate else None,
        "my_feedback": mine,
    }
    return render(request, "accord/lead_detail.html", context)


def _feedback_form(mine) -> FeedbackForm:
    """The "rate this lead" form, holding what the user said last time (given again, it replaces it)."""
    initial = {"rating": mine.rating, "problems": mine.problems, "note": mine.note} if mine else None
    return FeedbackForm(initial=initial, auto_id="id_feedback_%s")


@require_POST
@login_required
def lead_feedback(request, lead_id: int):
    try:
        selectors.lead_detail(user=request.user, lead_id=lead_id)
    except NotFound as error:
        raise Http404(error.message) from None
    return _post_action(
        request,
        lead_id,
        FeedbackForm,
        lambda data: lead_feedback_give(lead_id=lead_id, acting_user=request.user, **data),
        "Thank you: your rating of this lead is saved.",
    )


def _post_action(request, lead_id, form_class, action, success: str):
    """Shared shape of the lead page's forms: validate, call the service, report back."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, success)
            return redirect("lead_detail", lead_id=lead_id)
    messages.error(
        request,
        "; ".join(f"{k}: {m}" if k != "__all__" else m for k, errs in form.errors.items() for m in errs),
    )
    return redirect("lead_detail", lead_id=lead_id)


@require_POST
@login_required
def lead_assign(request, lead_id: int):
    try:
        lead = selectors.lead_detail(user=request.user, lead_id=lead_id)
    except NotFound as error:
        raise Http404(error.message) from None
    reps = selectors.assignable_reps(user=request.user, lead=lead)
    if not reps:
        raise PermissionDenied
    return _post_action(
        request,
        lead_id,
        lambda data: AssignForm(data, reps=reps),
        lambda data: services.lead_assign(lead_id=lead_id, owner_email=data["owner"].email, acting_user=request.user),
        "Lead assigned.",
    )


@require_POST
@login_required
def lead_activity(request, lead_id: int):
    return _post_action(
        request,
        lead_id,
        ActivityForm,
        lambda data: services.lead_log_activity(lead_id=lead_id, acting_user=request.user, **data),
        "Activity logged.",
    )


@require_POST
@login_required
def lead_touchpoint(request, lead_id: int):
    return _post_action(
        request,
        lead_id,
        TouchpointForm,
        lambda data: services.touchpoint_record(
            lead_id=lead_id,
            acting_user=request.user,
            type=data["type"],
            channel=data["channel"],
            campaign=data["campaign"] or None,
        ),
        "Touchpoint recorded and lead rescored.",
    )


@require_POST
@login_required
def lead_convert(request, lead_id: int):
    def convert(data):
        services.opportunity_create(
            lead_id=lead_id,
            acting_user=request.user,
            amount=data["amount"],
            name=data["name"],
            sales_stage=data["sales_stage"].name if data["sales_stage"] else None,
            expected_close_on=data["expected_close_on"],
        )

    return _post_action(request, lead_id, ConvertForm, convert, "Opportunity created.")


@login_required
def opportunity_list(request):
    filters = {k: request.GET.get(k) or None for k in ("status", "owner", "search")}
    opportunities = selectors.opportunity_list(user=request.user, **filters)
    if _wants_csv(request):
        return _csv_download("opportunities.csv", exports.OPPORTUNITIES, opportunities)
    page = Paginator(opportunities, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    # A rep may see a teammate's deal whose lead sits in another team: link only what opens.
    deals = [(deal, deal.lead_id is not None and policies.can_view_lead(request.user, deal.lead)) for deal in page]
    return render(
        request,
        "accord/opportunity_list.html",
        {
            "page": page,
            "deals": deals,
            "filters": filters,
            "statuses": Opportunity.Status.choices,
            "query": _list_query(request),
        },
    )


def _visible_opportunity(request, opportunity_id: int):
    try:
        return selectors.opportunity_get(user=request.user, opportunity_id=opportunity_id)
    except NotFound as error:
        raise Http404(error.message) from None


@require_POST
@login_required
def opportunity_stage(request, opportunity_id: int):
    opportunity = _visible_opportunity(request, opportunity_id)
    return _post_action(
        request,
        opportunity.lead_id,
        StageForm,
        lambda data: services.opportunity_set_stage(
            opportunity_id=opportunity_id, acting_user=request.user, sales_stage=data["sales_stage"].name
        ),
        "Sales stage updated.",
    )


@require_POST
@login_required
def opportunity_close(request, opportunity_id: int):
    opportunity = _visible_opportunity(request, opportunity_id)
    return _post_action(
        request,
        opportunity.lead_id,
        CloseForm,
        lambda data: services.opportunity_close(
            opportunity_id=opportunity_id,
            acting_user=request.user,
            won=data["won"],
            reason=data["reason"] or None,
            note=data["note"],
        ),
        "Opportunity closed.",
    )


@require_POST
@login_required
def opportunity_reopen(request, opportunity_id: int):
    opportunity = _visible_opportunity(request, opportunity_id)
    return _post_action(
        request,
        opportunity.lead_id,
        ReopenForm,
        lambda data: services.opportunity_reopen(
            opportunity_id=opportunity_id, acting_user=request.user, note=data["note"]
        ),
        "Opportunity reopened.",
    )


# --- notifications ------------------------------------------------------------------


@login_required
def notifications(request):
    if request.method == "POST":
        notifications_mark_read(user=request.user, at=timezone.now())
        return redirect("notifications")
    if _wants_csv(request):
        return _csv_download("notifications.csv", exports.NOTIFICATIONS, request.user.notifications.all())
    items = list(request.user.notifications.select_related("lead")[:100])
    return render(request, "accord/notifications.html", {"items": items})
