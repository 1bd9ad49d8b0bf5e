import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accord.core.errors import InvalidInput, NotFound
from accord.core.text import normalize_email
from accord.people.models import ApiToken, Role, Team, User, hash_token

# Writing last_used_at on every request would turn each API read into a write.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)


def user_create(
    *,
    email: str,
    role: str,
    team: str | None = None,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    timezone_name: str = "UTC",
) -> tuple[User, str]:
    """Create a user; returns (user, password). A password is generated when none is given."""
    email = normalize_email(email)
    if role not in Role.values:
        raise InvalidInput(f"Unknown role '{role}'; use one of {', '.join(Role.values)}.", field="role")
    if User.objects.filter(email=email).exists():
        raise InvalidInput(f"A user with email {email} already exists.", field="email")
    password = password or secrets.token_urlsafe(12)
    with transaction.atomic():
        team_obj = Team.objects.get_or_create(name=team)[0] if team else None
        user = User(
            email=email,
            role=role,
            team=team_obj,
            first_name=first_name,
            last_name=last_name,
            timezone=timezone_name,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        try:
            user.full_clean(exclude=["password"])
        except ValidationError as error:
            field, messages = next(iter(error.message_dict.items()))
            raise InvalidInput(messages[0], field=field) from None
        user.set_password(password)
        user.save()
        if role == Role.SALES_MANAGER and team_obj and team_obj.manager_id is None:
            team_obj.manager = user
            team_obj.save(update_fields=["manager"])
    return user, password


def token_create(*, user_email: str, name: str = "") -> tuple[ApiToken, str]:
    """Returns (token, raw). The raw value is never stored and cannot be shown again."""
    user = User.objects.filter(email=normalize_email(user_email, field="user")).first()
    if user is None:
        raise NotFound(f"No user with email {user_email}.", field="user")
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(user=user, name=name, key_prefix=raw[:10], key_hash=hash_token(raw))
    return token, raw


def token_revoke(*, key_prefix: str, at: datetime | None = None) -> int:
    revoked = ApiToken.objects.filter(key_prefix=key_prefix, revoked_at__isnull=True).update(
        revoked_at=at or timezone.now()
    )
    if not revoked:
        raise NotFound(f"No active token starting with {key_prefix}.", field="token")
    return revoked


def token_authenticate(raw: str, *, at: datetime | None = None) -> User | None:
    """The active user behind a raw bearer token, or None."""
    if not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    at = at or timezone.now()
    if token.last_used_at is None or at - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    return token.user
