"""Lead definition pages: the versions, one version with its signatures and history, the
edit form, side-by-side comparison, JSON import and export, and who signs.

Everyone signed in reads every version (the contract is public to both teams). Every
change goes through `accord.definitions.services`, which decides who may: a refusal is a
403 here and changes nothing. After activation the worker rescores open leads; the
version's page follows that by polling its progress block.
"""

import json
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accord.core.errors import DomainError, InvalidInput
from accord.definitions import policies, services
from accord.definitions.diff import describe_document, document_diff
from accord.definitions.document import NegativeRule
from accord.definitions.models import DefinitionEvent, LeadDefinition, Rescore, Side, Signatory
from accord.definitions.selectors import definition_active
from accord.people.models import User
from accord.reports.backtest import MEASURES, backtest_run, measure_text
from accord.reports.suggestions import BACKTEST_FIELDS, Suggestion, suggestion_apply_key, suggestions_for
from accord.web.charts import grouped_bars
from accord.web.definition_forms import (
    BacktestForm,
    CommentForm,
    DefinitionEditor,
    DefinitionImportForm,
    DefinitionJsonForm,
    NoteForm,
    SignatoriesForm,
    SuggestionApplyForm,
    SuggestionsForm,
)
from accord.web.reports import analyst, default_period
from accord.web.views import LIST_PAGE_SIZE, _apply_error, _list_query, _raise_for, _wants_csv, csv_response

Status = LeadDefinition.Status
Kind = DefinitionEvent.Kind
IMPORT_MAX_BYTES = 1_000_000
RESCORE_COUNTS = ("rescored", "qualified", "returned to nurture")
LEADER_NAMES = {Side.MARKETING: "marketing lead", Side.SALES: "sales manager"}
SECTION_TITLES = {
    "fit": "Fit rules",
    "engagement": "Engagement rules",
    "negative": "Negative rules",
    "requirements": "Sales-ready requirements",
    "thresholds": "Thresholds",
    "fast track": "Fast track",
    "sla": "Service level",
    "reason codes": "Reason codes for rejecting a lead",
}


def _definition(definition_id: int) -> LeadDefinition:
    definition = LeadDefinition.objects.select_related("created_by", "based_on").filter(pk=definition_id).first()
    if definition is None:
        raise Http404(f"No lead definition with id {definition_id}.")
    return definition


def _refused(request, error: DomainError, definition_id: int):
    """A refused change: 403/404 for who may not or what is not there; otherwise (a version
    no longer in the state the page showed) say why on the version's page."""
    _raise_for(error)
    messages.error(request, error.message)
    return redirect("definition_detail", definition_id=definition_id)


# --- the list -----------------------------------------------------------------------------

LIST_COLUMNS = (
    "version", "name", "status", "created_by", "created_at", "based_on",
    "proposed_at", "activated_at", "retired_at", "signatures",
)  # fmt: skip


def _versions():
    """Every version with its signatures so far, newest first (said again: a query with an
    aggregate drops the model's ordering)."""
    return (
        LeadDefinition.objects.select_related("created_by", "based_on")
        .annotate(signature_count=Count("signatures", filter=Q(signatures__void_at__isnull=True)))
        .order_by("-version")
    )


def _version_rows(queryset):
    for definition in queryset.iterator(chunk_size=500):
        yield (
            definition.version,
            definition.name,
            definition.status,
            definition.created_by.email if definition.created_by else None,
            definition.created_at,
            definition.based_on.version if definition.based_on else None,
            definition.proposed_at,
            definition.activated_at,
            definition.retired_at,
            definition.signature_count,
        )


@require_GET
@login_required
def definition_list(request):
    versions = _versions()
    if _wants_csv(request):
        return csv_response("lead-definitions.csv", LIST_COLUMNS, _version_rows(versions))
    page = Paginator(versions, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accord/definition_list.html",
        {
            "page": page,
            "can_draft": policies.can_draft(request.user),
            "can_analyse": policies.can_backtest(request.user),
            "can_name_signatories": policies.can_name_signatories(request.user),
            "query": _list_query(request),
        },
    )


