"""Run Pulumi code in the SDK's mock mode, recording every registration, with no engine and no cloud.

Lookups the component makes are answered from each aws provider's own configuration: the account id as
:func:`replication.ecr_semantics.deployment_account` decides it from ``allowed_account_ids`` and the last role the
provider assumes, the region from ``region``. The offline
plan, the tests and the benchmarks all run programs through :func:`run_offline`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import runpy
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings

from replication.ecr_semantics import (ALLOWED_ACCOUNT_IDS, ASSUME_ROLES, DeploymentAccount, Partition,
                                       account_root_arn, deployment_account, partition_of)
from replication.errors import SECRET
from replication.resource_types import AWS_PROVIDER_TYPE, ROLE

RANDOM_SUFFIX = "-<random suffix>"
"""Stands for the suffix pulumi-aws adds to an auto-named resource's name at deploy."""

class OfflineLookupError(Exception):
    """A lookup that can't be answered offline: the message names the provider and the setting it needs."""


@dataclass(frozen=True)
class RegisteredResource:
    """One ``RegisterResource`` request as the engine would receive it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    """The provider reference ``<urn>::<id>``; empty for components and for default providers."""
    inputs: dict[str, Any]
    """Inputs with engine (camelCase) names; provider inputs hold JSON strings for lists and objects."""
    dependencies: tuple[str, ...]
    """URNs of the resources this one explicitly depends on."""
    import_id: str = ""
    """The id of the existing resource to adopt (the ``import`` resource option); empty when it is created."""

    @property
    def provider_urn(self) -> str:
        """The URN part of :attr:`provider`."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""



