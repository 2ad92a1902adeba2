"""Typed exceptions: one per error code of the server's envelope, plus client-side checks."""
from __future__ import annotations

from typing import Dict, List, Optional


class CorrectiveError(Exception):
    """Any error from the Corrective client or server. `code` is the server's error code (or a client one)."""

    code = "ERROR"

    def __init__(self, message: str, *, status: Optional[int] = None, code: Optional[str] = None,
                 field_errors: Optional[Dict[str, List[str]]] = None, retry_after: Optional[float] = None):
        super().__init__(message)
        self.message = message
        self.status = status
        if code:
            self.code = code
        self.field_errors: Dict[str, List[str]] = field_errors or {}
        self.retry_after = retry_after

    def __str__(self) -> str:
        head = f"{self.message} ({self.status} {self.code})" if self.status else self.message
        if not self.field_errors:
            return head
        return head + "".join(f"\n  {k}: {'; '.join(v)}" for k, v in self.field_errors.items())


class ValidationError(CorrectiveError):
    """400: the body is not what the API expects."""
    code = "VALIDATION"


class AuthenticationError(CorrectiveError):
    """401: no, wrong or revoked token; wrong email or password."""
    code = "UNAUTHENTICATED"


class PermissionDenied(CorrectiveError):
    """403: your role in the project is too low."""
    code = "FORBIDDEN"


class NotFound(CorrectiveError):
    """404: no such thing, or a project you are not a member of."""
    code = "NOT_FOUND"


class RoundStateError(CorrectiveError):
    """409: the round is in another phase (e.g. rollouts sent to a round that is labelling)."""
    code = "CONFLICT"


class PayloadTooLarge(CorrectiveError):
    """413: a body or a frame over its limit."""
    code = "PAYLOAD_TOO_LARGE"


class Unprocessable(CorrectiveError):
    """422: well-formed but wrong for this project (an action outside the action space, a frame that is not PNG/JPEG)."""
    code = "UNPROCESSABLE"


class SpaceError(Unprocessable):
    """An observation or action that does not fit the project's space (checked in the client before uploading)."""


class FrameError(Unprocessable):
    """A frame that is not an H×W×3 uint8 image, PNG or JPEG."""


class RateLimited(CorrectiveError):
    """429: too many failed logins; wait `retry_after` seconds."""
    code = "RATE_LIMITED"


class Unavailable(CorrectiveError):
    """503, or the server could not be reached: retry shortly."""
    code = "UNAVAILABLE"


class ServerError(CorrectiveError):
    """500: a bug on the server."""
    code = "INTERNAL"


class RoundFailed(CorrectiveError):
    """`Round.wait_for` saw the round fail."""
    code = "ROUND_FAILED"


class WaitTimeout(CorrectiveError):
    """`Round.wait_for` ran out of time."""
    code = "TIMEOUT"


BY_CODE = {c.code: c for c in (ValidationError, AuthenticationError, PermissionDenied, NotFound, RoundStateError,
                               PayloadTooLarge, Unprocessable, RateLimited, Unavailable, ServerError)}
BY_STATUS = {400: ValidationError, 401: AuthenticationError, 403: PermissionDenied, 404: NotFound, 409: RoundStateError,
             413: PayloadTooLarge, 422: Unprocessable, 429: RateLimited, 503: Unavailable}


def from_response(status: int, body: object, retry_after: Optional[float] = None) -> CorrectiveError:
    """The typed exception for an error envelope `{"error": {"code", "message", "fieldErrors"}}`."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        cls = BY_STATUS.get(status, ServerError if status >= 500 else CorrectiveError)
        return cls(f"HTTP {status}", status=status)
    code = str(err.get("code", ""))
    cls = BY_CODE.get(code) or BY_STATUS.get(status) or CorrectiveError
    return cls(str(err.get("message", f"HTTP {status}")), status=status, code=code or None,
               field_errors=err.get("fieldErrors") or {}, retry_after=retry_after)
