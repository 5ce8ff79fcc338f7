"""AWS errors in the live commands' words: one readable line per error, naming the action and the account, and
what kind of failure it was (an access denial, a failure of AWS or of the way to it, something not found).

botocore raises what AWS answered (``ClientError``), what it met on the way (``BotoCoreError``: no connection), or
what its parser could not read (``ResponseParserError``); this module turns each into a line a user can act on,
tells a failure worth trying again from a refusal, and never quotes a credential or a whole HTML page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import botocore.exceptions
from botocore.parsers import ResponseParserError
from botocore.retries import standard

from replication.cli.errors import CliError

if TYPE_CHECKING:
    from replication.cli.sessions import Access

NO_CREDENTIALS = "no AWS credentials found: pass --profile or --role-arn, or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
"""The message for a missing credential chain; it never echoes any credential."""

AwsError = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError, ResponseParserError)
"""What a botocore call raises: an error AWS answered, one botocore met on the way (no connection), or an answer
botocore's parser could not read (an HTML page where STS's or IAM's XML should be, as a proxy on the way may send:
botocore raises its ``ResponseParserError``, no ``BotoCoreError``, and does not retry it)."""

NOT_FOUND = {"RepositoryNotFoundException": "unknown repository", "ImageNotFoundException": "unknown image"}
"""Error codes that mean the user named something that does not exist."""


def is_access_denied(error: Exception) -> bool:
    """Whether AWS refused the call for want of permission (``AccessDeniedException``, ``AccessDenied``,
    ``UnauthorizedOperation``), rather than failing it (a 5xx, throttling, a bad request)."""
    code = error_code(error)
    return "AccessDenied" in code or code == "UnauthorizedOperation"


def is_aws_failure(error: Exception) -> bool:
    """Whether AWS, or the way to it, failed the call rather than refused it: a server error, throttling that
    outlasted the retries, or no connection (botocore's own checks for what its standard retries retry), or an
    answer that could not be read (botocore: "Further retries may succeed")."""
    context = _context_of(error)
    return (isinstance(error, ResponseParserError) or _THROTTLING.is_throttling_error_from_context(context)
            or _TRANSIENT.is_retryable(context))


def failed_by_aws(error: CliError) -> Exception | None:
    """The botocore error behind a line :func:`translated_errors` made, when it is AWS failing the call
    (:func:`is_aws_failure`) rather than refusing it: a call worth making again later; ``None`` otherwise."""
    cause = error.__cause__
    return cause if isinstance(cause, AwsError) and is_aws_failure(cause) else None


def is_throttled(error: Exception) -> bool:
    """Whether AWS throttled the call, as botocore's standard retries tell throttling (:data:`_THROTTLING`)."""
    return _THROTTLING.is_throttling_error_from_context(_context_of(error))


def throttling_of(**needs_retry: Any) -> str | None:
    """How the attempt botocore's ``needs-retry`` event is about (its keyword arguments) was throttled: its error
    code (``ThrottlingException``, ``ThrottleException``), or its HTTP status for a 429 without one; ``None`` when it
    was not throttled."""
    context = standard.RetryEventAdapter().create_retry_context(**needs_retry)
    if not _THROTTLING.is_throttling_error_from_context(context):
        return None
    return context.get_error_code() or f"HTTP {context.http_response.status_code}"


_THROTTLING = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
"""botocore's own test of throttling, the one its standard and adaptive retries apply: a throttling error code
(``ThrottlingException``, ``Throttling``, ...), an error the operation's model marks as throttling, or HTTP 429 with
an error the model doesn't declare, as ECR's ``ThrottleException`` (ECR user guide, "Troubleshooting Amazon ECR
error messages": "HTTP 429: Too Many Requests or ThrottleException", besides the API reference's common
``400 ThrottlingException``; botocore's ECR model declares neither)."""

_TRANSIENT = standard.TransientRetryableChecker()
"""botocore's test of a transient failure: HTTP 500, 502, 503 or 504, a timeout code, or no connection."""


def _context_of(error: Exception) -> standard.RetryContext:
    """What botocore's retry checks read of a call that ended in ``error``: the error AWS answered with and its HTTP
    status, or the exception botocore met on the way. Without the operation's model: botocore's ECR model declares no
    throttling error, so a 429 is judged as botocore's retries judge it."""
    if isinstance(error, botocore.exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return standard.RetryContext(attempt_number=1, parsed_response=error.response,
                                     http_response=_Status(status) if status else None)
    return standard.RetryContext(attempt_number=1, caught_exception=error)


@dataclass(frozen=True)
class _Status:
    """What botocore's retry checks read of an HTTP response: its status code."""

    status_code: int


def describe_error(error: Exception, account: str | None, action: str) -> str:
    """One readable line for an error a botocore call raised (see :data:`AwsError`), naming the action and the
    account whose credentials made the call (``None``: credentials not yet known to be in any account)."""
    if isinstance(error, botocore.exceptions.ClientError):
        return describe_client_error(error, account, action)
    return f"{action} failed{_in(account)}: {one_line(str(error))}"


def _in(account: str | None) -> str:
    """`` in account 123456789012``, or nothing for an account not known yet."""
    return f" in account {account}" if account else ""


MAX_MESSAGE_CHARS = 300
"""The most of an error message a line quotes (AWS's own are shorter; a page some endpoint sent is not)."""

_PAGE = re.compile(r"(?:b['\"])?<\s*(?:!doctype|html|head|body|title)\b.*", re.IGNORECASE | re.DOTALL)
"""An HTML page (and what follows it), as botocore quotes one an endpoint answered with: the whole message of a
JSON-protocol error, or the end of a parser error (``... received: b'<html>...'``)."""


def one_line(text: str) -> str:
    """``text`` on one line, an HTML page in it named instead of quoted, cut to :data:`MAX_MESSAGE_CHARS`."""
    flat = _PAGE.sub("(an HTML page)", " ".join(text.split()))
    return flat if len(flat) <= MAX_MESSAGE_CHARS else flat[:MAX_MESSAGE_CHARS - 1] + "…"


def error_message(error: botocore.exceptions.ClientError) -> str:
    """The AWS error message on one line (:func:`one_line`). When the endpoint answered with nothing but an HTML page
    (a 500 from AWS or from a proxy on the way: botocore's JSON parser passes the page on as the message), the HTTP
    status instead."""
    message = str(error.response.get("Error", {}).get("Message", "")).strip()
    if _PAGE.match(message):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        try:
            reason = f"HTTP {status} {HTTPStatus(status).phrase}"
        except (TypeError, ValueError):
            reason = f"HTTP {status}"
        return f"{reason}, answered with an HTML page instead of an AWS error"
    return one_line(message)


def describe_client_error(error: botocore.exceptions.ClientError, account: str | None, action: str) -> str:
    """One readable line for an AWS error: access denials name the account and the action."""
    code = error_code(error)
    message = error_message(error)
    if is_access_denied(error):
        who = f"account {account} is" if account else "the credentials are"
        return f"access denied: {who} not allowed to call {action} ({message or code})"
    if code in NOT_FOUND:
        return f"{NOT_FOUND[code]}{_in(account)}: {message}"
    if is_throttled(error):
        return f"{action}{_in(account)} is still throttled after retries ({code}); retry later or raise AWS_MAX_ATTEMPTS"
    if message.startswith(f"HTTP {code} "):  # botocore's code for an error without one is the HTTP status
        return f"{action} failed{_in(account)}: {message}"
    return f"{action} failed{_in(account)}: {code}: {message}"


@dataclass(frozen=True)
class ReadFailure:
    """Why reading something with one account's credentials failed, in one line, and what would fix it."""

    reason: str
    fix: str


def read_failure(error: Exception, account: str | None, action: str, access: Access, command: str) -> ReadFailure:
    """The failure of ``action`` in ``account`` (``None``: not known yet): a missing permission (the fix: allow it
    to ``access``) only for an access denial; anything else (a server error, throttling that outlasted the retries,
    no connection) is no permission problem, and the fix is to run ``command`` (``ecr-replication check``) again."""
    reason = describe_error(error, account, action)
    if is_access_denied(error):
        return ReadFailure(reason, f"allow {action} to {access}")
    return ReadFailure(reason, f"run {command} again: AWS failed the call, which is no permission problem (botocore "
                               "already retried it; AWS_MAX_ATTEMPTS allows more tries)")


def error_code(error: Exception) -> str:
    """The AWS error code of ``error`` (e.g. ``NoSuchEntity``); ``""`` for an error botocore met itself."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return ""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def translated_errors(account: str, service: str, action: str | None = None) -> Iterator[None]:
    """Turn botocore errors raised inside the block into ``CliError`` lines (no traceback, no secrets).

    ``account`` names the account whose credentials make the calls; ``action`` overrides the IAM action
    derived from the failing operation (``service:Operation``; a call's operation is known when its client came
    from :meth:`replication.cli.sessions.AccountSession.client`, see :func:`name_the_operation`).
    """
    try:
        yield
    except botocore.exceptions.NoCredentialsError as error:
        raise CliError(NO_CREDENTIALS) from error
    except AwsError as error:
        operation = getattr(error, "operation_name", None)
        named = action or (f"{service}:{operation}" if operation else f"a call to {service}")
        raise CliError(describe_error(error, account, named)) from error


def name_the_operation(exception: Exception, event_name: str, **_: Any) -> None:
    """botocore's ``after-call-error`` handler: an error met on the way to AWS (no connection, an answer cut short)
    learns the operation whose request failed, as ``operation_name`` (the attribute a ``ClientError`` has), so its
    line can name the action. botocore emits the event as ``after-call-error.<service>.<Operation>``."""
    if getattr(exception, "operation_name", None) is None:
        exception.operation_name = event_name.rsplit(".", 1)[-1]  # type: ignore[attr-defined]
