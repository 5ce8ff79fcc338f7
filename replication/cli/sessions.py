"""The one place that makes boto3 sessions and clients for the live commands (their errors in words:
:mod:`replication.cli.aws_errors`).

Credentials come from botocore's own chain, a named profile, or a role assumed through STS on top of either. An
assumed role uses botocore's refreshing assume-role credentials, so a long ``status --wait`` or ``backfill``
outlives the role session. Before any registry is read, the credentials meant for its account are verified by
STS (``GetCallerIdentity``; for an assumed role, ``AssumeRole``'s own answer): a registry is only ever read with
credentials of its own account. An account nobody gave credentials for, or whose STS call AWS failed, is reported
as such, never read with other credentials; credentials given that can't be used are an error.

One region rule for every client a command makes, the STS clients that assume a role and verify an identity
included: the command's region is ``--region``, else the expected file's ``sourceRegion``, else botocore's chain
(``AWS_REGION``, then ``AWS_DEFAULT_REGION``, then the profile's ``region``). The source account's STS is asked in
that region; another account's in the region of the registry read there (the first, sorted, when there are
several), a region that account uses, so STS there can issue its credentials (IAM user guide, "Manage AWS STS in
an AWS Region": "the account from which temporary credentials are requested must activate the region"). A role is
only assumed in a region of its own partition: botocore resolves the regional STS endpoint there (its endpoint
rules; ``sts_regional_endpoints`` is ``regional`` by default), so a China role goes to
``sts.cn-north-1.amazonaws.com.cn`` and a GovCloud role to its GovCloud region's endpoint.

Everything else is botocore's: retries (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``; standard mode by default) and
endpoints (``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_<SERVICE>``). Every botocore session of one command run shares
one data loader, so botocore's data files (service models, endpoint rules, partitions) are parsed once, however
many accounts the command reads.
"""

from __future__ import annotations

import argparse
import copy
import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.credentials import (AssumeRoleCredentialFetcher, CredentialProvider, CredentialResolver, Credentials,
                                  DeferredRefreshableCredentials)
from botocore.hooks import HierarchicalEmitter
from botocore.retries import standard

from replication.cli import output
from replication.cli.aws_errors import (NO_CREDENTIALS, AwsError, ReadFailure, describe_error, is_aws_failure,
                                        name_the_operation, one_line, read_failure, throttling_of)
from replication.cli.errors import CliError
from replication.cli.side_by_side import in_order
from replication.ecr_semantics import Registry, account_of_role, partition_of
from replication.limits import ACCOUNT_ID_PATTERN
from replication.regions import unknown_region_problem

SessionFactory = Callable[..., boto3.Session]
"""Makes a boto3 session from ``botocore_session=``; ``boto3.Session`` itself, or a test's instrumented subclass.
Every client a command makes comes from a session it made, the STS client that assumes a role included."""

NO_REGION = "no AWS region: pass --region or set AWS_REGION (or the profile's region)"
"""The message when the region rule finds no region."""

SESSION_NAME = "ecr-replication-cli"
"""The role session name used when assuming a role; it shows in the account's CloudTrail."""

REGION_VARIABLES = ("region", ["AWS_REGION", "AWS_DEFAULT_REGION"], None, None)
"""botocore's ``region`` config variable with ``AWS_REGION`` first, as the AWS CLI v2 and the other SDKs read it."""