def is_secret(value: Any) -> bool:
    """Whether ``value`` is, or holds, a secret."""
    if rpc.is_rpc_secret(value):
        return True
    if isinstance(value, dict):
        return any(is_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(is_secret(v) for v in value)
    return False


def reveal(value: Any) -> Any:
    """``value`` with every secret unwrapped (inputs keep the SDK's secret markers)."""
    if rpc.is_rpc_secret(value):
        return reveal(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


def mask(value: Any) -> Any:
    """``value`` with every secret replaced by :data:`SECRET`, and anything that isn't JSON data (a resource
    exported whole, say) by its type name, for printing."""
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, dict):
        return {str(k): mask(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return f"<{type(value).__name__}>"


def provider_setting(inputs: Mapping[str, Any], key: str) -> Any:
    """A provider input, decoding the JSON text the SDK sends for lists and objects."""
    value = reveal(inputs.get(key))
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def provider_role_arns(inputs: Mapping[str, Any]) -> list[Any]:
    """The ARNs of the roles an aws provider assumes, in the order it assumes them: ``assumeRoles`` (pulumi-aws 7),
    else the single ``assumeRole`` of earlier versions."""
    roles = provider_setting(inputs, ASSUME_ROLES)
    if roles is None:
        single = provider_setting(inputs, "assumeRole")
        roles = [single] if isinstance(single, Mapping) else []
    return [role.get("roleArn") or role.get("role_arn") if isinstance(role, Mapping) else None for role in roles]


def provider_account(inputs: Mapping[str, Any]) -> DeploymentAccount:
    """The account an aws provider deploys into, decided by the shared rule
    (:func:`replication.ecr_semantics.deployment_account`) from its ``allowedAccountIds`` and assumed roles."""
    return deployment_account(provider_setting(inputs, ALLOWED_ACCOUNT_IDS) or [], provider_role_arns(inputs))


@dataclass
class OfflineMocks(mocks.Mocks):
    """Answers registrations with their inputs and lookups from the calling provider's configuration."""

    providers: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """Provider reference -> (provider name, inputs), filled as providers register."""

    def _provider(self, reference: str) -> tuple[str, dict[str, Any]]:
        if reference not in self.providers:
            raise OfflineLookupError(
                "a lookup went through the default aws provider; pass an explicit provider in its options"
            )
        return self.providers[reference]

    def account_id(self, reference: str, expected: str | None = None) -> str:
        """The account of the provider ``reference``, or an error saying which setting it needs.

        A lookup that names the account it ``expected`` (the component checking an explicit account id against its
        provider: ``replication.provider_facts``) gets that account when the provider's configuration names none:
        nothing offline says otherwise."""
        name, inputs = self._provider(reference)
        account = provider_account(inputs)
        if account.account_id is None and expected is not None:
            return expected
        if account.account_id is None:
            raise OfflineLookupError(
                f"aws provider '{name}': its account can't be known offline ({account.reason}); give it "
                "allowed_account_ids with its one account (or assume_roles ending in a role of that account), or "
                "pass the account id to the component"
            )
        return account.account_id

    def region(self, reference: str) -> str:
        """The region of the provider ``reference``, or an error saying which setting it needs."""
        name, inputs = self._provider(reference)
        region = provider_setting(inputs, "region")
        if not region:
            raise OfflineLookupError(f"aws provider '{name}': set its region so the offline plan can know it")
        return str(region)

    def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        """Answer ``getCallerIdentity`` and ``getRegion`` like AWS would for that provider."""
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            account = self.account_id(args.provider, args.args.get("id"))
            return {
                "accountId": account,
                "arn": account_root_arn(account, self._partition(args.provider).name),
                "id": account,
                "userId": account,
            }
        if args.token == "aws:index/getRegion:getRegion":
            region = args.args.get("region") or self.region(args.provider)
            endpoint = f"ec2.{region}.{partition_of(region).dns_suffix}"
            return {"region": region, "name": region, "id": region, "endpoint": endpoint}
        raise OfflineLookupError(f"the offline plan can't answer the lookup {args.token}")

    def _partition(self, reference: str) -> Partition:
        """The partition of the provider's region (``aws`` when it names none)."""
        region = provider_setting(self._provider(reference)[1], "region")
        return partition_of(str(region or ""))

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict]:
        """Echo the inputs as the state, plus the name and ARN of IAM roles, which other resources reference.

        Only the plan shows them: a role without a name gets one from pulumi-aws at deploy (its resource name and a
        random suffix), shown as ``-<random suffix>``; an account that can't be known offline is named, not an error.
        """
        state = dict(args.inputs)
        if args.typ == ROLE:
            state.setdefault("name", f"{args.name}{RANDOM_SUFFIX}")
            name, inputs = self._provider(args.provider or "")
            account = provider_account(inputs).account_id or f"<account of provider {name}>"
            state["arn"] = f"arn:{self._partition(args.provider or '').name}:iam::{account}:role/{state['name']}"
        return f"{args.name}-id", state


class RecordingMonitor(mocks.MockMonitor):
    """A mock resource monitor that keeps every ``RegisterResource`` request, in order."""

    def __init__(self, offline_mocks: OfflineMocks) -> None:
        super().__init__(offline_mocks)
        self.offline_mocks = offline_mocks
        self.registered: list[RegisteredResource] = []
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()
        """The event loops the SDK's mock monitor makes in the worker threads that call it (one per thread, never
        closed by the SDK): closed at the end of the run."""
        self._lock = threading.Lock()

    def _keep_thread_loop(self) -> None:
        try:
            thread_loop = asyncio.get_event_loop()
        except RuntimeError:  # the SDK made none in this thread (it returns early for the root stack)
            return
        with self._lock:
            self.thread_loops.add(thread_loop)

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        """Answer a lookup through the mocks."""
        try:
            return super().Invoke(request)
        finally:
            self._keep_thread_loop()

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the gRPC method name)
        """Register through the mocks, then record the request (providers also become lookup answers)."""
        try:
            response = super().RegisterResource(request)
        finally:
            self._keep_thread_loop()
        if request.type == "pulumi:pulumi:Stack":
            return response
        inputs = rpc.deserialize_properties(request.object)
        if request.type == AWS_PROVIDER_TYPE:
            self.offline_mocks.providers[f"{response.urn}::{response.id}"] = (request.name, inputs)
        self.registered.append(
            RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                provider=request.provider,
                inputs=inputs,
                dependencies=tuple(request.dependencies),
                import_id=request.importId,
            )
        )
        return response


