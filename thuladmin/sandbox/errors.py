"""Error bodies in Thulium's documented shape, in English or (on `Accept-Language: pl`) Polish.

Thulium answers errors with `{"request_id": "<13 hex>", "errors": [{"message", "code"}]}`. Which
HTTP status goes with which error is not documented, so the choices here (see `ERRORS`) are the
sandbox's own; the client must rely on the status class and show `message`, never match codes.
The messages are a plain table rather than gettext because they imitate a foreign server, not
this project's UI, and must not depend on which `.mo` files were compiled.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.http import HttpRequest, JsonResponse

# One error of a response: an `ERRORS` key, or (key, params) for its placeholders. Validators
# append these to a list so that every problem of a request is answered at once.
ErrorItem = str | tuple[str, dict[str, object]]


@dataclass(frozen=True, slots=True)
class ApiError:
    http_status: int
    code: int
    en: str
    pl: str


ERRORS: dict[str, ApiError] = {
    "bad_credentials": ApiError(401, 1001, "Authentication failed.", "Błąd uwierzytelniania."),
    "invalid_json": ApiError(400, 4001, "Invalid JSON body.", "Nieprawidłowy format JSON."),
    "body_not_object": ApiError(
        400, 4002, "Request body must be a JSON object.", "Treść żądania musi być obiektem JSON."
    ),
    "unknown_field": ApiError(400, 4003, "Unknown field: {field}.", "Nieznane pole: {field}."),
    "status_not_found": ApiError(400, 4004, "Status not found.", "Nie znaleziono statusu."),
    "invalid_status_id": ApiError(
        400, 4005, "Invalid status_id.", "Nieprawidłowy identyfikator statusu."
    ),
    "invalid_dictionary_status_id": ApiError(
        400,
        4006,
        "dictionary_status_id must be an integer or null.",
        "Pole dictionary_status_id musi być liczbą całkowitą lub null.",
    ),
    "agent_not_found": ApiError(400, 4007, "Agent not found.", "Nie znaleziono agenta."),
    "invalid_record_fields": ApiError(
        400,
        4008,
        "record_fields must be an object of strings or numbers.",
        "Pole record_fields musi być obiektem z tekstami lub liczbami.",
    ),
    "wrong_date_format": ApiError(
        400,
        4009,
        "Wrong date format. Expected YYYY-MM-DD hh:mm.",
        "Nieprawidłowy format daty. Oczekiwano RRRR-MM-DD gg:mm.",
    ),
    "agent_required": ApiError(
        400,
        4010,
        "agent_login is required for system status {status}.",
        "Pole agent_login jest wymagane dla statusu systemowego {status}.",
    ),
    "next_call_date_required": ApiError(
        400,
        4011,
        "next_call_date is required for system status {status}.",
        "Pole next_call_date jest wymagane dla statusu systemowego {status}.",
    ),
    "phone_number_required": ApiError(
        400,
        4012,
        "Parameter phone_number[] is required.",
        "Parametr phone_number[] jest wymagany.",
    ),
    "customer_id_required": ApiError(
        400,
        4013,
        "Parameter customer_id[] is required.",
        "Parametr customer_id[] jest wymagany.",
    ),
    "invalid_paging": ApiError(
        400,
        4014,
        "Invalid {param}: expected an integer between {low} and {high}.",
        "Nieprawidłowy parametr {param}: oczekiwano liczby całkowitej od {low} do {high}.",
    ),
    "field_required": ApiError(
        400, 4016, "Field {field} is required.", "Pole {field} jest wymagane."
    ),
    "invalid_phone_number": ApiError(
        400, 4017, "Wrong format of phone number.", "Nieprawidłowy format numeru telefonu."
    ),
    "dictionary_status_not_found": ApiError(
        400,
        4018,
        "Dictionary status not found in any campaign.",
        "Nie znaleziono statusu słownikowego w żadnej kampanii.",
    ),
    "dictionary_status_needs_details": ApiError(
        400,
        4019,
        "Dictionary status {dictionary_status_id} is {system_status} in campaign {campaign_id}, "
        "which needs an agent or a date: set it record by record.",
        "Status słownikowy {dictionary_status_id} to {system_status} w kampanii {campaign_id}, "
        "który wymaga agenta lub daty: ustaw go dla każdego rekordu osobno.",
    ),
    "invalid_date_param": ApiError(
        400,
        4020,
        "Invalid {param}: expected a date as YYYY-MM-DD.",
        "Nieprawidłowy parametr {param}: oczekiwano daty w formacie RRRR-MM-DD.",
    ),
    "unknown_system_status": ApiError(
        400, 4021, "Unknown system status: {value}.", "Nieznany status systemowy: {value}."
    ),
    "duplicate_phone_number": ApiError(
        400,
        4022,
        "Phone number {phone_number} already exists in this campaign.",
        "Numer telefonu {phone_number} już istnieje w tej kampanii.",
    ),
    "duplicate_identifier": ApiError(
        400,
        4023,
        "Identifier {identifier} already exists in this campaign.",
        "Identyfikator {identifier} już istnieje w tej kampanii.",
    ),
    "invalid_identifier": ApiError(
        400,
        4024,
        "Invalid identifier: at most 64 characters, without slashes or control characters.",
        "Nieprawidłowy identyfikator: najwyżej 64 znaki, bez ukośników i znaków sterujących.",
    ),
    "invalid_order": ApiError(
        400, 4025, "order must be an integer.", "Pole order musi być liczbą całkowitą."
    ),
    "not_found": ApiError(404, 4040, "Resource not found.", "Nie znaleziono zasobu."),
    "campaign_not_found": ApiError(404, 4041, "Campaign not found.", "Nie znaleziono kampanii."),
    "record_not_found": ApiError(404, 4042, "Record not found.", "Nie znaleziono rekordu."),
    "customer_not_found": ApiError(404, 4043, "Customer not found.", "Nie znaleziono klienta."),
    "method_not_allowed": ApiError(405, 4050, "Method not allowed.", "Niedozwolona metoda HTTP."),
    "record_in_call": ApiError(
        409,
        4091,
        "Record is in a call and cannot be deleted.",
        "Rekord jest w trakcie rozmowy i nie może zostać usunięty.",
    ),
    "uri_too_long": ApiError(414, 4140, "Request URI too long.", "Adres żądania jest zbyt długi."),
    "rate_limited": ApiError(
        429,
        4290,
        "Too many requests. Try again later.",
        "Zbyt wiele żądań. Spróbuj ponownie później.",
    ),
    "too_many_failed_logins": ApiError(
        429,
        4291,
        "Too many failed logins from this address. Try again later.",
        "Zbyt wiele nieudanych logowań z tego adresu. Spróbuj ponownie później.",
    ),
    "internal_error": ApiError(500, 5000, "Internal server error.", "Wewnętrzny błąd serwera."),
    # Used inside batch answers, not as whole-response errors.
    "invalid_customer_id": ApiError(
        400, 4015, "Invalid customer id.", "Nieprawidłowy identyfikator klienta."
    ),
}


def wants_polish(request: HttpRequest) -> bool:
    """True when Polish ranks highest in Accept-Language among the two languages Thulium speaks.

    Parsed here rather than taken from Django's active language, which also looks at the session
    and cookies: an API client only has the header.
    """
    best_lang, best_q = "en", 0.0
    for part in request.headers.get("Accept-Language", "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        if lang not in {"pl", "en", "*"}:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best_lang, best_q = lang, q
    return best_lang == "pl"


def message(request: HttpRequest, key: str, **params: object) -> str:
    error = ERRORS[key]
    text = error.pl if wants_polish(request) else error.en
    return text.format(**params) if params else text


def new_request_id() -> str:
    """13 hex characters, like the ids in Thulium's own error bodies (`53678450401cf`)."""
    return secrets.token_hex(7)[:13]


def error_response(
    request: HttpRequest, *keys: ErrorItem, status: int | None = None
) -> JsonResponse:
    """One response carrying one or more errors; the HTTP status is the first error's.

    Each key is an `ERRORS` key, or `(key, params)` for messages with placeholders.
    """
    errors = []
    for item in keys:
        key, params = (item, {}) if isinstance(item, str) else item
        errors.append({"message": message(request, key, **params), "code": ERRORS[key].code})
    first = keys[0] if isinstance(keys[0], str) else keys[0][0]
    return JsonResponse(
        {"request_id": new_request_id(), "errors": errors},
        status=status or ERRORS[first].http_status,
    )
