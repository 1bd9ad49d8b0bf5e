"""Forms of the lead definition pages.

The edit page shows a version's document as ordinary fields and one formset per list of
rules (`DefinitionEditor`), and builds the document back from them. The forms only type
what people typed; whether the document makes sense is `document_validate`'s to say, and
`DefinitionEditor.add_domain_error` puts its answer next to the field it names.
"""

import json
import math
from typing import Any

from django import forms

from accord.core.errors import DomainError
from accord.definitions.document import OP_WORDS, RULE_FIELDS, TOUCHPOINT_TYPES, DefinitionDocument, Op
from accord.definitions.models import LeadDefinition, Side

LIST_OPS = frozenset({Op.IN, Op.NOT_IN})
NUMBER_OPS = frozenset({Op.GT, Op.GTE, Op.LT, Op.LTE})
VALUELESS_OPS = frozenset({Op.PRESENT, Op.ABSENT})
# Lead attributes that are not text: a value typed for them is read as their type, so that
# `company_size = 50` compares a number with a number.
NUMBER_FIELDS = frozenset({"company_size"})
BOOLEAN_FIELDS = frozenset({"consent_email"})
BOOLEAN_WORDS = {"true": True, "yes": True, "false": False, "no": False}

REQUIREMENTS = (
    ("contact", "Contact details (a name, and a company or a phone number)"),
    ("need", "Need"),
    ("authority", "Authority"),
    ("budget", "Budget"),
    ("timeline", "Timeline"),
)
TOUCHPOINT_CHOICES = [(kind, kind.replace("_", " ").capitalize()) for kind in TOUCHPOINT_TYPES]
CHOOSE = ("", "Choose…")


# --- a condition's value as text, and back -----------------------------------------------


def value_text(value: Any) -> str:
    """How a condition's value is shown in its text box."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(number: float | None) -> float | int | None:
    """20.0 shown as 20 in a number box."""
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _number(text: str) -> int | float | str:
    """50 → 50, 2.5 → 2.5; anything else stays text, for the document check to name."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def _scalar(field: str, text: str) -> Any:
    if field in NUMBER_FIELDS:
        return _number(text)
    if field in BOOLEAN_FIELDS:
        return BOOLEAN_WORDS.get(text.lower(), text)
    return text


def condition_value(field: str, op: str, text: str) -> Any:
    """The value of a condition from what was typed for it, given its field and operator."""
    text = text.strip()
    if op in VALUELESS_OPS:
        return None
    if op in LIST_OPS:
        return [_scalar(field, part.strip()) for part in text.split(",") if part.strip()]
    if op in NUMBER_OPS:
        return _number(text) if text else None
    if not text:
        return None
    return text if op == Op.CONTAINS else _scalar(field, text)


# --- one row per rule ----------------------------------------------------------------------


class FitRuleForm(forms.Form):
    label = forms.CharField(required=False, max_length=200)
    field = forms.ChoiceField(choices=[CHOOSE, *((name, name) for name in RULE_FIELDS)], label="Lead field")
    op = forms.ChoiceField(choices=[CHOOSE, *((op.value, OP_WORDS[op]) for op in Op)], label="Test")
    value = forms.CharField(required=False, max_length=2000)
    points = forms.FloatField()

    def rule(self) -> dict:
        data = self.cleaned_data
        return {
            "label": data["label"].strip(),
            "when": {
                "field": data["field"],
                "op": data["op"],
                "value": condition_value(data["field"], data["op"], data["value"]),
            },
            "points": data["points"],
        }

    @classmethod
    def initial_for(cls, rule) -> dict:
        return {
            "label": rule.label,
            "field": rule.when.field,
            "op": rule.when.op.value,
            "value": value_text(rule.when.value),
            "points": _plain(rule.points),
        }


class NegativeRuleForm(FitRuleForm):
    knockout = forms.BooleanField(required=False, label="Knockout")

    def rule(self) -> dict:
        return {**super().rule(), "knockout": self.cleaned_data["knockout"]}

    @classmethod
    def initial_for(cls, rule) -> dict:
        return {**super().initial_for(rule), "knockout": rule.knockout}


class EngagementRuleForm(forms.Form):
    type = forms.ChoiceField(choices=[CHOOSE, *TOUCHPOINT_CHOICES], label="Touchpoint")
    points = forms.FloatField(label="Points each")
    half_life_days = forms.FloatField(required=False, label="Half-life (days)")
    max_count = forms.IntegerField(required=False, label="At most (most recent)")

    def rule(self) -> dict:
        data = self.cleaned_data
        rule = {"type": data["type"], "points": data["points"], "max_count": data["max_count"]}
        if data["half_life_days"] is not None:  # left empty: the document's default
            rule["half_life_days"] = data["half_life_days"]
        return rule

    @classmethod
    def initial_for(cls, rule) -> dict:
        return {
            "type": rule.type,
            "points": _plain(rule.points),
            "half_life_days": _plain(rule.half_life_days),
            "max_count": rule.max_count,
        }