@dataclass(frozen=True)
class Access:
    """How to reach one account: a profile, a role to assume (from the profile, or the default chain), or both."""

    profile: str | None = None
    role_arn: str | None = None
    origin: str = field(default="", compare=False)
    """The options (or stack config keys) that gave it, for messages (``--destination-profile 2222...=ops``);
    empty for the default credential chain."""
    entry: str = field(default="", compare=False)
    """The stack config entry it comes from (``ecr-replication:destinations[0]``), whose keys a fix names; empty
    when options gave it, or nothing did."""

    @property
    def base(self) -> str:
        """The credentials it starts from (a role is assumed from them), in words."""
        return f"profile {self.profile}" if self.profile else "the default credential chain"

    def __str__(self) -> str:
        """The credentials in words, for messages (never a secret)."""
        return f"role {self.role_arn} (assumed from {self.base})" if self.role_arn else self.base

    def described(self) -> str:
        """The credentials and what gave them, in words, for the error that they can't be used."""
        given = f"given by {self.origin}" if self.origin else (
            f"{self.entry} names no profile or roleArn" if self.entry else "")
        if self.role_arn:
            return f"role {self.role_arn} ({given + ', ' if given else ''}assumed from {self.base})"
        return f"{self.base} ({given})" if given else self.base

    def no_credentials(self, account_id: str | None) -> str:
        """Why the default credential chain it starts from, which has no credentials, can't be used, and what gives
        it some, by whose credentials they are (``account_id``; ``None``: the source's)."""
        missing = ("the default credential chain has no credentials to assume it from" if self.role_arn
                   else "it has no credentials")
        environment = "or set AWS_PROFILE / AWS_ACCESS_KEY_ID"
        if account_id is None:
            ways = [f"give {self.entry} a profile"] * bool(self.entry) + ["pass --profile"]
        elif self.entry:
            ways = [f"give {self.entry} a profile{'' if self.role_arn else ' or roleArn'}",
                    f"pass --destination-profile {account_id}=PROFILE"
                    + ("" if self.role_arn else f" or --destination-role-arn {account_id}=ROLE_ARN")]
        else:
            ways = [f"pass --destination-profile {account_id}=PROFILE or --profile"]
        return f"{missing}: {', '.join(ways)}, {environment}"


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
    command: str
    """What to run again after an AWS failure (``ecr-replication check``)."""
    _cache: dict[tuple[str, str | None], Any] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """A botocore client for ``service`` in ``region`` (the session's region when omitted), made once."""
        key = (service, region or self.region)
        with self._lock:
            if key not in self._cache:
                client = self.session.client(service, region_name=key[1])
                client.meta.events.register("needs-retry", _RetryNotice(self.max_attempts))
                client.meta.events.register("after-call-error", name_the_operation)
                self._cache[key] = client
            return self._cache[key]

    def read_failure(self, error: Exception, account: str | None, action: str) -> ReadFailure:
        """Why ``action`` in ``account`` failed with these credentials, and the fix (``aws_errors.read_failure``:
        allow it to this session's access, or run its command again)."""
        return read_failure(error, account, action, self.access, self.command)


@dataclass(frozen=True)
class Unreachable:
    """An account whose registries can't be read: why, and the option (or the retry) that would reach it."""

    account_id: str
    reason: str
    hint: str


AccountAccess = Access | Unreachable
"""How to reach an account, or why it can't be reached before trying (a stack's encrypted ``profile``)."""


