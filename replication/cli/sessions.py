"""The one place that builds boto3 sessions and clients, and turns AWS errors into one-line CLI errors.

Credentials come from the standard boto3 chain, a named ``--profile``, or a role assumed through STS
(``--role-arn``). Every client gets botocore's ``standard`` or ``adaptive`` retry mode, so throttling is
retried with backoff. Tests inject a ready ``boto3.Session`` instead of the chain.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from replication.cli.options import positive_int
from replication.cli.errors import CliError

RETRY_MODES: tuple[str, ...] = ("standard", "adaptive")
"""The botocore retry modes that back off on throttling errors."""

DEFAULT_MAX_ATTEMPTS = 8
"""Total attempts per API call (first try included) before a throttled call gives up."""

NO_CREDENTIALS = "no AWS credentials found: pass --profile or --role-arn, or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
"""The message for a missing credential chain; it never echoes any credential."""

SESSION_FOR_TESTS: boto3.Session | None = None
"""When set (tests only), every command uses this session in place of the default credential chain."""

SESSION_NAME = "ecr-replication-cli"
"""The role session name used when assuming ``--role-arn``; it shows in the destination's CloudTrail."""


@dataclass(frozen=True)
class Credentials:
    """Where one account's credentials come from: a profile, a role to assume, or both (profile assumes)."""

    profile: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class RetryOptions:
    """botocore retry settings applied to every client."""

    mode: str = "standard"
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def config(self) -> Config:
        """The botocore ``Config`` carrying these retry settings."""
        return Config(retries={"mode": self.mode, "total_max_attempts": self.max_attempts})


@dataclass
class Clients:
    """boto3 clients of one account, cached per (service, region) and safe to share between threads.

    boto3 sessions are not thread-safe but clients are, so clients are created under a lock and then
    handed to worker threads.
    """

    session: boto3.Session
    default_region: str | None
    """The region used when a call names none."""
    retry: RetryOptions = field(default_factory=RetryOptions)
    account: str | None = None
    """The account id when known (from the caller's request, a registry id or STS)."""
    _cache: dict[tuple[str, str | None], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """A botocore client for ``service`` in ``region`` (the session's region when omitted)."""
        key = (service, region or self.default_region)
        with self._lock:
            if key not in self._cache:
                self._cache[key] = self.session.client(service, region_name=key[1], config=self.retry.config())
            return self._cache[key]

    def account_id(self) -> str:
        """The account id of these credentials, asking STS once when it is not known yet."""
        if self.account is None:
            with translated_errors(None, "sts"):
                self.account = self.client("sts").get_caller_identity()["Account"]
        return self.account


def add_live_command(subparsers: argparse._SubParsersAction, name: str, summary: str, description: str,
                     func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """Add a sub-command that calls AWS: its parser gets the source credential, region, retry and ``--json`` options."""
    parser = subparsers.add_parser(name, help=summary, description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(func=func)
    parser.add_argument("--json", action="store_true", help="print JSON on stdout instead of text")
    group = parser.add_argument_group("AWS access (source registry)")
    group.add_argument("--profile", help="named AWS profile (default: the standard credential chain)")
    group.add_argument("--role-arn", help="IAM role to assume through STS before calling ECR")
    group.add_argument("--region", help="region of the source registry (default: the profile's region)")
    group.add_argument("--retry-mode", choices=RETRY_MODES, default="standard", help="botocore retry mode")
    group.add_argument("--max-attempts", type=positive_int, default=DEFAULT_MAX_ATTEMPTS, help="attempts per call, first included")
    return parser


def source_clients(args: argparse.Namespace, fallback_region: str | None = None) -> Clients:
    """The source account's clients from the shared options; ``fallback_region`` comes before the profile's.

    The account id is asked of STS up front (no permission needed), so credential problems surface first
    and every later error can name the account.
    """
    credentials = Credentials(args.profile, args.role_arn)
    clients = account_clients(credentials, args.region or fallback_region, RetryOptions(args.retry_mode, args.max_attempts))
    clients.account_id()
    return clients


def account_clients(credentials: Credentials, region: str | None, retry: RetryOptions, account: str | None = None) -> Clients:
    """Clients of one account (``account`` when already known), after checking for credentials and a region."""
    with translated_errors(account, "sts"):
        session = SESSION_FOR_TESTS or boto3.Session(profile_name=credentials.profile)
        if session.get_credentials() is None:
            raise CliError(NO_CREDENTIALS)
    region = region or session.region_name
    if not region:
        raise CliError("no AWS region: pass --region or set AWS_REGION / the profile's region")
    if credentials.role_arn:
        session = assumed_role_session(Clients(session, region, retry), credentials.role_arn)
    return Clients(session, region, retry, account)


def assumed_role_session(caller: Clients, role_arn: str) -> boto3.Session:
    """A session with the temporary credentials of ``role_arn``, assumed by ``caller`` through STS."""
    with translated_errors(caller.account, "sts", action=f"sts:AssumeRole on {role_arn}"):
        issued = caller.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=SESSION_NAME)["Credentials"]
    return boto3.Session(
        aws_access_key_id=issued["AccessKeyId"],
        aws_secret_access_key=issued["SecretAccessKey"],
        aws_session_token=issued["SessionToken"],
    )


NOT_FOUND = {"RepositoryNotFoundException": "unknown repository", "ImageNotFoundException": "unknown image"}
"""Error codes that mean the user named something that does not exist."""


def describe_client_error(error: botocore.exceptions.ClientError, account: str, action: str) -> str:
    """One readable line for an AWS error: access denials name the account and the action."""
    code = error_code(error)
    message = error.response.get("Error", {}).get("Message", "")
    if "AccessDenied" in code or code == "UnauthorizedOperation":
        return f"access denied: account {account} is not allowed to call {action} ({message or code})"
    if code in NOT_FOUND:
        return f"{NOT_FOUND[code]} in account {account}: {message}"
    if code in {"ThrottlingException", "TooManyRequestsException", "Throttling", "RequestLimitExceeded"}:
        return f"{action} in account {account} is still throttled after retries ({code}); retry later or raise --max-attempts"
    return f"{action} failed in account {account}: {code}: {message}"


def error_code(error: botocore.exceptions.ClientError) -> str:
    """The AWS error code of ``error`` (e.g. ``NoSuchEntity``)."""
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


@contextmanager
def translated_errors(account: str | None, service: str, action: str | None = None) -> Iterator[None]:
    """Turn botocore errors raised inside the block into ``CliError`` lines (no traceback, no secrets).

    ``account`` names the account whose credentials make the calls; ``action`` overrides the IAM action
    derived from the failing operation.
    """
    try:
        yield
    except botocore.exceptions.NoCredentialsError as error:
        raise CliError(NO_CREDENTIALS) from error
    except botocore.exceptions.ClientError as error:
        named = action or f"{service}:{error.operation_name}"
        raise CliError(describe_client_error(error, account or "(unknown)", named)) from error
    except botocore.exceptions.BotoCoreError as error:
        raise CliError(f"{action or service}: {error}") from error
