"""The pack's analyzer servicer: pulumi-policy's own, with each request's resources built once.

This is the only module that relies on pulumi-policy internals; delete it when the SDK does the same
(`policies/README.md` words the upstream change). pulumi-policy 1.21's `_PolicyAnalyzerServicer` rebuilds
every resource of an `AnalyzeStack` request for each stack policy (`MessageToDict`, `deserialize_properties`,
the unknown-checking proxy, the options, and the provider's props again), and the props of an `Analyze`
request for each resource policy. This pack has four stack policies, so on every stack of an organisation it
paid four times the SDK's cost, and the cyclic garbage collector then walked those short-lived objects over
and over. `FastAnalyzerServicer` answers the two calls with the SDK's own helpers, but:

- builds each resource of a request once and shares it, read-only, across the policies (the guardrails never
  change what they are given);
- deserializes props, options, provider, parent and dependencies only when a policy reads them (the stack
  policies read the props of the few ECR resources only);
- holds garbage collection off while a request runs.

Enforcement levels, how a violation becomes a diagnostic, `GetAnalyzerInfo`, `Configure` and `Remediate`
stay the SDK's. `missing_internals()` checks at start that everything used here exists; `serve()` and
`in_process_servicer()` use the stock servicer (or none) otherwise.
"""

import asyncio
import gc
import inspect
import os
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Callable, Optional

from pulumi_policy import (EnforcementLevel, Policy, PolicyPack, PolicyProviderResource, PolicyResource,
                           ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs,
                           StackValidationPolicy)
from pulumi_policy import deserialize as sdk_deserialize
from pulumi_policy import policy as sdk
from pulumi_policy import proxy as sdk_proxy

STOCK_PATH_VARIABLE = "ECR_GUARDRAILS_STOCK_SDK"
"""Set to 1 to run the pack on pulumi-policy's own servicer (an escape hatch, and how tests compare both)."""

_SERVICER_METHODS = ("_get_enforcement_level", "_create_report_violation", "_get_policy_config",
                     "_get_resource_options", "_configure_runtime_settings", "_map_enforcement_level")
_SERVICER_STATE = ("_PolicyAnalyzerServicer__policies", "_PolicyAnalyzerServicer__policy_pack_name",
                   "_PolicyAnalyzerServicer__policy_pack_version", "_PolicyAnalyzerServicer__stack_tags")
_SERVICER_PARAMETERS = ("name", "version", "policies", "enforcement_level", "initial_config", "description")
_PACK_VERSION = "0.0.1"
"""The version `PolicyPack` gives its servicer (the CLI reads the real one from PulumiPolicy.yaml)."""


def _probe_policy() -> StackValidationPolicy:
    return StackValidationPolicy(name="probe", description="Checks the SDK's internals.",
                                 validate=lambda args, report_violation: None)


def missing_internals() -> list[str]:
    """The pulumi-policy internals this module uses that the installed SDK lacks (empty: the fast path works)."""
    missing = [f"pulumi_policy.policy.{name}" for name in ("_PolicyAnalyzerServicer", "_NotApplicableError",
                                                             "json_format", "proto") if not hasattr(sdk, name)]
    missing += [f"pulumi_policy.deserialize.{name}" for name in ("deserialize_properties",)
                if not hasattr(sdk_deserialize, name)]
    missing += [f"pulumi_policy.proxy.{name}" for name in ("unknown_checking_proxy", "UnknownValueError")
                if not hasattr(sdk_proxy, name)]
    if missing:
        return missing
    servicer_class = sdk._PolicyAnalyzerServicer
    missing += [f"_PolicyAnalyzerServicer.{name}" for name in _SERVICER_METHODS if not hasattr(servicer_class, name)]
    parameters = tuple(inspect.signature(servicer_class.__init__).parameters)[1:len(_SERVICER_PARAMETERS) + 1]
    if parameters != _SERVICER_PARAMETERS:
        missing.append(f"_PolicyAnalyzerServicer({', '.join(_SERVICER_PARAMETERS)}, ...)")
    if "_PolicyAnalyzerServicer" not in PolicyPack.__init__.__code__.co_names:
        missing.append("PolicyPack building its servicer from pulumi_policy.policy._PolicyAnalyzerServicer")
    if not hasattr(ResourceValidationPolicy, "has_validation"):
        missing.append("ResourceValidationPolicy.has_validation")
    if missing:
        return missing
    try:
        probe = servicer_class("probe", _PACK_VERSION, [_probe_policy()], EnforcementLevel.ADVISORY, None, None)
    except Exception as error:  # noqa: BLE001 whatever a changed constructor raises means: don't rely on it
        return [f"_PolicyAnalyzerServicer(...) as 1.21 builds it ({type(error).__name__}: {error})"]
    return [f"_PolicyAnalyzerServicer().{name}" for name in _SERVICER_STATE if not hasattr(probe, name)]


