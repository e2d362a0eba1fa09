from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from thuladmin.audit.models import AuditEntry, stored_phone
from thuladmin.thulium import errors

# Keys whose values are never stored, wherever they appear in what a service hands over.
SECRET_KEYS = frozenset({"password", "pass", "secret", "token", "authorization", "api_pass"})
REDACTED = "[redacted]"


def without_secrets(value: Any) -> Any:
    """`value` with everything under a secret-looking key redacted, at any depth."""
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if str(key).lower() in SECRET_KEYS else without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [without_secrets(item) for item in value]
    return value


def audit_entry_create(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    outcome: AuditEntry.Outcome,
    campaign_id: str = "",
    target: str = "",
    request: Mapping[str, Any] | None = None,
    response: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
    http_status: int | None = None,
    api_message: str = "",
    duration_ms: int | None = None,
    subject_kind: str = "",
    subject_id: int | None = None,
    phone: str = "",
) -> AuditEntry:
    """Record one attempted change. Services call this themselves, right after the API call,
    so the entry states what was really sent and what really came back. An entry about a row of
    the caller's own (a bulk job) names it by the kind the caller registered it under and its
    id (see `thuladmin.audit.registry.register_subject`). An entry about one record gives the
    record's phone number, if known, so a search by the number finds it (stored normalised,
    `stored_phone`; nothing for what is no number).

    Anything under a secret-looking key is redacted as a second line of defence; services are
    expected never to hand over credentials in the first place.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_username=user.get_username() if user else "",
        action=action,
        outcome=outcome,
        campaign_id=campaign_id[:5],
        target=target[:255],
        request=without_secrets(request or {}),
        response=without_secrets(response or {}),
        before=without_secrets(before or {}),
        http_status=http_status,
        api_message=api_message,
        duration_ms=duration_ms,
        subject_kind=subject_kind,
        subject_id=subject_id,
        phone=stored_phone(phone),
    )


def audit_entry_for_error(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    error: errors.ThuliumError,
    campaign_id: str = "",
    target: str = "",
    request: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
    duration_ms: int | None = None,
    phone: str = "",
) -> AuditEntry:
    """Record an attempt that failed with a Thulium error (or was refused before sending)."""
    refused = isinstance(error, errors.InvalidArgument)
    return audit_entry_create(
        actor=actor,
        action=action,
        outcome=AuditEntry.Outcome.REFUSED if refused else AuditEntry.Outcome.FAILURE,
        campaign_id=campaign_id,
        target=target,
        request=request,
        before=before,
        response={"error": type(error).__name__, "request_id": error.request_id},
        http_status=error.status,
        api_message=error.message,
        duration_ms=duration_ms,
        phone=phone,
    )
