"""A record of every AWS call the live commands make while the CLI tests run (``tests/cli/test_cli_permissions.py``
holds ``ecr-replication permissions`` against it).

How it sees the calls: ``tests/cli/conftest.py`` wraps ``replication.cli.main.build_parser`` for every test, so each
command line a test parses (through ``main()``, ``Cli.main`` or ``Cli.parse``) gets, in place of the session
factory the test injected (``boto3.Session`` when none), one that wraps every session the command opens, and every
client of those sessions, whatever the test's hooks made of it (a ``RoutedClient`` whose operations a Stubber
answers included). A call is recorded when the command makes it, before anyone answers it: moto, a Stubber, or a
``before-call`` responder.

Whose credentials make a call: :func:`label_sessions` marks each session the moment ``Sessions`` has verified it,
as the source account's (``Sessions._open_source``) or a destination account's (``Sessions._verified``), with the
account it verified. Calls made before that are the verification itself (``sts:GetCallerIdentity``, which needs no
permission) and, on the sessions roles are assumed from, ``sts:AssumeRole``: a permission of those credentials, not
of the role the command then uses (:data:`ASSUMING_CREDENTIALS`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from replication.cli.command_calls import LIVE_COMMANDS
from replication.cli.sessions import AccountSession, Sessions
from replication.ecr_semantics import Registry

SOURCE_CREDENTIALS, DESTINATION_CREDENTIALS = "source", "destination"
"""Whose credentials made a call: the keys of ``ecr-replication permissions --json``."""

ASSUMING_CREDENTIALS = "assuming"
"""Credentials no command reads with: the ones a role is assumed from, or a session not verified yet."""


@dataclass(frozen=True)
class RecordedCall:
    """One API call a command made."""

    command: str
    credentials: str
    """:data:`SOURCE_CREDENTIALS`, :data:`DESTINATION_CREDENTIALS` or :data:`ASSUMING_CREDENTIALS`."""
    action: str
    """The IAM action: the service's signing name and the operation (``ecr:DescribeRegistry``)."""
    registry: Registry | None
    """The account the credentials are in (``None``: not verified yet) and the client's region."""
    params: Mapping[str, Any]
    test: str
    """The node id of the test that ran the command."""
    repositories: tuple[str, ...] = ()
    """The ``--repository`` of a ``verify`` run, which ``permissions verify --repository`` grants."""


@dataclass
class CallRecorder:
    """Every call recorded in this pytest session, and the tests that ran."""

    calls: list[RecordedCall] = field(default_factory=list)
    tests: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, call: RecordedCall) -> None:
        """Record one call (commands call from several threads)."""
        with self._lock:
            self.calls.append(call)

    def recording(self, build_parser: Callable[..., Any], test: str) -> Callable[..., Any]:
        """``build_parser`` whose parsers give each live command a recording session factory."""
        self.tests.add(test)

        def build(*args: Any, **kwargs: Any) -> Any:
            parser = build_parser(*args, **kwargs)
            parse = parser.parse_args

            def parse_args(*args: Any, **kwargs: Any) -> Any:
                parsed = parse(*args, **kwargs)
                if getattr(parsed, "command", None) in LIVE_COMMANDS:
                    repositories = (parsed.repository,) if parsed.command == "verify" and parsed.repository else ()
                    run = _Run(self, parsed.command, test, parsed.session_factory or boto3.Session, repositories)
                    parsed.session_factory = run.session
                return parsed

            parser.parse_args = parse_args
            return parser

        return build


def label_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mark each session ``Sessions`` verifies with whose credentials it holds and the account they are in."""

    def labelled(verify: Callable[..., Any], credentials: str) -> Callable[..., Any]:
        def verified(*args: Any, **kwargs: Any) -> Any:
            opened = verify(*args, **kwargs)
            if isinstance(opened, AccountSession) and isinstance(opened.session, _Session):
                opened.session.credentials, opened.session.account = credentials, opened.account_id
            return opened

        return verified

    monkeypatch.setattr(Sessions, "_open_source", labelled(Sessions._open_source, SOURCE_CREDENTIALS))
    monkeypatch.setattr(Sessions, "_verified", labelled(Sessions._verified, DESTINATION_CREDENTIALS))


@dataclass
class _Run:
    """One command run."""

    recorder: CallRecorder
    command: str
    test: str
    factory: Callable[..., Any]
    repositories: tuple[str, ...]

    def session(self, **kwargs: Any) -> _Session:
        """The session the command asked for, wrapped."""
        return _Session(self, self.factory(**kwargs))


class _Session:
    """A boto3 session whose clients record their calls."""

    def __init__(self, run: _Run, session: Any) -> None:
        self._run, self._session = run, session
        self.credentials = ASSUMING_CREDENTIALS
        self.account: str | None = None

    def client(self, *args: Any, **kwargs: Any) -> _Client:
        """The session's client, wrapped."""
        return _Client(self, self._session.client(*args, **kwargs))

    def record(self, action: str, region: str | None, params: Mapping[str, Any]) -> None:
        registry = Registry(self.account, str(region)) if self.account else None
        self._run.recorder.add(RecordedCall(self._run.command, self.credentials, action, registry, dict(params),
                                            self._run.test, self._run.repositories))

    def __getattr__(self, name: str) -> Any:
        """Everything else (``region_name``, ...) from the session."""
        return getattr(self._session, name)


class _Client:
    """A client (or a test's wrapper of one) whose operations record themselves when called."""

    def __init__(self, session: _Session, client: Any) -> None:
        self._session, self._client = session, client

    def _action(self, operation: str) -> str:
        return f"{self._client.meta.service_model.signing_name}:{operation}"

    def __getattr__(self, name: str) -> Any:
        """An operation that records itself, or anything else of the client as it is."""
        attribute = getattr(self._client, name)
        operation = self._client.meta.method_to_api_mapping.get(name)
        if operation is None:
            return attribute

        def call(**params: Any) -> Any:
            self._session.record(self._action(operation), self._client.meta.region_name, params)
            return attribute(**params)

        return call

    def get_paginator(self, name: str) -> _Paginator:
        """The operation's paginator; paginating records the operation."""
        return _Paginator(self, self._action(self._client.meta.method_to_api_mapping[name]),
                          self._client.get_paginator(name))


class _Paginator:
    """A paginator whose ``paginate`` records its operation (once: each page is the same action)."""

    def __init__(self, client: _Client, action: str, paginator: Any) -> None:
        self._client, self._action, self._paginator = client, action, paginator

    def paginate(self, **params: Any) -> Any:
        self._client._session.record(self._action, self._client._client.meta.region_name, params)
        return self._paginator.paginate(**params)


RECORDED_CALLS = pytest.StashKey[CallRecorder]()
"""Where the pytest session keeps its record (``config.stash``). Defined here, not in ``conftest.py``: pytest
imports a conftest under its own module name, so a test importing ``tests.cli.conftest`` gets another copy."""

DESELECTED = pytest.StashKey[bool]()
"""Whether some test of ``tests/cli`` was deselected (then the record is not the whole folder's)."""


def calls_of_this_test(request: pytest.FixtureRequest) -> list[RecordedCall]:
    """The calls the commands of the running test made."""
    return [c for c in request.config.stash[RECORDED_CALLS].calls if c.test == request.node.nodeid]
