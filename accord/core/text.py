"""Normalisation shared by every way data enters Accord (API, UI, admin, imports)."""

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
