"""The one place that makes boto3 sessions and clients for the live commands, and turns AWS errors into one line.

Credentials come from botocore's own chain, a named profile, or a role assumed through STS on top of either. An
assumed role uses botocore's refreshing assume-role credentials, so a long ``status --wait`` or ``backfill``
outlives the role session. Before any registry is read, the credentials meant for its account are verified with
STS ``GetCallerIdentity``: a registry is only ever read with credentials of its own account, and an account that
can't be reached that way is reported as such, never read with other credentials.

Everything else is botocore's: the region (``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the profile),
retries (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``; standard mode by default) and endpoints
(``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``).
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.credentials import (AssumeRoleCredentialFetcher, CredentialProvider, CredentialResolver,
                                  DeferredRefreshableCredentials)
from botocore.retries import standard

from replication.cli import output
from replication.cli.errors import CliError
from replication.iam_policy import account_of_principal
from replication.limits import ACCOUNT_ID_PATTERN
from replication.regions import unknown_region_problem

SessionFactory = Callable[..., boto3.Session]
"""Makes a boto3 session from ``botocore_session=``; ``boto3.Session`` itself, or a test's instrumented subclass."""

NO_CREDENTIALS = "no AWS credentials found: pass --profile or --role-arn, or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
"""The message for a missing credential chain; it never echoes any credential."""

SESSION_NAME = "ecr-replication-cli"
"""The role session name used when assuming a role; it shows in the account's CloudTrail."""

REGION_VARIABLES = ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None)
"""botocore's ``region`` config variable with ``AWS_REGION`` first, as the AWS CLI v2 and the other SDKs read it."""


@dataclass(frozen=True)
class Access:
    """How to reach one account: a profile, a role to assume (from the profile, or the default chain), or both."""

    profile: str | None = None
    role_arn: str | None = None

    def __str__(self) -> str:
        """The credentials in words, for messages (never a secret)."""
        base = f"profile {self.profile}" if self.profile else "the default credential chain"
        return f"role {self.role_arn} (assumed from {base})" if self.role_arn else base


