"""What the client returns: frozen dataclasses, never raw dicts.

Thulium's types are loose (`status_id` is `"3"` in one answer and `5` in another, empty values are
`""` rather than null), so the parsing functions here normalise them once: ids become strings,
empty strings become None where a value is optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class SystemStatus(StrEnum):
    TO_CALL = "TO_CALL"
    IN_PROGRESS = "IN_PROGRESS"
    CALL = "CALL"
    MY_RECORD = "MY_RECORD"
    NO_CALL = "NO_CALL"
    ABANDONED_AFTER_N_TRIES = "ABANDONED_AFTER_N_TRIES"
    CALL_NO_SOONER_THAN = "CALL_NO_SOONER_THAN"
    CALL_PROGRESSIVE = "CALL_PROGRESSIVE"


# Each system status's name, as Thulium's own documentation gives it (its statuses page): what a
# supervisor reads in tables, filters and pickers instead of the code.
SYSTEM_STATUS_NAMES = {
    SystemStatus.TO_CALL: _("To call"),
    SystemStatus.IN_PROGRESS: _("Being worked on"),
    SystemStatus.CALL: _("Call"),
    SystemStatus.MY_RECORD: _("My record"),
    SystemStatus.NO_CALL: _("Do not call"),
    SystemStatus.ABANDONED_AFTER_N_TRIES: _("Abandoned after n tries"),
    SystemStatus.CALL_NO_SOONER_THAN: _("Contact no sooner than"),
    SystemStatus.CALL_PROGRESSIVE: _("Call in progressive mode"),
}


def system_status_name(value: str | None) -> str:
    """A system status code in the reader's words; an undocumented code is said to be one
    (its code stays in the details fold), an absent one is a dash."""
    if not value:
        return "—"
    try:
        return str(SYSTEM_STATUS_NAMES[SystemStatus(value)])
    except ValueError:
        return str(_("Undocumented system status"))


# What each system status means, at more length: the edit form's help and the status table.
SYSTEM_STATUS_MEANINGS = {
    SystemStatus.TO_CALL: _("To be called: freshly added records"),
    SystemStatus.IN_PROGRESS: _("Being worked on"),
    SystemStatus.CALL: _("Call"),
    SystemStatus.MY_RECORD: _("My record: reserved for one agent until a date"),
    SystemStatus.NO_CALL: _("Do not call"),
    SystemStatus.ABANDONED_AFTER_N_TRIES: _("Abandoned after n tries"),
    SystemStatus.CALL_NO_SOONER_THAN: _("Contact no sooner than a date"),
    SystemStatus.CALL_PROGRESSIVE: _("Call in progressive mode (e.g. calls dropped in predictive)"),
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional_text(value: Any) -> str | None:
    text = _text(value).strip()
    return text or None


def _optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity, which JSON may hold
        return None


def _optional_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "t"}
    return bool(value)


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    status_id: str
    name: str
    system_status: str
    dictionary_status_id: int | None

    @property
    def meaning(self) -> str:
        """The system status in words; an undocumented value is shown as such, not hidden."""
        try:
            return str(SYSTEM_STATUS_MEANINGS[SystemStatus(self.system_status)])
        except ValueError:
            return str(_("Undocumented system status"))

    @property
    def system_status_name(self) -> str:
        return system_status_name(self.system_status)

    @property
    def requires_agent(self) -> bool:
        return self.system_status == SystemStatus.MY_RECORD

    @property
    def requires_next_call_date(self) -> bool:
        return self.system_status in {SystemStatus.MY_RECORD, SystemStatus.CALL_NO_SOONER_THAN}

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CampaignStatus:
        return cls(
            status_id=_text(data["status_id"]),
            name=_text(data.get("name")),
            system_status=_text(data.get("system_status")),
            dictionary_status_id=_optional_int(data.get("dictionary_status_id")),
        )


@dataclass(frozen=True, slots=True)
class CampaignSummary:
    campaign_id: str
    records_count: int | None
    completion_percent: float | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CampaignSummary:
        return cls(
            campaign_id=_text(data["id"]),
            records_count=_optional_int(data.get("records_count")),
            completion_percent=_optional_float(data.get("completion_percent")),
        )


@dataclass(frozen=True, slots=True)
class Agent:
    login: str
    number: str
    active: bool
    active_in_outbound: bool
    agent_id: str | None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Agent:
        return cls(
            login=_text(data["login"]),
            number=_text(data.get("number")),
            active=_bool(data.get("active")),
            active_in_outbound=_bool(data.get("active_in_outbound")),
            agent_id=_optional_text(data.get("agent_id")),
        )


@dataclass(frozen=True, slots=True)
class CampaignRecord:
    """One record of a campaign's records list (`GET outbounds/:id/records`).

    The fields are the contract's, with Thulium's `status` (the campaign status's name) named
    `status_name`. Dates are kept as Thulium wrote them (`YYYY-MM-DD hh:mm:ss`), None when empty.
    """

    record_id: str
    identifier: str | None
    phone_number: str
    system_status: str
    status_name: str
    status_id: str | None
    agent_login: str | None
    agent_name: str | None
    next_call_date: str | None
    call_date: str | None
    create_date: str | None
    last_note: str | None
    order: int | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> CampaignRecord:
        record_id = _optional_text(data["record_id"])
        if record_id is None:
            raise ValueError("A record without a record_id.")
        return cls(
            record_id=record_id,
            identifier=_optional_text(data.get("identifier")),
            phone_number=_text(data.get("phone_number")),
            system_status=_text(data.get("system_status")),
            status_name=_text(data.get("status")),
            status_id=_optional_text(data.get("status_id")),
            agent_login=_optional_text(data.get("agent_login")),
            agent_name=_optional_text(data.get("agent_name")),
            next_call_date=_optional_text(data.get("next_call_date")),
            call_date=_optional_text(data.get("call_date")),
            create_date=_optional_text(data.get("create_date")),
            last_note=_optional_text(data.get("last_note")),
            order=_optional_int(data.get("order")),
        )


@dataclass(frozen=True, slots=True)
class RecordsPage:
    count: int
    records: tuple[CampaignRecord, ...]


@dataclass(frozen=True, slots=True)
class PhoneStatusResult:
    """Thulium's answer to setting a status by phone number across every campaign.

    `campaign_ids` are the campaigns whose records with that main number were given the status,
    as five-character strings; empty when the number is in no campaign that has the dictionary
    status. `maybe_applied_earlier` is true when an earlier attempt of the same request may have
    reached Thulium; the change is idempotent, so the answer stays trustworthy, but the caller
    may want to say so.
    """

    campaign_ids: tuple[str, ...]
    maybe_applied_earlier: bool = False


@dataclass(frozen=True, slots=True)
class CreatedRecord:
    """Thulium's answer to adding a record. The answer's shape is not documented: `record_id`
    and `identifier` are None when the answer did not carry them (an empty body, say), and the
    record was added all the same. `maybe_applied_earlier` as in `PhoneDeletionReport`.
    """

    record_id: str | None
    identifier: str | None
    maybe_applied_earlier: bool = False


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    name: str
    surname: str
    phone_number: str | None
    phone_numbers: tuple[str, ...]
    email: str | None
    company_id: str | None
    company_name: str | None
    identifier: str | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.name, self.surname) if part)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Customer:
        numbers = data.get("phone_numbers") or ()
        if isinstance(numbers, str):
            numbers = [numbers]
        company = data.get("company")
        company_name = data.get("company_name")
        if company_name is None and isinstance(company, Mapping):
            company_name = company.get("name")
        return cls(
            customer_id=_text(data["customer_id"]),
            name=_text(data.get("name")),
            surname=_text(data.get("surname")),
            phone_number=_optional_text(data.get("phone_number")),
            phone_numbers=tuple(
                _text(n.get("phone_number") if isinstance(n, Mapping) else n) for n in numbers
            ),
            email=_optional_text(data.get("email")),
            company_id=_optional_text(data.get("company_id")),
            company_name=_optional_text(company_name),
            identifier=_optional_text(data.get("identifier")),
        )


class PhoneOutcomeStatus(StrEnum):
    REMOVED = "REMOVED"
    NOT_EXIST = "NOT_EXIST"
    CALL_IN_PROGRESS = "CALL_IN_PROGRESS"


@dataclass(frozen=True, slots=True)
class PhoneRecordOutcome:
    """What happened to one record found for a number (or to the number, if none was found).

    `status` is kept as Thulium sent it: an undocumented status is the caller's to handle.
    """

    status: str
    http_status: int | None
    record_id: str | None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PhoneDeletionReport:
    """Thulium's answer to one batch deletion by phone number.

    `results` maps each number, as Thulium echoed it, to one outcome per record found.
    `maybe_applied_earlier` is true when an earlier attempt of this same request failed after
    it may have reached Thulium (a reset connection, a 500/502/504): a NOT_EXIST here may then mean
    "removed by that earlier attempt", and the caller must not take it at face value.
    """

    results: Mapping[str, tuple[PhoneRecordOutcome, ...]]
    maybe_applied_earlier: bool = False


@dataclass(frozen=True, slots=True)
class CustomerDeletionOutcome:
    http_status: int | None
    message: str | None

    @property
    def deleted(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


@dataclass(frozen=True, slots=True)
class CustomerDeletionReport:
    """Thulium's answer to one batch deletion of customers (see `PhoneDeletionReport`)."""

    results: Mapping[str, CustomerDeletionOutcome]
    maybe_applied_earlier: bool = False
