"""What a program registered under Pulumi mocks, as the resources the engine would hand a policy pack.

`replication.preview.runner.run_offline` records registrations; `stack_resources` turns them into `StackResource`
dicts for `PolicyPackServer`.
"""

from collections.abc import Iterable, Mapping
from typing import Any, Optional

from replication.preview.runner import RegisteredResource

from .messages import ProviderResource, StackResource

_PROVIDER_PREFIX = "pulumi:providers:"


def _plain(value: Any) -> Any:
    """A registered input as JSON-like data (what a protobuf Struct can hold)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return str(value)


def _default_provider(resource_type: str, resource_urn: str) -> ProviderResource:
    """The default provider the engine gives a custom resource registered without one."""
    package = resource_type.split(":", 1)[0]
    stack_and_project = "::".join(resource_urn.split("::")[:2])
    return ProviderResource(type=f"{_PROVIDER_PREFIX}{package}", name="default",
                            urn=f"{stack_and_project}::{_PROVIDER_PREFIX}{package}::default", props={})


def stack_resources(registered: Iterable[RegisteredResource]) -> list[StackResource]:
    """The registrations as `StackResource` dicts: props as plain data, each resource's provider resolved,
    and the default provider filled in for custom resources registered without one (as the engine does)."""
    registered = list(registered)
    providers = {r.urn: ProviderResource(type=r.type, name=r.name, urn=r.urn, props=_plain(r.inputs))
                 for r in registered if r.type.startswith(_PROVIDER_PREFIX)}
    resources = []
    for r in registered:
        provider: Optional[ProviderResource] = None
        if r.provider:
            provider = providers.get(r.provider.rsplit("::", 1)[0])
        elif r.custom and not r.type.startswith(_PROVIDER_PREFIX):
            provider = _default_provider(r.type, r.urn)
        resources.append(StackResource(type=r.type, name=r.name, urn=r.urn, props=_plain(r.inputs),
                                       provider=provider, parent_urn=r.parent, dependencies=list(r.dependencies)))
    return resources