def _rule_formset(form_class):
    return forms.formset_factory(form_class, extra=2, can_delete=True, can_delete_extra=False)


FitRuleFormSet = _rule_formset(FitRuleForm)
EngagementRuleFormSet = _rule_formset(EngagementRuleForm)
NegativeRuleFormSet = _rule_formset(NegativeRuleForm)


# --- everything else in the document -------------------------------------------------------


class DefinitionTermsForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Name of this version")
    requirements = forms.MultipleChoiceField(
        choices=REQUIREMENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Sales-ready: must be known before a lead qualifies on score",
    )
    mql = forms.FloatField(label="MQL threshold (total score)")
    fit_min = forms.FloatField(label="Minimum fit score")
    engagement_min = forms.FloatField(label="Minimum engagement score")
    fast_track_types = forms.MultipleChoiceField(
        choices=TOUCHPOINT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Fast track: one of these touchpoints qualifies a lead at once",
    )
    follow_up_business_hours = forms.FloatField(label="Follow-up within (business hours)")
    mql_commitment_per_month = forms.IntegerField(label="MQLs marketing commits to per month")
    reason_codes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Reasons sales may give for rejecting a lead (one per line)",
    )

    @classmethod
    def initial_for(cls, definition: LeadDefinition, document: DefinitionDocument) -> dict:
        return {
            "name": definition.name,
            "requirements": [name for name, _ in REQUIREMENTS if getattr(document.requirements, name)],
            "mql": _plain(document.thresholds.mql),
            "fit_min": _plain(document.thresholds.fit_min),
            "engagement_min": _plain(document.thresholds.engagement_min),
            "fast_track_types": list(document.fast_track_types),
            "follow_up_business_hours": _plain(document.sla.follow_up_business_hours),
            "mql_commitment_per_month": document.sla.mql_commitment_per_month,
            "reason_codes": "\n".join(document.reason_codes),
        }

    def sections(self) -> dict:
        data = self.cleaned_data
        return {
            "requirements": {name: name in data["requirements"] for name, _ in REQUIREMENTS},
            "thresholds": {key: data[key] for key in ("mql", "fit_min", "engagement_min")},
            "fast_track_types": data["fast_track_types"],
            "sla": {key: data[key] for key in ("follow_up_business_hours", "mql_commitment_per_month")},
            "reason_codes": [line.strip() for line in data["reason_codes"].splitlines() if line.strip()],
        }


RULE_SECTIONS = {"fit_rules": "fit", "engagement_rules": "engagement", "negative_rules": "negative"}
# How the summary above the form names where a problem is.
ROW_NAMES = {"fit_rules": "Fit rule", "engagement_rules": "Engagement rule", "negative_rules": "Negative rule"}
TERM_NAMES = {
    "name": "Name",
    "requirements": "Sales-ready requirements",
    "mql": "MQL threshold",
    "fit_min": "Minimum fit score",
    "engagement_min": "Minimum engagement score",
    "fast_track_types": "Fast track",
    "follow_up_business_hours": "Follow-up time",
    "mql_commitment_per_month": "MQL commitment",
    "reason_codes": "Reason codes",
}


