"""Typed errors of the Thulium client.

Every failure the client can report is a `ThuliumError`, so a view can catch one class and still
tell the supervisor precisely what happened: each error carries the HTTP status (None when no
answer came back) and the API's own messages, whatever the shape of the body was.
"""

from __future__ import annotations


class ThuliumError(Exception):
    """Something went wrong talking to Thulium.

    `messages` are the API's own words (from its `errors[].message`, or the text of a non-JSON
    body); `message` joins them for display. The text never contains credentials: the client
    builds it from the response only, never from the request.
    """

    default_message = "Thulium answered with an error."
    default_maybe_applied = False

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        messages: tuple[str, ...] = (),
        codes: tuple[int | str, ...] = (),
        request_id: str | None = None,
        maybe_applied: bool | None = None,
    ) -> None:
        self.status = status
        # True when an attempt may have reached Thulium and been applied before this failure:
        # a deletion sent again may then find nothing, without that meaning "never existed".
        self.maybe_applied = self.default_maybe_applied if maybe_applied is None else maybe_applied
        self.messages = messages or ((message,) if message else ())
        self.codes = codes
        self.request_id = request_id
        self.message = message or "; ".join(self.messages) or self.default_message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status!r}, message={self.message!r})"


class InvalidArgument(ThuliumError, ValueError):
    """A campaign id, identifier or other path part was refused before any request was sent."""

    default_message = "Invalid argument."


class AuthenticationFailed(ThuliumError):
    """401/403: the API user or password is wrong, or the user may not do this."""

    default_message = "Thulium refused the API credentials."


class NotFound(ThuliumError):
    """404: the campaign, record or customer does not exist."""

    default_message = "Not found in Thulium."


class Rejected(ThuliumError):
    """Any other 4xx: Thulium understood the request and refused it, saying why."""

    default_message = "Thulium refused the request."


class RateLimited(ThuliumError):
    """429 after every retry: Thulium asks us to slow down."""

    default_message = "Thulium is limiting the rate of requests."

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class Unavailable(ThuliumError):
    """5xx or no connection, after every retry: Thulium cannot be reached or is failing."""

    default_message = "Thulium is unavailable."


class Timeout(Unavailable):
    """No answer within the read timeout.

    The request may have been applied: a batch deletion sent again afterwards can answer
    NOT_EXIST for numbers the first attempt removed. Callers that care record such outcomes as
    uncertain.
    """

    default_message = "Thulium did not answer in time."
    default_maybe_applied = True


class BadResponse(ThuliumError):
    """A success status with a body that is not what the contract promises."""

    default_message = "Thulium sent an answer that could not be read."