class _CollectionHold:
    """Holds the cyclic garbage collector off while at least one request runs (requests run on several threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._reenable = False

    @contextmanager
    def held(self) -> Iterator[None]:
        """Collection is off inside, and back to what it was once the last request ends."""
        with self._lock:
            if self._running == 0:
                self._reenable = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._reenable:
                    gc.enable()


_COLLECTION = _CollectionHold()


def _props(struct: Any) -> Any:
    """Props as the SDK hands them to a policy: deserialized and wrapped in its unknown-checking proxy."""
    return sdk_proxy.unknown_checking_proxy(
        sdk_deserialize.deserialize_properties(sdk.json_format.MessageToDict(struct)))


class _LazyProps(Mapping):  # type: ignore[type-arg]
    """A protobuf Struct that becomes the SDK's props proxy when a policy first reads it.

    Reads go to that proxy, so a policy sees exactly what the SDK would give it (including `UnknownValueError`
    for a value unknown during preview); the guardrails never write to props.
    """

    def __init__(self, struct: Any) -> None:
        self._struct = struct
        self._target: Any = None

    def _proxy(self) -> Any:
        if self._target is None:
            self._target = _props(self._struct)
        return self._target

    def __getitem__(self, key: Any) -> Any:
        return self._proxy()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._proxy())

    def __len__(self) -> int:
        return len(self._proxy())


def _provider(message: Any) -> Optional[PolicyProviderResource]:
    """The resource's provider as the SDK builds it, its props deserialized when first read."""
    if not message.HasField("provider"):
        return None
    provider = message.provider
    return PolicyProviderResource(provider.type, _LazyProps(provider.properties), provider.urn, provider.name)


class _built_once:  # noqa: N801 (used like `property`)
    """A lazily built attribute: computed on first read, then an ordinary instance attribute."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        self._build = build
        self._name = build.__name__

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._build(instance)
        return value


class _StackResource(PolicyResource):
    """One resource of an `AnalyzeStack` request, built once for every stack policy of that request.

    `PolicyResource.__init__` would set every attribute at once; here each is built when first read, with
    what the SDK would have put there.
    """

    def __init__(self, message: Any, servicer: "FastAnalyzerServicer", by_urn: dict[str, "_StackResource"]) -> None:
        # pylint: disable=super-init-not-called
        self._message = message
        self._servicer = servicer
        self._by_urn = by_urn
        self.resource_type = message.type
        self.urn = message.urn
        self.name = message.name

    @_built_once
    def props(self) -> Any:  # type: ignore[override]
        """The resource's props (the SDK's unknown-checking proxy)."""
        return _props(self._message.properties)

    @_built_once
    def opts(self) -> Any:  # type: ignore[override]
        """The resource's options."""
        return self._servicer._get_resource_options(self._message)  # pylint: disable=protected-access

    @_built_once
    def provider(self) -> Optional[PolicyProviderResource]:  # type: ignore[override]
        """The resource's provider."""
        return _provider(self._message)

    @_built_once
    def parent(self) -> Optional[PolicyResource]:  # type: ignore[override]
        """The parent resource, when it is in the stack."""
        return self._by_urn.get(self._message.parent)

    @_built_once
    def dependencies(self) -> list[PolicyResource]:  # type: ignore[override]
        """The resources of the stack this one depends on."""
        return [self._by_urn[urn] for urn in self._message.dependencies if urn in self._by_urn]

    @_built_once
    def property_dependencies(self) -> dict[str, list[PolicyResource]]:  # type: ignore[override]
        """The resources of the stack each property depends on."""
        return {key: [self._by_urn[urn] for urn in urns.urns if urn in self._by_urn]
                for key, urns in self._message.propertyDependencies.items()}


_StockServicer: type = getattr(sdk, "_PolicyAnalyzerServicer", object)
"""pulumi-policy's servicer (`object` on an SDK without it, where `missing_internals()` keeps this module unused)."""