@dataclass
class AccountSession:
    """Credentials verified to be in ``account_id``; clients cached per (service, region), safe across threads.

    boto3 sessions are not thread-safe but clients are, so clients are made under a lock and then shared.
    """

    session: boto3.Session
    account_id: str
    region: str | None
    """The region used when a call names none."""
    access: Access
    max_attempts: int
    """Attempts botocore makes per call, the first included (``AWS_MAX_ATTEMPTS``, else standard mode's default)."""
    _cache: dict[tuple[str, str | None], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """A botocore client for ``service`` in ``region`` (the session's region when omitted)."""
        key = (service, region or self.region)
        with self._lock:
            if key not in self._cache:
                client = self.session.client(service, region_name=key[1])
                client.meta.events.register("needs-retry", _RetryNotice(self.max_attempts))
                self._cache[key] = client
            return self._cache[key]


@dataclass(frozen=True)
class Unreachable:
    """An account whose registries can't be read: why, and the option that would reach it."""

    account_id: str
    reason: str
    hint: str


AccountAccess = Access | Unreachable
"""How to reach an account, or why it can't be reached before trying (a stack's encrypted ``profile``)."""


class Sessions:
    """The sessions of one command run: the source account's, and one per other account, each verified once."""

    def __init__(self, factory: SessionFactory, source: AccountAccess, region: str | None,
                 accounts: Mapping[str, AccountAccess] | None = None) -> None:
        """``source`` reaches the source registry in ``region``; ``accounts`` names how to reach other accounts."""
        self._factory = factory
        self._source_access = source
        self._region = region
        self._accounts = dict(accounts or {})
        self._opened: dict[str, AccountSession | Unreachable] = {}
        self._source: AccountSession | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, fallback_region: str | None = None,
                  source: AccountAccess | None = None, accounts: Mapping[str, AccountAccess] | None = None) -> Sessions:
        """The sessions the shared options describe (``--profile``, ``--role-arn``, ``--region`` and, where the
        command has them, ``--destination-profile``/``--destination-role-arn``), over ``source`` and ``accounts``
        (how a stack reaches each account, ``--stack``): an option given for an account replaces what the stack
        says for it."""
        given = accounts_from_options(getattr(args, "destination_profile", []), getattr(args, "destination_role_arn", []),
                                      args.profile)
        if source is None or args.profile is not None or args.role_arn is not None:
            source = Access(args.profile, args.role_arn)
        factory = args.session_factory or boto3.Session
        return cls(factory, source, args.region or fallback_region, {**(accounts or {}), **given})

    def source(self) -> AccountSession:
        """The source account's verified session; ``CliError`` when it can't be had (nothing works without it), with
        exit code 3 (not checked) when its credentials are unusable before trying."""
        access = self._source_access
        if isinstance(access, Unreachable):
            raise CliError(f"account {access.account_id} (source) not checked: {access.reason}; {access.hint}",
                           exit_code=3)
        if self._source is None:
            session, attempts = self._open(access)
            region = self._region or session.region_name
            if not region:
                raise CliError("no AWS region: pass --region or set AWS_REGION (or the profile's region)")
            if (problem := unknown_region_problem(region)) is not None:
                raise CliError(f"source region {region!r}: {problem}")
            with translated_errors(None, "sts"):
                account = session.client("sts", region_name=region).get_caller_identity()["Account"]
            self._source = AccountSession(session, account, region, access, attempts)
        return self._source

    def account(self, account_id: str, region: str) -> AccountSession | Unreachable:
        """A session verified to be in ``account_id`` (``region`` is where its STS is asked), or why there is none.

        The source credentials serve only the source account: another account needs its own
        ``--destination-role-arn`` or ``--destination-profile``.
        """
        source = self.source()
        if account_id == source.account_id and account_id not in self._accounts:
            return source
        if account_id not in self._opened:
            self._opened[account_id] = self._verified(account_id, region)
        return self._opened[account_id]

    def _verified(self, account_id: str, region: str) -> AccountSession | Unreachable:
        """A session for ``account_id`` whose credentials STS says are in that account."""
        hint = f"pass --destination-role-arn {account_id}=ROLE_ARN or --destination-profile {account_id}=PROFILE"
        access = self._accounts.get(account_id)
        if access is None:
            return Unreachable(account_id, f"no credentials were given for account {account_id}", hint)
        if isinstance(access, Unreachable):
            return access
        try:
            session, attempts = self._open(access)
            with translated_errors(account_id, "sts"):
                found = session.client("sts", region_name=region).get_caller_identity()["Account"]
        except CliError as error:
            return Unreachable(account_id, f"{access} can't be used: {error}", hint)
        if found != account_id:
            return Unreachable(account_id, f"{access} reaches account {found}, not {account_id}", hint)
        return AccountSession(session, account_id, region, access, attempts)

    def _open(self, access: Access) -> tuple[boto3.Session, int]:
        """A session for ``access`` and the attempts botocore makes per call; an unknown profile or an empty
        credential chain is a ``CliError``."""
        with translated_errors(None, "sts"):
            base = botocore.session.Session(profile=access.profile, session_vars={"region": REGION_VARIABLES})
            if base.get_credentials() is None:
                raise CliError(NO_CREDENTIALS)
            chosen = base
            if access.role_arn is not None:
                chosen = botocore.session.Session(profile=access.profile, session_vars={"region": REGION_VARIABLES})
                chosen.register_component("credential_provider", CredentialResolver([_AssumedRole(base, access.role_arn)]))
            attempts = chosen.get_config_variable("max_attempts") or standard.DEFAULT_MAX_ATTEMPTS
            return self._factory(botocore_session=chosen), attempts


class _AssumedRole(CredentialProvider):
    """Credentials of a role, assumed with another session's credentials and refreshed by botocore before they
    expire (the same fetcher botocore uses for ``role_arn`` profiles)."""

    METHOD = "assume-role"

    def __init__(self, base: botocore.session.Session, role_arn: str) -> None:
        super().__init__()
        self._fetcher = AssumeRoleCredentialFetcher(
            client_creator=base.create_client,
            source_credentials=base.get_credentials(),
            role_arn=role_arn,
            extra_args={"RoleSessionName": SESSION_NAME},
        )

    def load(self) -> DeferredRefreshableCredentials:
        """Credentials fetched on first use and again whenever they near expiry."""
        return DeferredRefreshableCredentials(refresh_using=self._fetcher.fetch_credentials, method=self.METHOD)


class _RetryNotice:
    """Says on stderr when botocore retries a throttled call, so a slow run is not a silent one."""

    def __init__(self, max_attempts: int) -> None:
        self._max_attempts = max_attempts

    def __call__(self, attempts: int, operation: Any, response: Any = None, caught_exception: Any = None,
                 **_: Any) -> None:
        context = standard.RetryContext(attempt_number=attempts, operation_model=operation,
                                        parsed_response=response[1] if response else None,
                                        http_response=response[0] if response else None,
                                        caught_exception=caught_exception)
        if attempts < self._max_attempts and standard.ThrottledRetryableChecker().is_retryable(context):
            service = operation.service_model.signing_name
            output.note(f"{service}:{operation.name} throttled ({context.get_error_code()}), "
                        f"retrying ({attempts}/{self._max_attempts - 1})")


