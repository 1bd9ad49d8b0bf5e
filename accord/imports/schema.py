"""What each kind of import accepts: field names (a public contract — mapping files and
the generic preset use them), their types and limits. Types are checked in bulk by
`accord.imports.convert`."""

from dataclasses import dataclass
from enum import StrEnum

from accord.crm.models import Stage
from accord.definitions.document import TOUCHPOINT_TYPES


class Type(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    COUNTRY = "country"
    INTEGER = "integer"
    AMOUNT = "amount"
    DATETIME = "datetime"
    DATE = "date"
    BOOLEAN = "boolean"
    CHOICE = "choice"  # one of `choices`, after the mapping's value translation
    USER = "user"  # a user's email or full name


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: Type = Type.TEXT
    max_length: int | None = None
    required: bool = False
    choices: tuple[str, ...] = ()
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


def _text(name: str, max_length: int, **kwargs) -> Field:
    return Field(name, Type.TEXT, max_length=max_length, **kwargs)


LEAD_FIELDS = (
    Field("email", Type.EMAIL),
    _text("external_id", 200, label="External id"),
    _text("first_name", 100),
    _text("last_name", 100),
    _text("company", 200),
    _text("title", 200),
    _text("phone", 50),
    Field("country", Type.COUNTRY),
    _text("region", 100),
    _text("industry", 100),
    Field("company_size", Type.INTEGER),
    _text("source", 100),
    _text("campaign", 100),
    _text("utm_source", 200),
    _text("utm_medium", 200),
    _text("utm_campaign", 200),
    Field("need", Type.TEXT),
    _text("authority", 200),
    _text("budget", 200),
    _text("timeline", 200),
    Field("consent_email", Type.BOOLEAN),
    Field("do_not_call", Type.BOOLEAN),
    Field("stage", Type.CHOICE, choices=tuple(Stage.values)),
    Field("owner", Type.USER),
    Field("created_at", Type.DATETIME),
)

ACCOUNT_FIELDS = (
    _text("name", 200, required=True),
    _text("domain", 200),
    _text("industry", 100),
    Field("country", Type.COUNTRY),
    Field("company_size", Type.INTEGER),
    Field("owner", Type.USER),
    Field("created_at", Type.DATETIME),
)

TOUCHPOINT_FIELDS = (
    _text("external_id", 200, label="External id"),
    Field("email", Type.EMAIL),
    _text("lead_external_id", 200, label="Lead external id"),
    Field("type", Type.CHOICE, required=True, choices=TOUCHPOINT_TYPES),
    _text("channel", 50),
    _text("campaign", 100),
    Field("occurred_at", Type.DATETIME, required=True),
    _text("utm_source", 200),
    _text("utm_medium", 200),
    _text("utm_campaign", 200),
    Field("note", Type.TEXT),
)

OPPORTUNITY_FIELDS = (
    _text("external_id", 200, label="External id"),
    _text("name", 200, required=True),
    _text("lead", 254, label="Lead (email or external id)"),
    _text("account", 200),
    Field("owner", Type.USER),
    Field("lead_owner", Type.USER, label="Lead owner (e.g. the SDR)"),
    Field("amount", Type.AMOUNT),
    _text("stage", 100),  # open, won, lost or a sales stage name — resolved against the database
    Field("created_at", Type.DATETIME),
    Field("closed_at", Type.DATETIME),
    Field("expected_close_on", Type.DATE),
    _text("lost_reason", 50),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "leads": LEAD_FIELDS,
    "accounts": ACCOUNT_FIELDS,
    "touchpoints": TOUCHPOINT_FIELDS,
    "opportunities": OPPORTUNITY_FIELDS,
}
KINDS = tuple(FIELDS)


def fields_by_name(kind: str) -> dict[str, Field]:
    return {field.name: field for field in FIELDS[kind]}
