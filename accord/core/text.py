"""Normalisation shared by every way data enters Accord (API, UI, admin, imports)."""

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accord.core.errors import InvalidInput

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit for a forward path, and the column's size


def normalize_email(raw: str | None, *, field: str = "email") -> str:
    """Lower-case and trim; the normalised email is a lead's identity."""
    email = (raw or "").strip().lower()
    if not email:
        raise InvalidInput("An email address is required.", field=field)
    if len(email) > MAX_EMAIL_LENGTH:
        raise InvalidInput(f"An email address has at most {MAX_EMAIL_LENGTH} characters.", field=field)
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(f"'{raw}' is not a valid email address.", field=field) from None
    return email


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1]


FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
    }
)


CENT = Decimal("0.01")


def parse_amount(value: Any, *, field: str, below: Decimal, signed: bool = False, nonzero: bool = False) -> Decimal:
    """Money as people type it ("1234.50"): a finite number of at most two decimals,
    under `below` — and, unless `signed`, not negative; with `nonzero`, not 0. Every amount
    Accord stores (deals, goals, policies, campaign costs) is read here."""
    text = "" if value is None else str(value).strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(f"'{text}' is not an amount; write it like 1234.50.", field=field)
    if abs(amount) >= below or (amount < 0 and not signed):
        bounds = f"below {below:,.0f} either way" if signed else f"0 or more and below {below:,.0f}"
        raise InvalidInput(f"An amount is {bounds}.", field=field)
    if nonzero and amount == 0:
        raise InvalidInput("An amount of 0 records nothing.", field=field)
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise InvalidInput("An amount has at most two decimal places (cents).", field=field)
    return amount.quantize(CENT) if amount else Decimal("0.00")  # "-0" is 0.00