def accounts_from_options(profiles: list[str], role_arns: list[str], source_profile: str | None) -> dict[str, Access]:
    """Per-account access from repeated ``ACCOUNT=PROFILE`` and ``ACCOUNT=ROLE_ARN`` options.

    A role given without a profile for its account is assumed from ``--profile`` (the source's credentials).
    """
    named: dict[str, dict[str, str]] = {}
    for option, values in (("profile", profiles), ("role_arn", role_arns)):
        for value in values:
            account, sep, name = value.partition("=")
            if not sep or not ACCOUNT_ID_PATTERN.match(account) or not name:
                raise CliError(f"expected ACCOUNT=VALUE with a 12-digit account id, got {value!r}")
            role_account = account_of_principal(name) if option == "role_arn" else None
            if option == "role_arn" and role_account != account:
                raise CliError(f"--destination-role-arn {value!r}: the role must be a role ARN in account {account}, "
                               f"so it can read that account's registries (it names {role_account or 'no account'})")
            named.setdefault(account, {})[option] = name
    return {
        account: Access(options.get("profile", source_profile if "role_arn" in options else None), options.get("role_arn"))
        for account, options in named.items()
    }


NOT_FOUND = {"RepositoryNotFoundException": "unknown repository", "ImageNotFoundException": "unknown image"}
"""Error codes that mean the user named something that does not exist."""


def is_access_denied(error: Exception) -> bool:
    """Whether AWS refused the call for want of permission (``AccessDeniedException``, ``AccessDenied``,
    ``UnauthorizedOperation``), rather than failing it (a 5xx, throttling, a bad request)."""
    code = error_code(error)
    return "AccessDenied" in code or code == "UnauthorizedOperation"


def describe_error(error: Exception, account: str, action: str) -> str:
    """One readable line for an error a botocore call raised (see :data:`AwsError`)."""
    if isinstance(error, botocore.exceptions.ClientError):
        return describe_client_error(error, account, action)
    return f"{action} failed: {' '.join(str(error).split())}"


def describe_client_error(error: botocore.exceptions.ClientError, account: str, action: str) -> str:
    """One readable line for an AWS error: access denials name the account and the action."""
    code = error_code(error)
    message = " ".join(str(error.response.get("Error", {}).get("Message", "")).split())
    if is_access_denied(error):
        return f"access denied: account {account} is not allowed to call {action} ({message or code})"
    if code in NOT_FOUND:
        return f"{NOT_FOUND[code]} in account {account}: {message}"
    if standard.ThrottledRetryableChecker().is_retryable(_context_of(error)):
        return f"{action} in account {account} is still throttled after retries ({code}); retry later or raise AWS_MAX_ATTEMPTS"
    return f"{action} failed in account {account}: {code}: {message}"


AwsError = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
"""What a botocore call raises: an error AWS answered, or one botocore met on the way (no connection, a bad
response)."""


@dataclass(frozen=True)
class ReadFailure:
    """Why reading something with one account's credentials failed, in one line, and what would fix it."""

    reason: str
    fix: str


def read_failure(error: Exception, account: str, action: str, access: Access, command: str) -> ReadFailure:
    """The failure of ``action`` in ``account``: a missing permission (the fix: allow it to ``access``) only for an
    access denial; anything else (a server error, throttling that outlasted the retries, no connection) is no
    permission problem, and the fix is to run ``command`` again."""
    reason = describe_error(error, account, action)
    if is_access_denied(error):
        return ReadFailure(reason, f"allow {action} to {access}")
    return ReadFailure(reason, f"run {command} again: AWS failed the call, which is no permission problem (botocore "
                               "already retried it; AWS_MAX_ATTEMPTS allows more tries)")


def _context_of(error: botocore.exceptions.ClientError) -> standard.RetryContext:
    return standard.RetryContext(attempt_number=1, parsed_response=error.response)


def error_code(error: Exception) -> str:
    """The AWS error code of ``error`` (e.g. ``NoSuchEntity``); ``""`` for an error botocore met itself."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return ""
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
        raise CliError(f"{action or service}: {' '.join(str(error).split())}") from error
