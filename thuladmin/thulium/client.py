"""A small client for the parts of Thulium's REST API that thuladmin uses.

One method per endpoint of the contract (`../shared/thulium-api.md`). The client owns everything
about talking HTTP to Thulium — authentication, timeouts, retries, error parsing, path quoting —
so the rest of the project deals only in typed results and typed errors.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import unescape
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from thuladmin.thulium import errors
from thuladmin.thulium.types import (
    Agent,
    CampaignRecord,
    CampaignStatus,
    CampaignSummary,
    CreatedRecord,
    Customer,
    CustomerDeletionOutcome,
    CustomerDeletionReport,
    PhoneDeletionReport,
    PhoneRecordOutcome,
    PhoneStatusResult,
    RecordsPage,
)

logger = logging.getLogger(__name__)

CAMPAIGN_ID_PATTERN = re.compile(r"[A-Za-z0-9]{5}")
SYSTEM_STATUS_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
NEXT_CALL_DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
NEXT_CALL_DATE_FORMAT = "%Y-%m-%d %H:%M"
MAX_IDENTIFIER_LENGTH = 200
MAX_PHONE_NUMBER_LENGTH = 64
MAX_RECORDS_PAGE_SIZE = 100

# Statuses retried with backoff. 503 and 429 mean "not processed"; 500, 502 and 504 may hide a
# request that was applied behind a failing proxy, which matters for deletions (see
# `PhoneDeletionReport.maybe_applied_earlier`).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
NOT_APPLIED_STATUSES = frozenset({429, 503})
MAX_MESSAGE_LENGTH = 500


def build_session(*, pool_size: int = 8) -> requests.Session:
    """One pooled `Session` per process: batch jobs send several requests at once.

    urllib3's own retries are off: `ThuliumClient` retries with its own rules, which know which
    failures are safe to repeat.
    """
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def validate_campaign_id(campaign_id: str) -> str:
    """Campaign ids are five letters or digits; anything else never reaches a URL."""
    if not isinstance(campaign_id, str) or not CAMPAIGN_ID_PATTERN.fullmatch(campaign_id):
        raise errors.InvalidArgument(
            f"A campaign id is five letters or digits, such as 00001; got {campaign_id!r:.40}."
        )
    return campaign_id


def validate_identifier(identifier: str) -> str:
    """Record identifiers are free-form in the contract, so they are quoted, and the few values
    that could still climb out of their path segment once a server decodes them are refused."""
    if not isinstance(identifier, str):
        raise errors.InvalidArgument("A record identifier must be text.")
    text = identifier.strip()
    if not text:
        raise errors.InvalidArgument("A record identifier cannot be empty.")
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise errors.InvalidArgument(
            f"A record identifier is at most {MAX_IDENTIFIER_LENGTH} characters long."
        )
    if text in {".", ".."} or any(c in text for c in "/\\") or not text.isprintable():
        raise errors.InvalidArgument(
            "A record identifier cannot contain slashes, control characters or be '.' or '..'."
        )
    return text


def validate_customer_id(customer_id: int | str) -> str:
    text = str(customer_id).strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise errors.InvalidArgument(f"A customer id is a positive whole number; got {text!r:.40}.")
    return str(int(text))


def validate_phone_number(phone_number: str) -> str:
    """A phone number as it goes in a JSON body: text, trimmed, printable, not absurdly long.

    The client does not reshape numbers (dropping +48 is the caller's rule, configurable): it
    only refuses what cannot be a number at all, before anything is sent.
    """
    if not isinstance(phone_number, str):
        raise errors.InvalidArgument("A phone number must be text.")
    text = phone_number.strip()
    if not text:
        raise errors.InvalidArgument("A phone number cannot be empty.")
    if len(text) > MAX_PHONE_NUMBER_LENGTH or not text.isprintable():
        raise errors.InvalidArgument(
            f"A phone number is at most {MAX_PHONE_NUMBER_LENGTH} printable characters long."
        )
    return text


def validate_dictionary_status_id(dictionary_status_id: int | str) -> str:
    """Dictionary status ids are positive whole numbers (integers in the statuses answer)."""
    text = "" if isinstance(dictionary_status_id, bool) else str(dictionary_status_id).strip()
    if not text.isascii() or not text.isdigit() or int(text) <= 0:
        raise errors.InvalidArgument(
            f"A dictionary status id is a positive whole number; got {text!r:.40}."
        )
    return str(int(text))


def query_item(name: str, value: str) -> str:
    """One `name[]=value` pair of a batch query string, exactly as it goes on the wire.

    Thulium documents the key as `name[]`. The brackets are sent percent-encoded (`%5B%5D`):
    requests and urllib3 encode them anyway before sending (RFC 3986 does not allow them in a
    query), so writing them encoded here keeps `phone_deletion_url` equal to the URL actually
    sent. The server decodes them back to `name[]`, as it does for Thulium's own HTTPie example,
    which sends them encoded too. The value is fully quoted. Exposed so the bulk engine can size
    chunks by the bytes they add to the URL.
    """
    return f"{quote(name, safe='')}%5B%5D={quote(value, safe='')}"


class _BasicAuth(HTTPBasicAuth):
    """HTTP Basic credentials whose repr hides the password.

    requests keeps the `auth` argument as a local variable of its frames, and error reports
    (Django's HTML report, Sentry-like tools) print every frame's locals: a plain tuple there
    would show the password.
    """

    def __repr__(self) -> str:
        return f"<BasicAuth user={self.username!r}>"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 4
    budget_seconds: float = 60.0
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 10.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": never zero, never in lock-step with peers."""
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True, slots=True)
class _Answer:
    response: requests.Response
    maybe_applied_earlier: bool


class ThuliumClient:
    """Talks to one Thulium system as one API user.

    Build it with `thuladmin.thulium.get_client()`, which shares one pooled session per process.
    The client is cheap; `with_language()` gives a copy whose error messages come back in another
    language, sharing the same session.
    """

    def __init__(
        self,
        *,
        base_url: str,
        username: str,
        password: str,
        session: requests.Session | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        language: str = "en",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not base_url:
            raise errors.InvalidArgument("The Thulium base URL is not configured.")
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        # As bytes: requests would encode text as Latin-1, which fails (with the password in the
        # exception) on a password such as "hasło". curl, the documented client, sends UTF-8.
        self._auth = _BasicAuth(username.encode("utf-8"), password.encode("utf-8"))
        self.session = session or build_session()
        self.timeout = (connect_timeout, read_timeout)
        self.verify = verify
        self.retry = retry or RetryPolicy()
        self.language = language
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()  # jitter, not security

    def __repr__(self) -> str:
        # Never the password: reprs end up in logs and tracebacks.
        user = self._auth.username.decode("utf-8")
        return f"<ThuliumClient {self.base_url} user={user!r} language={self.language}>"

    def with_language(self, language: str) -> ThuliumClient:
        """A copy asking Thulium for messages in `language` (e.g. the supervisor's `pl`)."""
        clone = object.__new__(ThuliumClient)
        clone.__dict__.update(self.__dict__)
        clone.language = language
        return clone

    # --- endpoints --------------------------------------------------------------------------

    def campaign_stats(self) -> list[CampaignSummary]:
        """Active campaigns with their size and progress: what the campaign picker offers."""
        answer = self._send("GET", ("outbounds", "stats"))
        return _parse_list(answer, self._json(answer), CampaignSummary.from_api, "campaigns")

    def campaign_statuses(self, campaign_id: str) -> list[CampaignStatus]:
        """Every status of a campaign; the edit form's choices and its rules come from these."""
        path = ("outbounds", validate_campaign_id(campaign_id), "statuses")
        answer = self._send("GET", path)
        return _parse_list(answer, self._json(answer), CampaignStatus.from_api, "statuses")

    def campaign_agents(self, campaign_id: str) -> list[Agent]:
        """The campaign's agents, for the agent picker of MY_RECORD."""
        path = ("outbounds", validate_campaign_id(campaign_id), "agents")
        answer = self._send("GET", path)
        return _parse_list(answer, self._json(answer), Agent.from_api, "agents")

    def campaign_records(
        self,
        campaign_id: str,
        *,
        limit: int = MAX_RECORDS_PAGE_SIZE,
        offset: int = 0,
        status_ids: Sequence[str | int] = (),
        system_statuses: Sequence[str] = (),
        create_date_from: date | None = None,
        create_date_to: date | None = None,
        call_date_from: date | None = None,
        call_date_to: date | None = None,
    ) -> RecordsPage:
        """One page of a campaign's records, in the order they were added, with `count` = how
        many records match the filters (not how many are on the page).

        Every documented filter, one to one: `status_ids` (`status_id[]`, campaign status ids)
        and `system_statuses` (`system_status[]`) take several values each; the dates are whole
        days (`YYYY-MM-DD`). Thulium serves at most 100 records a page, so a larger `limit` is
        refused here rather than silently capped there. There is no filter by phone number or
        identifier, and `record_fields` are not in this answer.
        """
        if (
            isinstance(limit, bool)
            or not isinstance(limit, int)
            or not 1 <= limit <= MAX_RECORDS_PAGE_SIZE
            or isinstance(offset, bool)
            or not isinstance(offset, int)
            or offset < 0
        ):
            raise errors.InvalidArgument(
                f"limit must be a whole number from 1 to {MAX_RECORDS_PAGE_SIZE} and offset a "
                "whole number of at least 0."
            )
        query = [f"limit={limit}", f"offset={offset}"]
        query += [query_item("status_id", value) for value in _status_ids(status_ids)]
        query += [query_item("system_status", value) for value in _system_statuses(system_statuses)]
        for name, lower, upper in (
            ("create_date", create_date_from, create_date_to),
            ("call_date", call_date_from, call_date_to),
        ):
            if lower is not None and upper is not None and _day(lower) > _day(upper):
                raise errors.InvalidArgument(f"{name}_from is after {name}_to.")
            if lower is not None:
                query.append(f"{name}_from={_day(lower).isoformat()}")
            if upper is not None:
                query.append(f"{name}_to={_day(upper).isoformat()}")
        path = ("outbounds", validate_campaign_id(campaign_id), "records")
        answer = self._send("GET", path, query=query)
        data = self._json(answer)
        if not isinstance(data, Mapping) or not isinstance(data.get("result", []), list):
            raise _bad_shape(answer.response, "a records page")
        try:
            records = tuple(CampaignRecord.from_api(item) for item in data.get("result", []))
            count = int(data.get("count", len(records)))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise _bad_shape(answer.response, "a records page") from exc
        if count < 0:
            raise _bad_shape(answer.response, "a records page")
        return RecordsPage(count=count, records=records)

    def record_update(
        self, campaign_id: str, identifier: str, *, changes: Mapping[str, Any]
    ) -> None:
        """Edit one record. `changes` is sent as the JSON body exactly as given.

        The caller (a form) decides what goes in; Thulium's rules for MY_RECORD and
        CALL_NO_SOONER_THAN are checked there too, before anything is sent.
        """
        path = (
            "outbounds",
            validate_campaign_id(campaign_id),
            "records_by_identifier",
            validate_identifier(identifier),
        )
        self._send("PUT", path, body=dict(changes))

    def record_create(
        self,
        campaign_id: str,
        *,
        phone_number: str,
        status_id: str | int | None = None,
        dictionary_status_id: int | str | None = None,
        identifier: str | None = None,
        agent_login: str | None = None,
        next_call_date: str | datetime | None = None,
        record_fields: Mapping[str, str | int | float] | None = None,
        order: int | None = None,
    ) -> CreatedRecord:
        """Add one record to a campaign; only the arguments given go in the body.

        Thulium's own rules are the caller's to check first, as for `record_update` (the client
        does not know which system status `status_id` has): MY_RECORD needs `agent_login` and
        `next_call_date`, CALL_NO_SOONER_THAN `next_call_date`; `record_fields` are not for
        CRM campaigns. `next_call_date` is Thulium's wall-clock time: text `YYYY-MM-DD hh:mm`
        or a naive datetime (an aware one is refused: which zone Thulium means is the caller's
        business, as in the record form).

        Retries: as for every call, connection failures, 429 and 5xx are retried whatever the
        method. Thulium refuses a phone number already in the campaign, so a repeat of an
        attempt that was applied is refused rather than adding the record twice; that refusal
        is a `Rejected` whose `maybe_applied` is true, which the caller must not report as
        "not added". A read timeout is never retried.

        The answer is not documented: any success counts as added, and the record's id and
        identifier are read from it when it has them (`record_id`/`id`, `identifier`).
        """
        body: dict[str, Any] = {"phone_number": validate_phone_number(phone_number)}
        if status_id is not None:
            body["status_id"] = _status_ids([status_id])[0]
        if dictionary_status_id is not None:
            body["dictionary_status_id"] = int(validate_dictionary_status_id(dictionary_status_id))
        if identifier is not None:
            body["identifier"] = validate_identifier(identifier)
        if agent_login is not None:
            body["agent_login"] = _agent_login(agent_login)
        if next_call_date is not None:
            body["next_call_date"] = _next_call_date(next_call_date)
        if record_fields is not None:
            body["record_fields"] = _record_fields(record_fields)
        if order is not None:
            if isinstance(order, bool) or not isinstance(order, int):
                raise errors.InvalidArgument(f"order is a whole number; got {order!r:.40}.")
            body["order"] = order
        path = ("outbounds", validate_campaign_id(campaign_id), "records")
        answer = self._send("POST", path, body=body)
        record_id = identifier_sent = None
        try:
            data = answer.response.json()
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            record_id = _id_text(data.get("record_id", data.get("id")))
            identifier_sent = _id_text(data.get("identifier"))
        else:
            record_id = _id_text(data)
        return CreatedRecord(
            record_id=record_id,
            identifier=identifier_sent or body.get("identifier"),
            maybe_applied_earlier=answer.maybe_applied_earlier,
        )

    def record_delete(self, campaign_id: str, identifier: str) -> None:
        """Delete one record. Thulium refuses a record that is in a call (a `Rejected`)."""
        path = (
            "outbounds",
            validate_campaign_id(campaign_id),
            "records_by_identifier",
            validate_identifier(identifier),
        )
        self._send("DELETE", path)

    def phone_deletion_path(self, campaign_id: str) -> tuple[str, ...]:
        return ("batch", "outbounds", validate_campaign_id(campaign_id), "records")

    def phone_deletion_url(
        self,
        campaign_id: str,
        phone_numbers: Sequence[str],
        *,
        search_in_additional_numbers: bool = False,
    ) -> str:
        """The exact URL `records_delete_by_phone` sends: chunks are sized against its length."""
        return self._url(
            self.phone_deletion_path(campaign_id),
            _phone_query(phone_numbers, search_in_additional_numbers),
        )

    def records_delete_by_phone(
        self,
        campaign_id: str,
        phone_numbers: Sequence[str],
        *,
        search_in_additional_numbers: bool = False,
    ) -> PhoneDeletionReport:
        """Remove every record with these numbers from a campaign, in one request.

        Every record of a duplicated number is removed; a record in a call is not (its outcome
        is CALL_IN_PROGRESS). Numbers travel in the query string, so callers keep the list short
        enough for the URL (see `phone_deletion_url`).
        """
        answer = self._send(
            "DELETE",
            self.phone_deletion_path(campaign_id),
            query=_phone_query(phone_numbers, search_in_additional_numbers),
        )
        data = self._json(answer)
        if not isinstance(data, Mapping):
            raise _bad_shape(answer.response, "an object of numbers")
        results: dict[str, tuple[PhoneRecordOutcome, ...]] = {}
        for number, outcomes in data.items():
            entries = outcomes if isinstance(outcomes, list) else [outcomes]
            if not all(isinstance(entry, Mapping) for entry in entries):
                raise _bad_shape(answer.response, "an object of numbers")
            results[str(number)] = tuple(
                PhoneRecordOutcome(
                    status=str(entry.get("status") or ""),
                    http_status=_int_or_none(entry.get("http_status")),
                    record_id=_text_or_none(entry.get("record_id")),
                    message=_text_or_none(entry.get("message")),
                )
                for entry in entries
            )
        return PhoneDeletionReport(
            results=results, maybe_applied_earlier=answer.maybe_applied_earlier
        )

    def phone_status_set(
        self, phone_number: str, dictionary_status_id: int | str
    ) -> PhoneStatusResult:
        """Give every record with this main phone number, in every campaign, the campaign status
        that stands for `dictionary_status_id`; the one call that reaches all campaigns at once
        (e.g. to stop calling a person who objected).

        Thulium matches the main number only (additional numbers are not searched) and skips
        campaigns that have no status for that dictionary status; the answer lists the campaigns
        it updated. The body's `status_id` is the *dictionary* status id, sent as a string like
        the contract's example.

        Retries: as for every other call (the PUT included), connection failures, 429 and 5xx
        are retried whatever the method. That is safe here beyond the general rule: setting the
        same status again changes nothing, so a repeat of an attempt that was applied answers
        the same. A read timeout is not retried (it never is); the caller may simply send again.
        """
        body = {
            "phone_number": validate_phone_number(phone_number),
            "status_id": validate_dictionary_status_id(dictionary_status_id),
        }
        answer = self._send("POST", ("outbound_status_by_phone_number",), body=body)
        data = self._json(answer)
        if not isinstance(data, Mapping) or "outbound_id" not in data:
            raise _bad_shape(answer.response, "an object with outbound_id")
        value = data["outbound_id"]
        if value == "":  # Thulium's loose "empty"
            value = []
        elif isinstance(value, str | int) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise _bad_shape(answer.response, "an object with a list of outbound_id")
        campaign_ids = [_campaign_id_from_api(item) for item in value]
        if None in campaign_ids:
            raise _bad_shape(answer.response, "a list of campaign ids")
        return PhoneStatusResult(
            campaign_ids=tuple(dict.fromkeys(campaign_ids)),  # type: ignore[arg-type]
            maybe_applied_earlier=answer.maybe_applied_earlier,
        )

    def customer_deletion_url(self, customer_ids: Sequence[int | str]) -> str:
        return self._url(("batch", "customers"), _customer_query(customer_ids))

    def customers_delete(self, customer_ids: Sequence[int | str]) -> CustomerDeletionReport:
        """Delete customers and everything depending on them. This cannot be undone."""
        answer = self._send("DELETE", ("batch", "customers"), query=_customer_query(customer_ids))
        data = self._json(answer)
        if not isinstance(data, Mapping):
            raise _bad_shape(answer.response, "an object of customer ids")
        results = {}
        for customer_id, outcome in data.items():
            if isinstance(outcome, Mapping):
                results[str(customer_id)] = CustomerDeletionOutcome(
                    http_status=_int_or_none(outcome.get("http_status")),
                    message=_text_or_none(outcome.get("message")),
                )
            else:
                results[str(customer_id)] = CustomerDeletionOutcome(
                    http_status=_int_or_none(outcome), message=None
                )
        return CustomerDeletionReport(
            results=results, maybe_applied_earlier=answer.maybe_applied_earlier
        )

    def customer(self, customer_id: int | str) -> Customer:
        """One customer: the bulk deletion preview shows who is about to be deleted."""
        answer = self._send("GET", ("customers", validate_customer_id(customer_id)))
        data = self._json(answer)
        if not isinstance(data, Mapping):
            raise _bad_shape(answer.response, "a customer")
        try:
            return Customer.from_api(data)
        except KeyError as exc:
            raise _bad_shape(answer.response, "a customer") from exc

    # --- transport --------------------------------------------------------------------------

    def _url(self, path: Iterable[str], query: Sequence[str] = ()) -> str:
        url = self.base_url + "/".join(quote(part, safe="") for part in path)
        return f"{url}?{'&'.join(query)}" if query else url

    def _prepare(
        self,
        method: str,
        path: Sequence[str],
        query: Sequence[str],
        *,
        data: bytes | None,
        headers: Mapping[str, str],
    ) -> requests.PreparedRequest:
        """The request as it goes on the wire, prepared once for every attempt.

        The query joins the URL after requests has prepared it: its items are percent-encoded
        already (`query_item`), and having requests parse and re-quote a batch URL of several
        kilobytes, character by character, cost more than everything else the client does. The
        URL sent is also, byte for byte, the one the bulk engine measured against its budget.
        """
        prepared = self.session.prepare_request(
            requests.Request(method, self._url(path), data=data, headers=headers, auth=self._auth)
        )
        if query:
            prepared.url = f"{prepared.url}?{'&'.join(query)}"
        return prepared

    def _send(
        self,
        method: str,
        path: Sequence[str],
        *,
        query: Sequence[str] = (),
        body: Mapping[str, Any] | None = None,
    ) -> _Answer:
        """Send one request, retrying what is safe to retry, and raise a typed error otherwise.

        Retried: failures to connect, resets, 429 (after `Retry-After`) and 500/502/503/504, with
        exponential backoff, at most `retry.max_retries` times and within `retry.budget_seconds`.
        A read timeout is not retried here: whether the request was applied is unknown, and
        only the caller knows whether sending it again is safe.
        """
        log_path = "/".join(path)
        headers = {"Accept": "application/json", "Accept-Language": self.language}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        prepared = self._prepare(method, path, query, data=data, headers=headers)
        send_settings = self.session.merge_environment_settings(
            prepared.url, {}, None, self.verify, None
        )
        started = self._clock()
        maybe_applied = False
        attempt = 0
        while True:
            attempt_started = self._clock()
            try:
                response = self.session.send(
                    prepared, timeout=self.timeout, allow_redirects=False, **send_settings
                )
            except requests.exceptions.ReadTimeout as exc:
                self._log(method, log_path, attempt, attempt_started, "timeout")
                raise errors.Timeout(
                    f"Thulium did not answer within {self.timeout[1]:g} s."
                ) from exc
            except requests.exceptions.ConnectionError as exc:
                if _is_read_timeout(exc):
                    # requests reports a timeout while reading the body as a ConnectionError;
                    # like any read timeout it may have been applied, so it is not retried.
                    self._log(method, log_path, attempt, attempt_started, "timeout")
                    raise errors.Timeout(
                        f"Thulium did not answer within {self.timeout[1]:g} s."
                    ) from exc
                self._log(method, log_path, attempt, attempt_started, "no-connection")
                maybe_applied = maybe_applied or _may_have_been_sent(exc)
                wait = self.retry.backoff(attempt, self._rng)
                if not self._can_retry(attempt, started, wait):
                    raise errors.Unavailable(
                        "Could not connect to Thulium. Check the address and the network.",
                        maybe_applied=maybe_applied,
                    ) from exc
            except requests.exceptions.RequestException as exc:
                self._log(method, log_path, attempt, attempt_started, type(exc).__name__)
                raise errors.Unavailable(
                    f"The request to Thulium failed ({type(exc).__name__}).", maybe_applied=True
                ) from exc
            else:
                status = response.status_code
                self._log(method, log_path, attempt, attempt_started, str(status))
                if status < 300:
                    return _Answer(response=response, maybe_applied_earlier=maybe_applied)
                if status not in RETRY_STATUSES:
                    error = _error_from_response(response)
                    error.maybe_applied = maybe_applied
                    raise error
                retry_after = _retry_after_seconds(response) if status == 429 else None
                wait = (
                    self.retry.backoff(attempt, self._rng) if retry_after is None else retry_after
                )
                maybe_applied = maybe_applied or status not in NOT_APPLIED_STATUSES
                if not self._can_retry(attempt, started, wait):
                    error = _error_from_response(response, retry_after=retry_after)
                    error.maybe_applied = maybe_applied
                    raise error
            self._sleep(wait)
            attempt += 1

    def _log(self, method: str, path: str, attempt: int, started: float, outcome: str) -> None:
        # The path only: no query string (phone numbers), never the Authorization header. The
        # same values go in `extra` as fields, for the JSON log formatter (thuladmin.logs).
        duration_ms = round((self._clock() - started) * 1000, 1)
        logger.info(
            "thulium %s %s attempt=%d outcome=%s duration_ms=%.0f",
            method,
            path,
            attempt,
            outcome,
            duration_ms,
            extra={
                "event": "thulium_call",
                "method": method,
                "path": path,
                "attempt": attempt,
                "outcome": outcome,
                "duration_ms": duration_ms,
            },
        )

    def _can_retry(self, attempt: int, started: float, wait: float) -> bool:
        elapsed = self._clock() - started
        return attempt < self.retry.max_retries and elapsed + wait <= self.retry.budget_seconds

    def _json(self, answer: _Answer) -> Any:
        response = answer.response
        try:
            return response.json()
        except ValueError as exc:
            raise errors.BadResponse(
                f"Thulium answered {response.status_code} with a body that is not JSON: "
                f"{_body_excerpt(response)!r}",
                status=response.status_code,
            ) from exc


def _phone_query(phone_numbers: Sequence[str], search_in_additional_numbers: bool) -> list[str]:
    if isinstance(phone_numbers, str) or not phone_numbers:
        raise errors.InvalidArgument("Give at least one phone number, as a list.")
    numbers = [str(number).strip() for number in phone_numbers]
    if not all(numbers):
        raise errors.InvalidArgument("A phone number cannot be empty.")
    query = [query_item("phone_number", number) for number in numbers]
    if search_in_additional_numbers:
        query.append("search_in_additional_numbers=true")
    return query


def _status_ids(status_ids: Sequence[str | int]) -> list[str]:
    """Campaign status ids as text (Thulium sends them as `"3"` or `3`), deduplicated."""
    if isinstance(status_ids, str | int):
        raise errors.InvalidArgument("Give status ids as a list.")
    texts = []
    for value in status_ids:
        text = "" if isinstance(value, bool) else str(value).strip()
        if not isinstance(value, str | int) or not text or not text.isprintable():
            raise errors.InvalidArgument(f"A status id is text or a number; got {value!r:.40}.")
        texts.append(text)
    return list(dict.fromkeys(texts))


def _system_statuses(system_statuses: Sequence[str]) -> list[str]:
    """System statuses as Thulium spells them (`TO_CALL`). Undocumented ones are let through
    (a campaign may report one), but only in that spelling."""
    if isinstance(system_statuses, str):
        raise errors.InvalidArgument("Give system statuses as a list.")
    texts = []
    for value in system_statuses:
        text = str(value).strip() if isinstance(value, str) else ""
        if not SYSTEM_STATUS_PATTERN.fullmatch(text):
            raise errors.InvalidArgument(
                f"A system status is written like TO_CALL; got {value!r:.40}."
            )
        texts.append(text)
    return list(dict.fromkeys(texts))


def _agent_login(agent_login: str) -> str:
    if not isinstance(agent_login, str):
        raise errors.InvalidArgument("An agent login must be text.")
    text = agent_login.strip()
    if not text or not text.isprintable() or any(character.isspace() for character in text):
        raise errors.InvalidArgument("An agent login is one word, without spaces.")
    return text


def _next_call_date(value: str | datetime) -> str:
    """Thulium's `YYYY-MM-DD hh:mm`, from that text or from a naive datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise errors.InvalidArgument(
                "next_call_date is Thulium's wall-clock time: give a naive datetime."
            )
        return value.strftime(NEXT_CALL_DATE_FORMAT)
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not NEXT_CALL_DATE_PATTERN.fullmatch(text):
            raise ValueError(text)
        datetime.strptime(text, NEXT_CALL_DATE_FORMAT)
    except ValueError:
        raise errors.InvalidArgument(
            f"next_call_date is written YYYY-MM-DD hh:mm; got {value!r:.40}."
        ) from None
    return text


def _record_fields(fields: Mapping[str, str | int | float]) -> dict[str, str | int | float]:
    """The campaign's fields: names to text or numbers (never bools, lists or nulls)."""
    if not isinstance(fields, Mapping):
        raise errors.InvalidArgument("record_fields is a mapping of field names to values.")
    for name, value in fields.items():
        if not isinstance(name, str) or not name.strip():
            raise errors.InvalidArgument("A record field's name is non-empty text.")
        if (
            isinstance(value, bool)
            or not isinstance(value, str | int | float)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            raise errors.InvalidArgument(
                f"The value of record field {name!r:.40} is neither text nor a finite number."
            )
    return dict(fields)


def _id_text(value: Any) -> str | None:
    """An id from an answer as text; None for anything that is not one."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return _text_or_none(str(value).strip())


def _day(value: date) -> date:
    """A filter date: a `date`, never a `datetime` (whose day would depend on its time zone)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise errors.InvalidArgument(f"A filter date is a datetime.date; got {value!r:.40}.")
    return value


def _customer_query(customer_ids: Sequence[int | str]) -> list[str]:
    if isinstance(customer_ids, str) or not customer_ids:
        raise errors.InvalidArgument("Give at least one customer id, as a list.")
    return [query_item("customer_id", validate_customer_id(item)) for item in customer_ids]


def _may_have_been_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """False only when no connection was ever made, so the request cannot have arrived."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    # requests wraps urllib3's MaxRetryError, whose `reason` is the underlying failure.
    reason: object = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return not isinstance(reason, NewConnectionError)


def _is_read_timeout(exc: requests.exceptions.ConnectionError) -> bool:
    reason: object = exc.args[0] if exc.args else None
    return isinstance(reason, ReadTimeoutError) or isinstance(
        getattr(reason, "reason", None), ReadTimeoutError
    )


def _retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_from_response(
    response: requests.Response, *, retry_after: float | None = None
) -> errors.ThuliumError:
    """Map an error answer to a typed error carrying the API's own words, whatever the body."""
    messages, codes, request_id = _parse_error_body(response)
    status = response.status_code
    kwargs: dict[str, Any] = {
        "status": status,
        "messages": messages,
        "codes": codes,
        "request_id": request_id,
    }
    if status in (401, 403):
        return errors.AuthenticationFailed("; ".join(messages), **kwargs)
    if status == 404:
        return errors.NotFound("; ".join(messages), **kwargs)
    if status == 429:
        return errors.RateLimited("; ".join(messages), retry_after=retry_after, **kwargs)
    if 400 <= status < 500:
        return errors.Rejected("; ".join(messages), **kwargs)
    if status >= 500:
        return errors.Unavailable("; ".join(messages), **kwargs)
    return errors.BadResponse(
        "; ".join(messages) or f"Thulium answered with an unexpected HTTP {status}.", **kwargs
    )


def _parse_error_body(response: requests.Response) -> tuple[tuple[str, ...], tuple, str | None]:
    try:
        data = response.json()
    except ValueError:
        text = _body_excerpt(response)
        return ((text,) if text else ()), (), None
    messages: list[str] = []
    codes: list[int | str] = []
    request_id = None
    if isinstance(data, Mapping):
        request_id = _text_or_none(data.get("request_id"))
        items = data.get("errors")
        if isinstance(items, Mapping):
            items = [items]
        if isinstance(items, list):
            for item in items:
                if isinstance(item, Mapping):
                    if item.get("message") not in (None, ""):
                        messages.append(_clip(str(item["message"])))
                    if item.get("code") not in (None, ""):
                        codes.append(item["code"])
                elif item not in (None, ""):
                    messages.append(_clip(str(item)))
        for key in ("message", "error", "detail"):
            if not messages and isinstance(data.get(key), str) and data[key].strip():
                messages.append(_clip(data[key].strip()))
    elif isinstance(data, str) and data.strip():
        messages.append(_clip(data.strip()))
    elif isinstance(data, list):
        messages.extend(_clip(str(item)) for item in data if isinstance(item, str) and item)
    return tuple(messages), tuple(codes), request_id


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)[^>]*>.*?</\1>", re.IGNORECASE | re.DOTALL)


def _body_excerpt(response: requests.Response) -> str:
    """A readable line from any body: an HTML page's title or text, or plain text, shortened."""
    try:
        text = response.text or ""
    except (UnicodeDecodeError, LookupError):
        text = response.content.decode("utf-8", errors="replace")
    if "<" in text and ">" in text:
        title = _TITLE.search(text)
        text = title.group(1) if title else _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", text))
        text = unescape(text)
    return _clip(" ".join(text.split()))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_LENGTH else text[: MAX_MESSAGE_LENGTH - 1] + "…"


def _bad_shape(response: requests.Response, expected: str) -> errors.BadResponse:
    return errors.BadResponse(
        f"Thulium's answer is not {expected}: {_body_excerpt(response)!r:.200}",
        status=response.status_code,
    )


def _parse_list(
    answer: _Answer, data: Any, parse: Callable[[Mapping[str, Any]], Any], what: str
) -> list:
    """A JSON list of objects parsed one by one; any other shape is a `BadResponse`."""
    if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
        raise _bad_shape(answer.response, f"a list of {what}")
    try:
        return [parse(item) for item in data]
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad_shape(answer.response, f"a list of {what}") from exc


def _campaign_id_from_api(value: Any) -> str | None:
    """A campaign id from an answer, as the five-character string used everywhere else.

    Thulium's types are loose: an id sent as the integer 1 lost the leading zeros of `00001`,
    so integers are padded back. Anything else but non-empty text is not an id (None).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return f"{value:05d}" if 0 <= value <= 99_999 else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: Infinity, which JSON may hold
        return None


def _text_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