class Sessions:
    """The sessions of one command run: the source account's, and one per other account, each verified once.

    Safe across threads: an account asked for by several threads at once is opened once. The credentials roles are
    assumed from (a profile, or the default chain) are resolved once per (profile, region), and one STS client of
    theirs assumes every role.
    """

    def __init__(self, factory: SessionFactory, source: AccountAccess, region: str | None,
                 accounts: Mapping[str, AccountAccess] | None = None, command: str = "the command") -> None:
        """``source`` reaches the source registry in ``region`` (``None``: botocore's chain decides);
        ``accounts`` names how to reach other accounts (or why one can't be, before trying: an ``Unreachable``);
        ``command`` is what to run again after an AWS failure."""
        self._factory = factory
        self._source_access = source
        self._region = region
        self._accounts = dict(accounts or {})
        self._command = command
        self._loader: Any = None
        """botocore's data loader, shared by every botocore session this run makes (it caches what it parses)."""
        self._handlers: HierarchicalEmitter | None = None
        """botocore's built-in event handlers, registered once; each session gets a copy."""
        self._made: dict[tuple[str | None, ...], Any] = {}
        self._locks: dict[tuple[str | None, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_args(cls, args: argparse.Namespace, fallback_region: str | None = None,
                  source: AccountAccess | None = None, accounts: Mapping[str, AccountAccess] | None = None) -> Sessions:
        """The sessions the shared options describe (``--profile``, ``--role-arn``, ``--region`` and, where the
        command has them, ``--destination-profile``/``--destination-role-arn``), over ``source`` and ``accounts``
        (how a stack reaches each account, ``--stack``): an option given for an account replaces what the stack
        says for it. ``fallback_region`` (the stack's or the expected file's) comes after ``--region`` and before
        botocore's chain."""
        given = accounts_from_options(getattr(args, "destination_profile", []), getattr(args, "destination_role_arn", []),
                                      args.profile)
        if source is None or args.profile is not None or args.role_arn is not None:
            named = [f"--profile {args.profile}"] * bool(args.profile) + [f"--role-arn {args.role_arn}"] * bool(args.role_arn)
            source = Access(args.profile, args.role_arn, " with ".join(named))
        factory = args.session_factory or boto3.Session
        return cls(factory, source, args.region or fallback_region, {**(accounts or {}), **given},
                   f"ecr-replication {args.command}")

    def _once(self, key: tuple[str | None, ...], make: Callable[[], Any]) -> Any:
        """``make()``'s result, made once per ``key`` however many threads ask at once (a failure is not kept)."""
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._made:
                self._made[key] = make()
            return self._made[key]

    def source(self) -> AccountSession:
        """The source account's verified session; ``CliError`` when it can't be had (nothing works without it), with
        exit code 3 (not checked) when its credentials are unusable before trying (a stack's encrypted ``profile``)."""
        access = self._source_access
        if isinstance(access, Unreachable):
            raise CliError(f"account {access.account_id} (source) not checked: {access.reason}; {access.hint}",
                           exit_code=3)
        return self._once(("source",), functools.partial(self._open_source, access))

    def _open_source(self, access: Access) -> AccountSession:
        try:
            region = self._region or self._botocore_session(access.profile).get_config_variable("region")
        except botocore.exceptions.BotoCoreError as error:  # an unknown profile: its region can't be read either
            raise _unusable(None, access, one_line(str(error))) from None
        if not region:
            raise CliError(NO_REGION)
        if (problem := unknown_region_problem(region)) is not None:
            raise CliError(f"source region {region!r}: {problem}")
        if (problem := _partition_problem(access, region)) is not None:
            raise CliError(f"{access.origin or access}: {problem}; pass --region with a region of "
                           f"{_partition_of_arn(access.role_arn)}")
        reached = self._reach(access, region)
        if isinstance(reached, Unreachable):  # nothing works without the source: an error, not an account unchecked
            raise CliError(f"source account: {reached.reason}; {reached.hint}")
        session, found = reached
        session.account_id = found
        return session

    def account(self, account_id: str, region: str) -> AccountSession | Unreachable:
        """A session verified to be in ``account_id`` (``region``, a region of its registries, is where its STS is
        asked, the first time), or why there is none.

        The source credentials serve only the source account: another account needs its own
        ``--destination-role-arn`` or ``--destination-profile``. ``CliError`` when the credentials given for the
        account can't be used (an unknown profile, a role that can't be assumed, credentials of another account):
        a run that can't use what it was given is an error, not an account left unchecked.
        """
        source = self.source()
        if account_id == source.account_id and account_id not in self._accounts:
            return source
        return self._once(("account", account_id), functools.partial(self._verified, account_id, region))

    def accounts(self, registries: Iterable[Registry]) -> dict[str, AccountSession | Unreachable]:
        """The session of every account ``registries`` lie in, opened side by side (a bounded pool) and each
        verified in the first (sorted) of its registries' regions; by account id, in sorted order."""
        first: dict[str, str] = {}
        for registry in sorted(registries):
            first.setdefault(registry.account_id, registry.region)
        self.source()
        return dict(zip(first, in_order([functools.partial(self.account, a, r) for a, r in first.items()])))

    def _verified(self, account_id: str, region: str) -> AccountSession | Unreachable:
        """A session for ``account_id`` whose credentials STS says are in that account; ``Unreachable`` when none
        were given, or AWS failed the calls (the credentials may be fine: running again may reach it)."""
        hint = f"pass --destination-role-arn {account_id}=ROLE_ARN or --destination-profile {account_id}=PROFILE"
        access = self._accounts.get(account_id)
        if access is None:
            return Unreachable(account_id, f"no credentials were given for account {account_id}", hint)
        if isinstance(access, Unreachable):
            return access
        if (problem := _partition_problem(access, region)) is not None:
            raise _unusable(account_id, access, f"{problem}; give a role of partition {partition_of(region).name} "
                                                f"for account {account_id}")
        reached = self._reach(access, region, account_id)
        if isinstance(reached, Unreachable):
            return reached
        session, found = reached
        if found != account_id:
            raise _unusable(account_id, access, f"it reaches account {found}, not {account_id}")
        return session

    def _reach(self, access: Access, region: str,
               account_id: str | None = None) -> tuple[AccountSession, str] | Unreachable:
        """A session of ``access`` in ``region`` and the account STS says its credentials are in; ``Unreachable``
        when AWS failed the STS call (the credentials may be fine: running again may reach it). ``CliError`` when
        the credentials can't be used (an unknown profile, a profile without credentials, a role STS refuses to
        assume), naming the option or stack config key that gave them; when nothing was given for the source, an
        empty credential chain is :data:`NO_CREDENTIALS`, which names the options that give some. ``account_id`` is
        the account they were given for (``None``: the source's, not known yet)."""
        try:
            session = self._open(access, region, account_id or "")
            return session, _identity(session)
        except _NoCredentials:
            if account_id is None and not access.origin and not access.entry:
                raise
            raise _unusable(account_id, access, access.no_credentials(account_id)) from None
        except CliError as error:
            if account_id is None and not access.origin:
                raise
            raise _unusable(account_id, access, str(error)) from None
        except AwsError as error:
            action = f"sts:{_operation(error)}"
            if is_aws_failure(error):
                failure = read_failure(error, account_id, action, access, self._command)
                return Unreachable(account_id or "", f"{access} could not be verified: {failure.reason}", failure.fix)
            if isinstance(error, botocore.exceptions.ClientError):
                raise _unusable(account_id, access, describe_error(error, account_id, action)) from None
            raise _unusable(account_id, access, one_line(str(error))) from None

    def _botocore_session(self, profile: str | None, region: str | None = None) -> botocore.session.Session:
        """A botocore session for ``profile`` in ``region`` (else ``AWS_REGION`` first in its region chain) made
        from what this run's first session built: its data loader, so botocore's data files are parsed once per
        run, and a copy of its table of botocore's built-in event handlers, which botocore would otherwise register
        one by one for every session (the same handlers either way)."""
        with self._lock:
            if self._handlers is None:
                self._handlers = HierarchicalEmitter()
                botocore.session.Session(event_hooks=self._handlers)  # registers botocore's built-in handlers there
            handlers = copy.copy(self._handlers)
        session = botocore.session.Session(profile=profile, session_vars={"region": REGION_VARIABLES},
                                           event_hooks=handlers, include_builtin_handlers=False)
        if region is not None:
            session.set_config_variable("region", region)
        with self._lock:
            if self._loader is None:
                self._loader = session.get_component("data_loader")
            else:
                session.register_component("data_loader", self._loader)
        return session

    def _credentials(self, access: Access, region: str, account_id: str = "") -> AccountSession:
        """A session of ``access.profile``'s credentials (or the default chain's), not verified (``account_id`` is
        the account they are meant for), whose clients are all in ``region`` (botocore's own assume-role for a
        ``role_arn`` profile included). An unknown profile or an empty credential chain is a ``CliError``."""
        session = self._botocore_session(access.profile, region)
        if session.get_credentials() is None:
            if not access.profile:
                raise _NoCredentials(NO_CREDENTIALS)
            raise CliError(f"profile {access.profile} has no credentials")
        attempts = session.get_config_variable("max_attempts") or standard.DEFAULT_MAX_ATTEMPTS
        return AccountSession(self._factory(botocore_session=session), account_id, region, access, attempts,
                              self._command)

    def _open(self, access: Access, region: str, account_id: str = "") -> AccountSession:
        """A session for ``access`` whose every client, the STS client assuming its role included, is in
        ``region``; not verified yet (``account_id`` is the account it is meant for)."""
        if access.role_arn is None:
            return self._credentials(access, region, account_id)
        # Roles are assumed from credentials shared per (profile, region), by their one STS client there: it signs
        # with the very credentials botocore's fetcher would freeze into a new client on every refresh.
        base: AccountSession = self._once(("credentials", access.profile, region),
                                          functools.partial(self._credentials, Access(access.profile), region))
        chosen = self._botocore_session(access.profile, region)
        chosen.register_component("credential_provider", CredentialResolver([_AssumedRole(
            lambda service, **_: base.client(service, region), base.session.get_credentials(), access.role_arn)]))
        return AccountSession(self._factory(botocore_session=chosen), account_id, region, access, base.max_attempts,
                              self._command)


def _identity(session: AccountSession) -> str:
    """The account ``session``'s credentials are in, as STS says: for an assumed role, the account of the role
    session ``AssumeRole`` answered with (``AssumedRoleUser.Arn``, which botocore's fetcher keeps as the
    credentials' account; STS API reference, AssumeRole); for other credentials, ``GetCallerIdentity``'s answer."""
    if session.access.role_arn is not None:
        found = session.session.get_credentials().get_frozen_credentials().account_id
        if found:
            return str(found)
    return str(session.client("sts").get_caller_identity()["Account"])


def _partition_of_arn(arn: str | None) -> str | None:
    """The partition an ARN names (``arn:<partition>:...``), if it is one."""
    parts = (arn or "").split(":")
    return parts[1] if len(parts) > 1 and parts[0] == "arn" else None


def _partition_problem(access: Access, region: str) -> str | None:
    """Why the role of ``access`` can't be assumed in ``region``: STS issues a role's credentials only in the role's
    own partition (a China role in a China region, a GovCloud role in a GovCloud region)."""
    role_partition = _partition_of_arn(access.role_arn)
    region_partition = partition_of(region).name
    if role_partition is None or role_partition == region_partition:
        return None
    return (f"role {access.role_arn} is in partition {role_partition}, but region {region} is in {region_partition}: "
            "STS of one partition can't assume a role of another")


def _operation(error: Exception) -> str:
    """The STS operation that failed: ``AssumeRole`` when assuming the role did, else ``GetCallerIdentity``."""
    return getattr(error, "operation_name", None) or "GetCallerIdentity"


def _unusable(account_id: str | None, access: Access, reason: str) -> CliError:
    """The error for credentials given for ``account_id`` (``None``: the source account) that can't be used there."""
    return CliError(f"{f'account {account_id}' if account_id else 'source account'}: {access.described()} can't be "
                    f"used: {reason}")


class _NoCredentials(CliError):
    """The default credential chain has no credentials (:data:`NO_CREDENTIALS`); what to do depends on whose they
    were to be (:meth:`Access.no_credentials`)."""


class _AssumedRole(CredentialProvider):
    """Credentials of a role, assumed with another session's credentials and refreshed by botocore before they
    expire (the same fetcher botocore uses for ``role_arn`` profiles)."""

    METHOD = "assume-role"

    def __init__(self, client_creator: Callable[..., Any], source_credentials: Credentials, role_arn: str) -> None:
        """Assume ``role_arn`` with ``source_credentials`` through STS clients ``client_creator`` makes."""
        super().__init__()
        self._fetcher = AssumeRoleCredentialFetcher(
            client_creator=client_creator,
            source_credentials=source_credentials,
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

    def __call__(self, attempts: int, operation: Any, **needs_retry: Any) -> None:
        """botocore's ``needs-retry`` handler: a note for a throttled attempt that botocore will make again."""
        throttled = throttling_of(attempts=attempts, operation=operation, **needs_retry)
        if attempts < self._max_attempts and throttled:
            service = operation.service_model.signing_name
            output.note(f"{service}:{operation.name} throttled ({throttled}), "
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
            role_account = account_of_role(name) if option == "role_arn" else None
            if option == "role_arn" and role_account != account:
                raise CliError(f"--destination-role-arn {value!r}: the role must be a role ARN in account {account}, "
                               f"so it can read that account's registries (it names {role_account or 'no account'})")
            named.setdefault(account, {})[option] = name
    accounts = {}
    for account, options in named.items():
        given = [f"--destination-{option.replace('_', '-')} {account}={value}" for option, value in options.items()]
        profile = options.get("profile")
        if "role_arn" in options and profile is None and source_profile:
            profile = source_profile
            given.append(f"--profile {source_profile}")
        accounts[account] = Access(profile, options.get("role_arn"), " with ".join(given))
    return accounts
