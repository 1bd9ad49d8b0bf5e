from django import forms
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from accord.campaigns.models import Campaign
from accord.crm.models import REP_ACTIVITY_TYPES, SalesStage, TouchpointType
from accord.crm.services import reason_codes
from accord.people.models import User
from accord.reports.sla import MEASURES as SLA_MEASURES


class LeadForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(required=False, max_length=100)
    last_name = forms.CharField(required=False, max_length=100)
    company = forms.CharField(required=False, max_length=200)
    title = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=50)
    country = LazyTypedChoiceField(choices=[("", "—"), *countries], required=False)
    region = forms.CharField(required=False, max_length=100)
    industry = forms.CharField(required=False, max_length=100)
    company_size = forms.IntegerField(required=False, min_value=0, label="Company size (employees)")
    source = forms.CharField(required=False, max_length=100)
    campaign = forms.ChoiceField(required=False)
    need = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    authority = forms.CharField(required=False, max_length=200)
    budget = forms.CharField(required=False, max_length=200)
    timeline = forms.CharField(required=False, max_length=200)
    consent_email = forms.BooleanField(required=False, label="Consents to marketing email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "—"), *Campaign.objects.values_list("code", "name")]

    def lead_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        data["consent_email"] = self.cleaned_data["consent_email"]
        return data


def code_label(code: str) -> str:
    return code.replace("_", " ").capitalize()


def reason_choices(codes: list[str] | None = None):
    codes = reason_codes() if codes is None else codes
    return [("", "Choose a reason…"), *((code, code_label(code)) for code in codes)]


RATING_CHOICES = [(1, "1 — useless"), (2, "2"), (3, "3"), (4, "4"), (5, "5 — just right")]


def _rating_field(*, required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, empty_value=None, required=required, widget=forms.RadioSelect
    )


def _problems_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Problems", help_text="What was wrong with it"
    )


class RejectForm(forms.Form):
    """Rejecting, with an optional rating and problems: sales can say what was wrong with
    the lead in the same step."""

    reason = forms.ChoiceField()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    action = forms.ChoiceField(
        choices=[("recycle", "Recycle to marketing nurture"), ("disqualify", "Disqualify")],
        widget=forms.RadioSelect,
        initial="recycle",
    )
    rating = _rating_field(required=False)
    problems = _problems_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read the agreed codes once per form, not at every render of the choices.
        codes = reason_codes()
        self.fields["reason"].choices = reason_choices(codes)
        self.fields["problems"].choices = [(code, code_label(code)) for code in codes]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("problems") and cleaned.get("rating") is None:
            self.add_error("rating", "Give a rating with the problems.")
        return cleaned

    def rejection(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("reason", "note", "action")}

    def feedback(self) -> dict | None:
        """The rating and problems, or None when no rating was given."""
        if self.cleaned_data.get("rating") is None:
            return None
        return {"rating": self.cleaned_data["rating"], "problems": self.cleaned_data["problems"]}


class FeedbackForm(forms.Form):
    rating = _rating_field(required=True)
    problems = _problems_field()
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problems"].choices = [(code, code_label(code)) for code in reason_codes()]


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), to_field_name="email", label="Assign to")

    def __init__(self, *args, reps=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = reps if reps is not None else User.objects.none()


class ActivityForm(forms.Form):
    type = forms.ChoiceField(choices=[(t, TouchpointType(t).label) for t in REP_ACTIVITY_TYPES])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TouchpointForm(forms.Form):
    type = forms.ChoiceField(choices=TouchpointType.choices)
    channel = forms.CharField(required=False, max_length=50)
    campaign = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].choices = [("", "—"), *Campaign.objects.values_list("code", "name")]


class ConvertForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Opportunity name")
    amount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2)
    sales_stage = forms.ModelChoiceField(queryset=SalesStage.objects.all(), to_field_name="name", required=False)
    expected_close_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class StageForm(forms.Form):
    sales_stage = forms.ModelChoiceField(
        queryset=SalesStage.objects.all(), to_field_name="name", empty_label=None, label="Sales stage"
    )


class ReopenForm(forms.Form):
    note = forms.CharField(required=False, max_length=2000, label="Why")


class CloseForm(forms.Form):
    won = forms.TypedChoiceField(
        choices=[("true", "Won"), ("false", "Lost")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
        label="Outcome",
    )
    reason = forms.ChoiceField(required=False, label="Lost reason")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = reason_choices()


class FunnelForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(
        choices=[("", "No grouping"), ("source", "Source"), ("campaign", "Campaign")],
        required=False,
        label="Group by",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", "'To' is before 'From'.")
        return cleaned


REJECTION_GROUPS = [
    ("", "No grouping"),
    ("source", "Source"),
    ("campaign", "Campaign"),
    ("industry", "Industry"),
    ("company_size", "Company size"),
    ("country", "Country"),
    ("rep", "Rep"),
    ("rule", "Rule that scored most"),
    ("reason", "Rejection reason"),
]


class RejectionsForm(FunnelForm):
    by = forms.ChoiceField(choices=REJECTION_GROUPS, required=False, label="Group by")


class ScorecardForm(FunnelForm):
    by = forms.ChoiceField(choices=[("rep", "Rep"), ("team", "Team")], required=False, label="Group by")


class ScorecardDrillForm(ScorecardForm):
    measure = forms.ChoiceField(choices=[(name, name) for name in SLA_MEASURES], label="Number")
    group_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