@require_POST
@login_required
def definition_new(request):
    """A new draft: a copy of the active version (the usual way to change the contract)."""
    active = definition_active()
    try:
        if active is None:
            draft = services.definition_create(document={}, acting_user=request.user)
        else:
            draft = services.definition_copy(definition_id=active.pk, acting_user=request.user)
    except DomainError as error:
        _raise_for(error)
        messages.error(request, error.message)
        return redirect("definition_list")
    messages.success(request, f"Draft v{draft.version} created" + (f" from v{active.version}." if active else "."))
    return redirect("definition_edit", definition_id=draft.pk)


# --- one version --------------------------------------------------------------------------


def _event_details(event: DefinitionEvent) -> str:
    """What an event's data says, in words."""
    data = event.data or {}
    match event.kind:
        case Kind.CREATED if data.get("based_on"):
            return f"Drafted from v{data['based_on']}."
        case Kind.EDITED if data.get("changed"):
            return "Changed: " + ", ".join(data["changed"]) + "."
        case Kind.CHANGES_REQUESTED:
            voided = data.get("signatures_voided", 0)
            return f"{voided} signature{'' if voided == 1 else 's'} voided." if voided else ""
        case Kind.ACTIVATED if data.get("replaces"):
            return f"Replaces v{data['replaces']}."
        case Kind.RETIRED if data.get("replaced_by"):
            return f"Replaced by v{data['replaced_by']}."
        case Kind.RESCORED:
            return "; ".join(f"{label}: {count}" for label, count in _rescore_counts(data)) + "."
    return ""


def _rescore_counts(counts: dict) -> list[tuple[str, int]]:
    """The counts in their order, then whatever else the run counted (PostgreSQL's jsonb
    does not keep key order)."""
    extras = sorted(name for name in counts if name not in RESCORE_COUNTS)
    return [(name.capitalize(), counts.get(name, 0)) for name in (*RESCORE_COUNTS, *extras)]


def _rescore_context(rescore: Rescore | None) -> dict:
    return {
        "rescore": rescore,
        "rescore_running": rescore is not None and rescore.status in (Rescore.Status.QUEUED, Rescore.Status.RUNNING),
        "rescore_counts": _rescore_counts(rescore.counts) if rescore else [],
    }


def _described(definition: LeadDefinition) -> list[tuple[str, list[str]]]:
    """The version's document in words, one titled list per section."""
    return [
        (SECTION_TITLES.get(section, section.capitalize()), lines)
        for section, lines in describe_document(definition.parsed)
    ]


def _who_signs(side: str, named: list[Signatory]) -> str:
    emails = [signatory.user.email for signatory in named if signatory.side == side]
    if emails:
        return ", ".join(emails) + " (named by an admin)"
    return f"any {LEADER_NAMES[side]}"


def _detail_page(request, definition: LeadDefinition, **forms):
    user = request.user
    events = list(definition.events.select_related("actor"))
    signatures = list(definition.signatures.filter(void_at__isnull=True).select_related("user"))
    named = list(Signatory.objects.select_related("user"))
    my_side = policies.signing_side(user)
    can_draft = policies.can_draft(user)
    context = {
        "definition": definition,
        "sections": _described(definition),
        "sides": [
            (label, [s for s in signatures if s.side == side], _who_signs(side, named)) for side, label in Side.choices
        ],
        "events": [(event, _event_details(event)) for event in events],
        "others": LeadDefinition.objects.exclude(pk=definition.pk).only("pk", "version", "name", "status"),
        "can_draft": can_draft,
        "can_edit": can_draft and definition.status == Status.DRAFT,
        "can_delete": can_draft
        and definition.status == Status.DRAFT
        and not any(event.kind == Kind.PROPOSED for event in events),
        "my_side": Side(my_side).label if my_side else None,
        "can_sign": my_side is not None and definition.status == Status.PROPOSED,
        "signed": next((s for s in signatures if s.user_id == user.pk), None),
        "can_comment": can_draft or my_side is not None,
        "can_backtest": policies.can_backtest(user),
        "propose_form": forms.get("propose_form") or NoteForm(auto_id="id_propose_%s"),
        "sign_form": forms.get("sign_form") or NoteForm(auto_id="id_sign_%s"),
        "changes_form": forms.get("changes_form") or CommentForm(auto_id="id_changes_%s", label="What should change"),
        "comment_form": forms.get("comment_form") or CommentForm(auto_id="id_comment_%s"),
        **_rescore_context(definition.rescores.first()),
    }
    return render(request, "accord/definition_detail.html", context)