@dataclass(frozen=True)
class OfflineRun:
    """What a program did in mock mode: its registrations in order and its resolved return value."""

    resources: list[RegisteredResource]
    result: Any
    """The program's return value, outputs resolved."""
    exports: dict[str, Any]
    """The stack outputs the program exported, resolved; secret ones keep the SDK's secret marker."""
    warnings: tuple[str, ...] = ()
    """The warnings the program logged (``pulumi.log.warn``), in order: what ``pulumi preview`` would print."""

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        """The registered resources of one type, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self, urn: str) -> RegisteredResource:
        """The registered resource with this URN."""
        return next(r for r in self.resources if r.urn == urn)


def run_offline(
    program: Callable[[], object],
    project: str = "project",
    stack: str = "stack",
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = False,
) -> OfflineRun:
    """Run ``program`` in mock mode with ``config`` (``namespace:key`` -> string) and return what it did.

    The program's return value may hold outputs; they are resolved in :attr:`OfflineRun.result`. Errors the
    program raises, or raises inside an output, propagate unchanged.
    """
    # A fresh event loop per run, closed at its end: a loop left to the garbage collector at interpreter exit
    # reports "Exception ignored in BaseEventLoop.__del__" on stderr once in a while.
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(_report_unless_unretrieved)
    asyncio.set_event_loop(loop)
    offline_mocks = OfflineMocks()
    monitor = RecordingMonitor(offline_mocks)
    warnings = _WarningLog()
    settings.ROOT.set(None)  # a fresh root stack per run, so exports don't leak between runs
    pulumi.runtime.set_mocks(offline_mocks, project=project, stack=stack, preview=preview, monitor=monitor,
                             logger=warnings.logger)
    pulumi.runtime.set_all_config(dict(config or {}), secret_keys or [])
    results: list[Any] = []

    async def resolve(value: object, exports: dict[str, Any]) -> list[Any]:
        """The program's value and its exports, each export kept secret-marked when it is a secret."""
        resolved = {}
        for name, export in exports.items():
            output = pulumi.Output.from_input(export)
            plain = await output.future(with_unknowns=True)
            resolved[name] = rpc.wrap_rpc_secret(plain) if await output.is_secret() else plain
        return [await pulumi.Output.from_input(value).future(with_unknowns=True), resolved]

    @mocks.test
    def run() -> pulumi.Output[None]:
        value = program()
        stack = settings.get_root_resource()
        exports = dict(getattr(stack, "outputs", {}))
        return pulumi.Output.from_input(asyncio.ensure_future(resolve(value, exports))).apply(results.extend)

    try:
        run()
    except Exception as error:  # noqa: BLE001 re-raised as the error the program raised
        raise _original_error(error) from None
    finally:
        _close(loop, monitor.thread_loops)
    result, exports = results
    return OfflineRun(monitor.registered, result, exports, tuple(warnings.messages))


class _WarningLog(logging.Handler):
    """Keeps the warnings a program logs in mock mode (the SDK's mock engine logs ``pulumi.log`` messages to the
    logger it is given, else to the root logger, which would print them on stderr)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.logger = logging.Logger("ecr-replication-offline-run")
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        """Keep one warning's text."""
        self.messages.append(record.getMessage())


def _report_unless_unretrieved(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The run's exception handler. When a program fails, the SDK re-raises the first failed registration and leaves
    the others (often the same error, in every child waiting on one output) unretrieved; asyncio would log each with
    its traceback whenever the garbage collector meets it: noise after the error the run raised, and on CPython 3.11
    (whose tracebacks parse source lines with ``ast``) a collection during another ``ast`` call then broke every later
    one ("AST constructor recursion depth mismatch" under pytest). Everything else goes to asyncio's default handler."""
    if "exception was never retrieved" not in str(context.get("message", "")):
        loop.default_exception_handler(context)


def _close(loop: asyncio.AbstractEventLoop, thread_loops: set[asyncio.AbstractEventLoop]) -> None:
    """Cancel what the run left pending, stop the run's worker threads, close their loops and the run's own (each
    with the run's exception handler, :func:`_report_unless_unretrieved`)."""
    for thread_loop in thread_loops:
        thread_loop.set_exception_handler(_report_unless_unretrieved)
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.run_until_complete(loop.shutdown_default_executor())  # the SDK's RPC threads, so no call is still running
    for thread_loop in thread_loops - {loop}:
        thread_loop.close()
    loop.close()
    asyncio.set_event_loop(None)


def _original_error(error: BaseException) -> BaseException:
    """The error a program raised inside an output, without the SDK's "While processing input" wrappers.

    Each wrapper names what it wraps as its cause, and also as its context (it is raised while handling it). The
    context is followed when the cause leads back: the SDK re-raises the first failed RPC ``from`` the failure it
    recorded, which is the same exception when that RPC failed first, making it its own cause."""
    seen = {id(error)}
    while error.__cause__ is not None:
        cause = error.__cause__ if id(error.__cause__) not in seen else error.__context__
        if cause is None or id(cause) in seen:
            return error
        error = cause
        seen.add(id(error))
    return error


def run_program_file(
    program: Path,
    project: str,
    stack: str,
    config: Mapping[str, str],
    secret_keys: list[str],
) -> OfflineRun:
    """Run a Pulumi program file as ``__main__`` from its own folder, like the Python language host does."""
    folder = str(program.parent)

    def execute() -> None:
        previous_cwd = os.getcwd()
        sys.path.insert(0, folder)
        os.chdir(folder)
        try:
            runpy.run_path(str(program), run_name="__main__")
        finally:
            os.chdir(previous_cwd)
            sys.path.remove(folder)

    return run_offline(execute, project=project, stack=stack, config=config, secret_keys=secret_keys)