class DefinitionEditor:
    """The edit form of a draft: the terms form plus one formset per list of rules."""

    def __init__(self, data=None, *, definition: LeadDefinition):
        document = definition.parsed
        self.terms = DefinitionTermsForm(data, initial=DefinitionTermsForm.initial_for(definition, document))
        self.formsets = {
            "fit_rules": FitRuleFormSet(
                data, prefix="fit", initial=[FitRuleForm.initial_for(r) for r in document.fit_rules]
            ),
            "engagement_rules": EngagementRuleFormSet(
                data,
                prefix="engagement",
                initial=[EngagementRuleForm.initial_for(r) for r in document.engagement_rules],
            ),
            "negative_rules": NegativeRuleFormSet(
                data, prefix="negative", initial=[NegativeRuleForm.initial_for(r) for r in document.negative_rules]
            ),
        }
        self.section_errors: dict[str, list[str]] = {}
        self.problems: list[str] = []  # the summary at the top of the page
        self._rows: dict[str, list[forms.Form]] = {}

    @property
    def fit(self):
        return self.formsets["fit_rules"]

    @property
    def engagement(self):
        return self.formsets["engagement_rules"]

    @property
    def negative(self):
        return self.formsets["negative_rules"]

    def is_valid(self) -> bool:
        valid = [self.terms.is_valid(), *(formset.is_valid() for formset in self.formsets.values())]
        if not all(valid):
            self.problems.append("Some fields need a look: see the messages next to them.")
        return all(valid)

    @property
    def name(self) -> str:
        return self.terms.cleaned_data["name"].strip()

    def document(self) -> dict:
        """The document the form describes: kept rows in their order, empty and removed
        ones left out. Remembers which form made which rule, for `add_domain_error`."""
        for section, formset in self.formsets.items():
            self._rows[section] = [
                form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
        return {
            **{section: [form.rule() for form in rows] for section, rows in self._rows.items()},
            **self.terms.sections(),
        }

    def add_domain_error(self, error: DomainError) -> None:
        """Show the error next to what it names (`document.fit_rules.1.when.value` → the
        value of the second kept fit rule), and in the summary."""
        path = (error.field or "").split(".")
        if path[0] == "document":
            path = path[1:]
        section, rest = path[0], path[1:]
        if section in RULE_SECTIONS:
            rows = self._rows.get(section, [])
            if rest and rest[0].isdigit() and int(rest[0]) < len(rows):
                form = rows[int(rest[0])]
                form.add_error(self._rule_field(form, rest[1:]), error.message)
                number = self.formsets[section].forms.index(form) + 1
                self.problems.append(f"{ROW_NAMES[section]} {number}: {error.message}")
            else:
                self.section_errors.setdefault(RULE_SECTIONS[section], []).append(error.message)
                self.problems.append(f"{ROW_NAMES[section]}s: {error.message}")
            return
        # thresholds.mql → mql, sla.follow_up_business_hours → its field; the rest by their name
        field = rest[0] if section in ("thresholds", "sla") and rest else section
        field = field if field in self.terms.fields else None
        self.terms.add_error(field, error.message)
        self.problems.append(f"{TERM_NAMES[field]}: {error.message}" if field else error.message)

    @staticmethod
    def _rule_field(form: forms.Form, rest: list[str]) -> str | None:
        if rest[:1] == ["when"]:  # a condition's own check ("'gte' needs a number") is about its value
            rest = rest[1:] or ["value"]
        name = rest[0] if rest else None
        return name if name in form.fields else None


class DefinitionJsonForm(forms.Form):
    """The document as JSON, for those who would rather type it, or paste it."""

    document = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
        label="Document (JSON)",
    )

    def clean_document(self) -> Any:
        try:
            return json.loads(self.cleaned_data["document"])
        except ValueError as error:
            raise forms.ValidationError(f"Not JSON: {error}.") from None


# --- the contract's other forms -------------------------------------------------------------


# The remarks on a version's page check nothing themselves: the service decides first who
# may act at all (a refusal is a 403 whatever was typed), then what a comment must say.


class NoteForm(forms.Form):
    """An optional remark with a proposal or a signature."""

    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Note (optional)")


class CommentForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, label: str = "Comment", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"].label = label


class DefinitionImportForm(forms.Form):
    file = forms.FileField(
        label="Definition file (JSON)",
        widget=forms.FileInput(attrs={"accept": ".json,application/json"}),
        help_text="An exported version, or a bare document. It becomes a new draft.",
    )


class SignatoriesForm(forms.Form):
    side = forms.ChoiceField(choices=Side.choices, widget=forms.HiddenInput)
    emails = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Named signatories (one email per line; none: the side's leaders sign)",
    )

    def email_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["emails"].replace(",", "\n").splitlines() if line.strip()]


class DefinitionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LeadDefinition) -> str:
        return f"{obj} ({obj.get_status_display().lower()})"


class ExplainForm(forms.Form):
    """The lead page's "explain under version": any version, drafts included."""

    definition = DefinitionChoiceField(
        queryset=LeadDefinition.objects.only("pk", "version", "name", "status"),
        required=False,
        label="Explain under version",
        empty_label="As recorded, or the active version",
    )


class BacktestForm(forms.Form):
    """The period of history a version is backtested over, and what it is compared with."""

    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    against = DefinitionChoiceField(
        queryset=LeadDefinition.objects.only("pk", "version", "name", "status"),
        required=False,
        label="Compare with",
        empty_label="The active version",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", "'To' is before 'From'.")
        return cleaned


class SuggestionsForm(forms.Form):
    """The period whose rejections suggest changes, and how strict the suggestions are."""

    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    min_leads = forms.IntegerField(
        min_value=1, required=False, label="Judge segments with at least (hand-offs)", help_text="20 when empty"
    )
    factor = forms.FloatField(
        min_value=0.1, required=False, label="Rejected at least (× the overall rate)", help_text="1.5 when empty"
    )

    def clean(self):
        cleaned = super().clean()
        for name, default in (("min_leads", 20), ("factor", 1.5)):
            if name not in self.errors and cleaned.get(name) is None:
                cleaned[name] = default
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", "'To' is before 'From'.")
        return cleaned


class SuggestionApplyForm(SuggestionsForm):
    key = forms.CharField(max_length=300)