class FastAnalyzerServicer(_StockServicer):  # type: ignore[misc,valid-type]
    """pulumi-policy's analyzer servicer, building each request's resources once (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policies: list[Policy] = self._PolicyAnalyzerServicer__policies  # type: ignore[attr-defined]
        self._pack_name: str = self._PolicyAnalyzerServicer__policy_pack_name  # type: ignore[attr-defined]
        self._pack_version: str = self._PolicyAnalyzerServicer__policy_pack_version  # type: ignore[attr-defined]
        self._of_kind: dict[type, list[Policy]] = {
            kind: [policy for policy in self._policies if isinstance(policy, kind)]
            for kind in (ResourceValidationPolicy, StackValidationPolicy)}

    def _stack_tags(self) -> Mapping[str, str]:
        return self._PolicyAnalyzerServicer__stack_tags  # type: ignore[attr-defined,no-any-return]

    def _enabled(self, kind: type) -> list[tuple[Policy, EnforcementLevel]]:
        """The policies of `kind` that run, in the pack's order, each with the level its violations get (as the
        SDK decides: the configured level, and mandatory for remediate)."""
        enabled = []
        for policy in self._of_kind[kind]:
            level = self._get_enforcement_level(policy)
            if level != EnforcementLevel.DISABLED:
                enabled.append((policy, EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level))
        return enabled

    def _run(self, policy: Policy, args: Any, response: Any, level: EnforcementLevel) -> None:
        """Run one policy's validation and turn what it raises into the SDK's diagnostics."""
        report_violation = self._create_report_violation(response, policy.name, policy.description, level,
                                                         policy.severity)
        try:
            result = policy.validate(args, report_violation)  # type: ignore[attr-defined]
            if inspect.isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.Task(result, loop=loop))  # type: ignore[arg-type]
                loop.close()
        except sdk_proxy.UnknownValueError as error:
            # Worded and levelled as pulumi-policy words it.
            response.diagnostics.append(sdk.proto.AnalyzeDiagnostic(
                policyName=policy.name, policyPackName=self._pack_name, policyPackVersion=self._pack_version,
                message=(f"can't run policy '{policy.name}' from policy pack "
                         f"'{self._pack_name}@v{self._pack_version}' during preview: {error.message}"),
                urn="", description=policy.description,
                enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY)))
        except sdk._NotApplicableError as error:  # pylint: disable=protected-access
            response.not_applicable.append(sdk.proto.PolicyNotApplicable(policy_name=policy.name,
                                                                        reason=error.reason or ""))

    def Analyze(self, request: Any, _context: Any) -> Any:  # noqa: N802 (the gRPC method name)
        """The resource policies' diagnostics for one resource, its props deserialized at most once."""
        with _COLLECTION.held():
            self._configure_runtime_settings()
            response = sdk.proto.AnalyzeResponse()
            shared: Optional[tuple[Any, Any, Optional[PolicyProviderResource]]] = None
            for policy, level in self._enabled(ResourceValidationPolicy):
                if not policy.has_validation():  # type: ignore[attr-defined]
                    response.not_applicable.append(sdk.proto.PolicyNotApplicable(
                        policy_name=policy.name, reason="Policy does not implement validate"))
                    continue
                if shared is None:
                    shared = (_LazyProps(request.properties), self._get_resource_options(request), _provider(request))
                props, opts, provider = shared
                args = ResourceValidationArgs(request.type, props, request.urn, request.name, opts, provider,
                                              self._get_policy_config(policy.name), self._stack_tags())
                self._run(policy, args, response, level)
            return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:  # noqa: N802 (the gRPC method name)
        """The stack policies' diagnostics, every resource built once for all of them."""
        with _COLLECTION.held():
            self._configure_runtime_settings()
            response = sdk.proto.AnalyzeResponse()
            by_urn: dict[str, _StackResource] = {}
            resources: Optional[list[PolicyResource]] = None
            for policy, level in self._enabled(StackValidationPolicy):
                if resources is None:
                    resources = [_StackResource(message, self, by_urn) for message in request.resources]
                    by_urn.update((resource.urn, resource) for resource in resources)  # the last of a URN wins, as in the SDK
                args = StackValidationArgs(resources, self._get_policy_config(policy.name), self._stack_tags())
                self._run(policy, args, response, level)
            by_urn.clear()  # resources point at each other through it: let reference counting free them
            return response


def _stock_path_requested() -> bool:
    return os.environ.get(STOCK_PATH_VARIABLE, "") not in ("", "0")


def _usable() -> bool:
    """Whether to use the fast path; says on stderr why not when the SDK lacks what it needs."""
    if _stock_path_requested():
        return False
    missing = missing_internals()
    if missing:
        print(f"ecr-replication-guardrails: pulumi-policy lacks {', '.join(missing)}; running on its stock "
              f"analyzer (slower on large stacks, same results)", file=sys.stderr)
    return not missing


def serve(name: str, policies: list[Policy], description: str) -> None:
    """Start the pack as `PolicyPack(...)` does (print the port, serve until stopped), on `FastAnalyzerServicer`
    when the installed pulumi-policy has what it needs, else on the SDK's own servicer."""
    if _usable():
        # PolicyPack builds its servicer from this module global; this process serves nothing else.
        sdk._PolicyAnalyzerServicer = FastAnalyzerServicer  # type: ignore[misc] # pylint: disable=protected-access
    PolicyPack(name=name, policies=policies, description=description)


def in_process_servicer(name: str, policies: Sequence[Policy], description: str) -> Optional[Any]:
    """The servicer `serve()` would run, to call in this process (no subprocess, no gRPC); `None` when the
    installed pulumi-policy lacks what that needs (then run the pack in its own process)."""
    if not _usable():
        return None
    return FastAnalyzerServicer(name, _PACK_VERSION, list(policies), EnforcementLevel.ADVISORY, None, description)
