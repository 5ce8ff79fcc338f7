"""Run policies as the pulumi-policy SDK runs them: props deserialized and wrapped in its unknown-checking
proxy, `ResourceValidationArgs` / `StackValidationArgs` built from plain resource dicts."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional, Union

from pulumi_policy import (PolicyProviderResource, PolicyResource, PolicyResourceOptions, PolicyCustomTimeouts,
                           ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs,
                           StackValidationPolicy)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

from replication.preview.analyzer import Diagnostic, ProviderResource, StackResource

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
"""The policy pack under test."""


def _props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Props as the SDK hands them to a policy: deserialized and wrapped in its unknown-checking proxy."""
    return unknown_checking_proxy(deserialize_properties(dict(props)))


def _provider(provider: Optional[ProviderResource]) -> Optional[PolicyProviderResource]:
    if provider is None:
        return None
    return PolicyProviderResource(provider["type"], _props(provider["props"]), provider["urn"], provider["name"])


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_args(resource: StackResource, config: Optional[Mapping[str, Any]] = None) -> ResourceValidationArgs:
    """The `ResourceValidationArgs` the SDK builds for one resource."""
    return ResourceValidationArgs(resource["type"], _props(resource["props"]), resource["urn"], resource["name"],
                                  _options(), _provider(resource.get("provider")), config)


def stack_args(resources: Sequence[StackResource], config: Optional[Mapping[str, Any]] = None) -> StackValidationArgs:
    """The `StackValidationArgs` the SDK builds for a stack."""
    policy_resources = [PolicyResource(r["type"], _props(r["props"]), r["urn"], r["name"], _options(),
                                       _provider(r.get("provider")), None, [], {}) for r in resources]
    return StackValidationArgs(policy_resources, config)


Violation = tuple[str, Optional[str]]
"""A reported violation: its message and the URN it names (None for the resource under validation)."""


def run_policy(policy: Union[ResourceValidationPolicy, StackValidationPolicy],
               resources: Union[StackResource, Sequence[StackResource]],
               config: Optional[Mapping[str, Any]] = None) -> list[Violation]:
    """Run one policy's validation as the SDK does and collect its violations."""
    violations: list[Violation] = []

    def report_violation(message: str, urn: Optional[str] = None) -> None:
        """Collect a violation as the SDK's callback would report it."""
        violations.append((message, urn))

    if isinstance(policy, StackValidationPolicy):
        policy.validate(stack_args(resources if isinstance(resources, list) else [resources], config),
                        report_violation)
    else:
        for resource in resources if isinstance(resources, list) else [resources]:
            policy.validate(resource_args(resource, config), report_violation)
    return violations


def violation_messages(policy: Union[ResourceValidationPolicy, StackValidationPolicy],
                       resources: Union[StackResource, Sequence[StackResource]],
                       config: Optional[Mapping[str, Any]] = None) -> list[str]:
    """The messages of the violations one policy reports."""
    return [message for message, _ in run_policy(policy, resources, config)]


def by_policy(diagnostics: Sequence[Diagnostic]) -> dict[str, list[Diagnostic]]:
    """Diagnostics grouped by the policy that reported them."""
    grouped: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        grouped.setdefault(diagnostic.policy_name, []).append(diagnostic)
    return grouped