@require_GET
@login_required
def definition_detail(request, definition_id: int):
    return _detail_page(request, _definition(definition_id))


@require_GET
@login_required
def definition_rescore(request, definition_id: int):
    """The progress block alone, for htmx to poll; its last answer polls no more."""
    definition = _definition(definition_id)
    rescore = definition.rescores.first()
    if rescore is None:
        raise Http404("This version has not been activated.")
    return render(
        request, "accord/definition_detail.html#rescore", {"definition": definition, **_rescore_context(rescore)}
    )


@require_GET
@login_required
def definition_export(request, definition_id: int):
    definition = _definition(definition_id)
    response = JsonResponse(
        services.definition_export(definition), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="lead-definition-v{definition.version}.json"'
    return response


# --- editing a draft ------------------------------------------------------------------------


RULE_COLUMNS = ("Label (optional)", "Lead field", "Test", "Value", "Points")
ENGAGEMENT_COLUMNS = ("Touchpoint", "Points each", "Half-life (days)", "At most (most recent)")
VALUE_NOTE = (
    "Value: a comma-separated list for “in” and “not in”, a number for >, ≥, < and ≤, nothing for "
    "“is present” and “is absent”."
)


def _drafter(request) -> None:
    if not policies.can_draft(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@login_required
def definition_edit(request, definition_id: int):
    _drafter(request)
    definition = _definition(definition_id)
    if definition.status != Status.DRAFT:
        messages.error(request, f"v{definition.version} is {definition.status}: a change is a new draft.")
        return redirect("definition_detail", definition_id=definition.pk)
    editor, json_form = DefinitionEditor(definition=definition), None
    if request.method == "POST" and request.POST.get("editor") == "json":
        json_form = DefinitionJsonForm(request.POST)
        if json_form.is_valid():
            try:
                services.definition_update(
                    definition_id=definition.pk, document=json_form.cleaned_data["document"], acting_user=request.user
                )
            except DomainError as error:
                _raise_for(error)
                json_form.add_error("document", f"{error.field}: {error.message}" if error.field else error.message)
            else:
                messages.success(request, f"Draft v{definition.version} saved.")
                return redirect("definition_detail", definition_id=definition.pk)
    elif request.method == "POST":
        editor = DefinitionEditor(request.POST, definition=definition)
        if editor.is_valid():
            try:
                services.definition_update(
                    definition_id=definition.pk, document=editor.document(), name=editor.name, acting_user=request.user
                )
            except DomainError as error:
                _raise_for(error)
                editor.add_domain_error(error)
            else:
                messages.success(request, f"Draft v{definition.version} saved.")
                return redirect("definition_detail", definition_id=definition.pk)
    if json_form is None:
        document = definition.parsed.model_dump(mode="json")
        json_form = DefinitionJsonForm(initial={"document": json.dumps(document, indent=2, ensure_ascii=False)})
    return render(
        request,
        "accord/definition_edit.html",
        {
            "definition": definition,
            "editor": editor,
            "json_form": json_form,
            "rule_columns": RULE_COLUMNS,
            "negative_columns": (*RULE_COLUMNS, "Knockout"),
            "engagement_columns": ENGAGEMENT_COLUMNS,
            "value_note": VALUE_NOTE,
        },
    )


@require_POST
@login_required
def definition_delete(request, definition_id: int):
    definition = _definition(definition_id)
    try:
        services.definition_delete(definition_id=definition.pk, acting_user=request.user)
    except DomainError as error:
        return _refused(request, error, definition.pk)
    messages.success(request, f"Draft v{definition.version} deleted.")
    return redirect("definition_list")


@require_POST
@login_required
def definition_copy(request, definition_id: int):
    source = _definition(definition_id)
    try:
        draft = services.definition_copy(definition_id=source.pk, acting_user=request.user)
    except DomainError as error:
        return _refused(request, error, source.pk)
    messages.success(request, f"Draft v{draft.version} created from v{source.version}.")
    return redirect("definition_edit", definition_id=draft.pk)


# --- the contract ----------------------------------------------------------------------------


def _with_comment(request, definition_id: int, form_name: str, form, action):
    """Shared shape of the version page's forms: validate, call the service (`action`
    answers with what to tell the user), report back; a refused comment is shown next to
    its box, with what was typed."""
    definition = _definition(definition_id)
    if form.is_valid():
        try:
            done = action(definition, form.cleaned_data["comment"])
        except InvalidInput as error:
            _raise_for(error)
            form.add_error("comment" if error.field == "comment" else None, error.message)
        except DomainError as error:
            return _refused(request, error, definition.pk)
        else:
            messages.success(request, done)
            return redirect("definition_detail", definition_id=definition.pk)
    return _detail_page(request, definition, **{form_name: form})


@require_POST
@login_required
def definition_propose(request, definition_id: int):
    def propose(definition, comment):
        services.definition_propose(definition_id=definition.pk, comment=comment, acting_user=request.user)
        return f"v{definition.version} proposed: it now waits for both sides to sign."

    return _with_comment(
        request, definition_id, "propose_form", NoteForm(request.POST, auto_id="id_propose_%s"), propose
    )


@require_POST
@login_required
def definition_sign(request, definition_id: int):
    def sign(definition, comment):
        _, activated = services.definition_sign(definition_id=definition.pk, comment=comment, acting_user=request.user)
        if activated:
            return (
                f"Signed: both sides have signed, v{definition.version} is now active. Open leads are being rescored."
            )
        return f"Signed v{definition.version}."

    return _with_comment(request, definition_id, "sign_form", NoteForm(request.POST, auto_id="id_sign_%s"), sign)


@require_POST
@login_required
def definition_request_changes(request, definition_id: int):
    def request_changes(definition, comment):
        services.definition_request_changes(definition_id=definition.pk, comment=comment, acting_user=request.user)
        return f"Changes requested: v{definition.version} is a draft again, and its signatures are void."

    form = CommentForm(request.POST, auto_id="id_changes_%s", label="What should change")
    return _with_comment(request, definition_id, "changes_form", form, request_changes)


@require_POST
@login_required
def definition_comment(request, definition_id: int):
    def comment_add(definition, comment):
        services.definition_comment(definition_id=definition.pk, comment=comment, acting_user=request.user)
        return "Comment added."

    form = CommentForm(request.POST, auto_id="id_comment_%s")
    return _with_comment(request, definition_id, "comment_form", form, comment_add)


# --- comparing two versions ------------------------------------------------------------------


@require_GET
@login_required
def definition_compare_with(request, definition_id: int):
    """The "compare with" form of a version's page: the older version on the left."""
    definition = _definition(definition_id)
    try:
        other = _definition(int(request.GET.get("with", "")))
    except ValueError:
        raise Http404("Choose a version to compare with.") from None
    old, new = sorted((definition, other), key=lambda version: version.version)
    return redirect("definition_compare", old_id=old.pk, new_id=new.pk)


@require_GET
@login_required
def definition_compare(request, old_id: int, new_id: int):
    old, new = _definition(old_id), _definition(new_id)
    return render(
        request,
        "accord/definition_compare.html",
        {
            "old": old,
            "new": new,
            "sections": [
                (title, old_lines, new_lines)
                for (title, old_lines), (_, new_lines) in zip(_described(old), _described(new), strict=True)
            ],
            "changes": document_diff(old.parsed, new.parsed),
        },
    )


# --- import --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def definition_import(request):
    _drafter(request)
    form = DefinitionImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            form.add_error("file", "The file is larger than 1 MB; a definition is a few kilobytes.")
        else:
            try:
                draft = services.definition_import(data=upload.read(), acting_user=request.user)
            except DomainError as error:
                _raise_for(error)
                named = error.field and error.field != "file"
                form.add_error("file", f"{error.field}: {error.message}" if named else error.message)
            else:
                messages.success(request, f"Imported as draft v{draft.version}.")
                return redirect("definition_detail", definition_id=draft.pk)
    return render(request, "accord/definition_import.html", {"form": form})


# --- who signs -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def definition_signatories(request):
    if not policies.can_name_signatories(request.user):
        raise PermissionDenied
    bound = None
    if request.method == "POST":
        bound = SignatoriesForm(request.POST, auto_id=f"id_{request.POST.get('side', '')}_%s")
        if bound.is_valid():
            side = bound.cleaned_data["side"]
            try:
                named = services.signatories_set(side=side, emails=bound.email_list(), acting_user=request.user)
            except DomainError as error:
                _raise_for(error)
                bound.add_error("emails" if error.field == "emails" else None, error.message)
            else:
                label = Side(side).label
                if named:
                    messages.success(request, f"{label} signs through: {', '.join(s.user.email for s in named)}.")
                else:
                    messages.success(request, f"No one named for {label.lower()}: every {LEADER_NAMES[side]} signs.")
                return redirect("definition_signatories")
    named = list(Signatory.objects.select_related("user"))
    sides = []
    for side, label in Side.choices:
        emails = [signatory.user.email for signatory in named if signatory.side == side]
        form = SignatoriesForm(initial={"side": side, "emails": "\n".join(emails)}, auto_id=f"id_{side}_%s")
        leaders = User.objects.filter(role=policies.LEADER_ROLE[side], is_active=True).order_by("email")
        sides.append(
            {
                "side": side,
                "label": label,
                "emails": emails,
                "leader": LEADER_NAMES[side],
                "leaders": list(leaders.values_list("email", flat=True)),
                "form": bound if bound is not None and bound.data.get("side") == side else form,
            }
        )
    errors = [*bound.non_field_errors(), *bound.errors.get("side", [])] if bound is not None else []
    return render(request, "accord/definition_signatories.html", {"sides": sides, "errors": errors})


# --- backtest ---------------------------------------------------------------------------


@require_GET
@login_required
def definition_backtest(request, definition_id: int):
    """What this version would have done to a period of history, beside the active version
    (or another) and beside what happened; per month against the commitment."""
    if not policies.can_backtest(request.user):
        raise PermissionDenied("Only the people who negotiate the definition run backtests.")
    definition = _definition(definition_id)
    today = timezone.localdate()
    start = today.replace(day=1)
    for _ in range(3):  # the three whole months before this one, and this one so far
        start = (start - timedelta(days=1)).replace(day=1)
    form = BacktestForm(request.GET or {"date_from": start, "date_to": today})
    report = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = backtest_run(
                acting_user=request.user,
                definition_id=definition.pk,
                against_id=data["against"].pk if data["against"] else None,
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
        except DomainError as error:
            _apply_error(form, error)
    columns = []
    if report:
        columns = [("This version", report["version"]), ("What happened", report["actual"])]
        if report["active"] is not None:
            columns.insert(1, (f"Compared with v{report['active']['version']}", report["active"]))
    if report and _wants_csv(request):
        header = ["measure", *(title for title, _ in columns)]
        rows = [[label, *(measure_text(result[key], kind) for _, result in columns)] for key, label, kind in MEASURES]
        return csv_response(f"backtest-v{definition.version}.csv", header, rows)
    return render(
        request,
        "accord/definition_backtest.html",
        {
            "definition": definition,
            "form": form,
            "report": report,
            "columns": [title for title, _ in columns],
            "rows": [
                (label, [measure_text(result[key], kind) for _, result in columns]) for key, label, kind in MEASURES
            ],
            "changes": _changes(report) if report and report["changes"] else [],
            "chart": _monthly_chart(columns) if report else None,
            "csv_query": request.GET.urlencode(),
        },
    )


def _changes(report: dict) -> list[tuple[str, list[str]]]:
    changes = report["changes"]
    return [
        (label, [measure_text(changes[group][key], kind) for group in ("gained", "lost")])
        for key, label, kind in MEASURES
        if key in changes["gained"]
    ]


def _monthly_chart(columns: list[tuple[str, dict]]) -> dict:
    """Grouped bars: per month, each column's MQLs; a line marks the commitment."""
    months = [entry["month"] for entry in columns[0][1]["by_month"]]
    commitment = columns[0][1]["by_month"][0]["commitment"] if months else None
    series = [(title, [entry["mqls"] for entry in result["by_month"]]) for title, result in columns]
    return grouped_bars(months, series, marker=commitment)


# --- suggested changes --------------------------------------------------------------------

SUGGESTION_MEASURES = [measure for measure in MEASURES if measure[0] in BACKTEST_FIELDS]
SEGMENT_NAMES = {
    "source": "source",
    "campaign": "campaign",
    "industry": "industry",
    "company_size": "company size",
    "country": "country",
}


def _suggestion_words(suggestion: Suggestion) -> dict:
    """A suggestion as people read it: the segment and why, the rule, and what the rule
    would have done to the period."""

    def rate(value: float | None) -> str:
        return measure_text(value, "rate")

    overall = suggestion.overall
    value = suggestion.value if suggestion.value is not None else "(none)"
    why = (
        f"Sales rejected {suggestion.rejected} of the {suggestion.handed_over} leads handed over with "
        f"{SEGMENT_NAMES[suggestion.by]} “{value}” ({rate(suggestion.rejected / suggestion.handed_over)}, "
        f"against {rate(overall['rejection_rate'])} overall) and won {suggestion.won or 'none'} of them "
        f"({rate(suggestion.won / suggestion.handed_over)}, against {rate(overall['won_rate'])} overall)."
    )
    rule = NegativeRule.model_validate(suggestion.rule)
    changes = suggestion.changes
    return {
        "key": suggestion.key,
        "label": suggestion.label,
        "why": why,
        "rule": f"Add the negative rule “{rule.label}”: {rule.when.describe()}, {rule.points:+g} points.",
        "measures": [
            (label, measure_text(suggestion.before[key], kind), measure_text(suggestion.after[key], kind))
            for key, label, kind in SUGGESTION_MEASURES
        ],
        "changes": (
            f"It would gain {changes['gained']['mql_count']} leads ({changes['gained']['won']} won), "
            f"lose {changes['lost']['mql_count']} ({changes['lost']['won']} won) and keep {changes['kept']}."
        ),
    }


@require_GET
@login_required
def definition_suggestions(request):
    """Segments the period's rejections argue against, each with the rule that would stop
    handing them over and its backtest; drafters make any of them a draft in one click."""
    analyst(request)
    form = SuggestionsForm(request.GET or {**default_period(timezone.localdate()), "min_leads": 20, "factor": 1.5})
    found = None
    if form.is_valid():
        try:
            found = suggestions_for(acting_user=request.user, **form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
    active = definition_active()
    return render(
        request,
        "accord/definition_suggestions.html",
        {
            "form": form,
            "active": active,
            "suggestions": [_suggestion_words(suggestion) for suggestion in found or []],
            "shown": found is not None,
            "can_draft": policies.can_draft(request.user),
        },
    )


@require_POST
@login_required
def definition_suggestion_apply(request):
    _drafter(request)
    form = SuggestionApplyForm(request.POST)
    if form.is_valid():
        period = {name: form.cleaned_data[name] for name in ("date_from", "date_to", "min_leads", "factor")}
        try:
            draft = suggestion_apply_key(key=form.cleaned_data["key"], acting_user=request.user, **period)
        except DomainError as error:
            _raise_for(error)
            messages.error(request, error.message)
        else:
            messages.success(request, f"Draft v{draft.version} created: {draft.name}. Propose it when it is right.")
            return redirect("definition_detail", definition_id=draft.pk)
    else:
        messages.error(request, "; ".join(f"{k}: {m}" for k, errs in form.errors.items() for m in errs))
    query = {name: request.POST.get(name, "") for name in ("date_from", "date_to", "min_leads", "factor")}
    return redirect(reverse("definition_suggestions") + "?" + urlencode(query))
