"""The lead definition document: what both teams agreed a qualified lead is.

A version's document is validated by these models whenever it is saved, so scoring can
trust its shape. Field names are part of the JSON import/export format of definitions.
"""

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STAGE_FIELDS = ("need", "authority", "budget", "timeline")

TOUCHPOINT_TYPES = (
    "page_view",
    "email_open",
    "email_click",
    "form_fill",
    "content_download",
    "webinar",
    "event",
    "ad_click",
    "demo_request",
    "call",
    "meeting",
    "rep_email",
)

REASON_CODES = (
    "not_ready",
    "no_budget",
    "no_authority",
    "no_need",
    "wrong_contact",
    "student_or_job_seeker",
    "competitor",
    "duplicate",
    "bad_data",
    "existing_customer",
    "other",
)

# Lead attributes a rule may test. `email_domain` is derived from the email.
RULE_FIELDS = (
    "email",
    "email_domain",
    "first_name",
    "last_name",
    "company",
    "title",
    "phone",
    "country",
    "region",
    "industry",
    "company_size",
    "source",
    "campaign",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "need",
    "authority",
    "budget",
    "timeline",
    "consent_email",
)


class Op(StrEnum):
    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "not_in"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONTAINS = "contains"
    PRESENT = "present"
    ABSENT = "absent"


OP_WORDS = {
    Op.EQ: "=",
    Op.NEQ: "≠",
    Op.IN: "in",
    Op.NOT_IN: "not in",
    Op.GT: ">",
    Op.GTE: "≥",
    Op.LT: "<",
    Op.LTE: "≤",
    Op.CONTAINS: "contains",
    Op.PRESENT: "is present",
    Op.ABSENT: "is absent",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    field: str
    op: Op
    value: Any = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value not in RULE_FIELDS:
            raise ValueError(f"unknown lead field '{value}'; use one of {', '.join(RULE_FIELDS)}")
        return value

    @model_validator(mode="after")
    def _value_fits_op(self) -> "Condition":
        if self.op in (Op.IN, Op.NOT_IN) and not isinstance(self.value, list):
            raise ValueError(f"'{self.op}' needs a list value")
        if self.op in (Op.GT, Op.GTE, Op.LT, Op.LTE) and not isinstance(self.value, int | float):
            raise ValueError(f"'{self.op}' needs a number")
        if self.op in (Op.EQ, Op.NEQ, Op.CONTAINS) and self.value is None:
            raise ValueError(f"'{self.op}' needs a value")
        return self

    def describe(self) -> str:
        if self.op in (Op.PRESENT, Op.ABSENT):
            return f"{self.field} {OP_WORDS[self.op]}"
        value = ", ".join(map(str, self.value)) if isinstance(self.value, list) else self.value
        return f"{self.field} {OP_WORDS[self.op]} {value}"


class FitRule(_Strict):
    label: str = ""
    when: Condition
    points: float

    @property
    def name(self) -> str:
        return self.label or self.when.describe()


class NegativeRule(_Strict):
    label: str = ""
    when: Condition
    points: Annotated[float, Field(le=0)]
    knockout: bool = Field(False, description="A matching lead can never qualify, fast track included.")

    @property
    def name(self) -> str:
        return self.label or self.when.describe()


class EngagementRule(_Strict):
    type: str
    points: float
    half_life_days: Annotated[float, Field(gt=0)] = 30.0
    max_count: Annotated[int, Field(ge=1)] | None = Field(
        None, description="Only the most recent N touchpoints of this type count."
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in TOUCHPOINT_TYPES:
            raise ValueError(f"unknown touchpoint type '{value}'")
        return value


class Requirements(_Strict):
    """Sales-ready requirements: the named lead fields must be filled in."""

    contact: bool = Field(True, description="A name and a company or phone are known.")
    need: bool = False
    authority: bool = False
    budget: bool = False
    timeline: bool = False

    def required_fields(self) -> list[str]:
        return [name for name in STAGE_FIELDS if getattr(self, name)]


class Thresholds(_Strict):
    mql: Annotated[float, Field(ge=0)] = 60
    fit_min: float = 0
    engagement_min: float = 0


class SlaTerms(_Strict):
    follow_up_business_hours: Annotated[float, Field(gt=0, le=400)] = 4
    mql_commitment_per_month: Annotated[int, Field(ge=0)] = 0


class DefinitionDocument(_Strict):
    fit_rules: list[FitRule] = []
    engagement_rules: list[EngagementRule] = []
    negative_rules: list[NegativeRule] = []
    requirements: Requirements = Requirements()
    thresholds: Thresholds = Thresholds()
    fast_track_types: list[str] = ["demo_request"]
    sla: SlaTerms = SlaTerms()
    reason_codes: list[str] = list(REASON_CODES)

    @field_validator("fast_track_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(TOUCHPOINT_TYPES))
        if unknown:
            raise ValueError(f"unknown touchpoint types: {', '.join(unknown)}")
        return value

    @field_validator("reason_codes")
    @classmethod
    def _other_kept(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one reason code is needed")
        return value

    @field_validator("engagement_rules")
    @classmethod
    def _one_rule_per_type(cls, value: list[EngagementRule]) -> list[EngagementRule]:
        types = [rule.type for rule in value]
        duplicated = sorted({t for t in types if types.count(t) > 1})
        if duplicated:
            raise ValueError(f"one engagement rule per touchpoint type: {', '.join(duplicated)}")
        return value
