"""Plain resource dicts and policy configs to analyzer protocol messages, and diagnostics back.

Resources are plain dicts shaped like what the engine sends a policy pack: type token, name, URN, engine
(camelCase) props, the provider resource, parent and dependencies. Mark a value unknown during preview with
`UNKNOWN` (the engine's sentinel); props pass through as JSON-like values, so secrets and unknowns encoded
the engine's way (as `MessageToDict` of a registration gives them) stay what they are.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Optional, TypedDict, Union

from google.protobuf import struct_pb2
from pulumi.runtime import proto

from .policy_config import LEVELS, check_policy_config

UNKNOWN: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's marker for a property value that is unknown during preview."""


class ProviderResource(TypedDict):
    """The provider a resource was registered with: type (`pulumi:providers:aws`), name, URN and props."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]


class _ResourceRequired(TypedDict):
    type: str
    name: str
    urn: str
    props: Mapping[str, Any]


class StackResource(_ResourceRequired, total=False):
    """A registered resource as the policy pack sees it (props use the engine's camelCase names)."""

    provider: Optional[ProviderResource]
    parent_urn: str
    dependencies: Sequence[str]


PolicyConfig = Mapping[str, Union[str, Mapping[str, Any]]]
"""A policy config file's content: policy name (or `all`) to an enforcement level, or to an object with an
optional `enforcementLevel` and the policy's settings."""


@dataclass(frozen=True)
class Diagnostic:
    """A policy violation the pack reported."""

    policy_name: str
    enforcement_level: str
    """`advisory`, `mandatory`, `remediate` or `disabled`."""
    message: str
    """The policy's description followed by the violation's own message."""
    urn: str
    """The resource in violation; empty for a violation of the whole stack."""
    policy_pack_name: str


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(props)
    return struct


def to_provider_message(provider: ProviderResource) -> proto.AnalyzerProviderResource:
    """The protocol message for a resource's provider."""
    return proto.AnalyzerProviderResource(type=provider["type"], name=provider["name"], urn=provider["urn"],
                                          properties=_struct(provider["props"]))


def _provider_field(resource: StackResource) -> dict[str, proto.AnalyzerProviderResource]:
    provider = resource.get("provider")
    return {"provider": to_provider_message(provider)} if provider else {}


def to_analyze_request(resource: StackResource) -> proto.AnalyzeRequest:
    """The `Analyze` request the CLI sends for one resource."""
    return proto.AnalyzeRequest(type=resource["type"], name=resource["name"], urn=resource["urn"],
                                properties=_struct(resource["props"]), **_provider_field(resource))


def to_analyzer_resource(resource: StackResource) -> proto.AnalyzerResource:
    """One resource of the `AnalyzeStack` request the CLI sends after a preview or update."""
    return proto.AnalyzerResource(type=resource["type"], name=resource["name"], urn=resource["urn"],
                                  properties=_struct(resource["props"]), parent=resource.get("parent_urn", ""),
                                  dependencies=list(resource.get("dependencies", ())), **_provider_field(resource))


def to_configure_request(config: Optional[PolicyConfig],
                         policies: Sequence[proto.PolicyInfo]) -> proto.ConfigureAnalyzerRequest:
    """The `Configure` request for a policy config, resolved the way the CLI does: every policy gets its
    default level, overridden by `all`, then by its own entry; its other keys become its properties.

    Raises `PolicyConfigError` for a policy the pack doesn't have, a level that doesn't exist, or a setting the
    policy's config schema doesn't declare or allow, so a typo in a config file is never silently ignored.
    """
    config = config or {}
    check_policy_config(config, policies)
    request = proto.ConfigureAnalyzerRequest()
    for policy in policies:
        level, properties = policy.enforcementLevel, {}
        for entry in (config.get("all"), config.get(policy.name)):
            if isinstance(entry, Mapping):
                properties.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
                entry = entry.get("enforcementLevel")
            if entry is not None:
                level = LEVELS[entry]
        policy_config = proto.PolicyConfig(enforcementLevel=level, properties=_struct(properties))
        request.policyConfig[policy.name].CopyFrom(policy_config)
    return request


def from_diagnostic(message: proto.AnalyzeDiagnostic, analyzed_urn: str = "") -> Diagnostic:
    """A diagnostic as plain data; `analyzed_urn` stands in when the diagnostic names no resource."""
    return Diagnostic(policy_name=message.policyName,
                      enforcement_level=proto.EnforcementLevel.Name(message.enforcementLevel).lower(),
                      message=message.message, urn=message.urn or analyzed_urn,
                      policy_pack_name=message.policyPackName)
