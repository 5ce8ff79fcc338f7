"""Record what a Pulumi program registers under mocks, as the resources a policy pack analyzes."""

from typing import Any, NamedTuple, Optional

from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor, Mocks

from .messages import ProviderResource, StackResource


class Registration(NamedTuple):
    """One `RegisterResource` call and the URN the mock monitor gave the resource."""

    request: Any
    """The `RegisterResourceRequest` message."""
    urn: str


def _provider_urn(reference: str) -> str:
    """The URN in a provider reference (`<urn>::<id>`)."""
    return reference.rsplit("::", 1)[0]


def _default_provider(resource_type: str, resource_urn: str) -> ProviderResource:
    """The default provider the engine would give a custom resource registered without one."""
    package = resource_type.split(":", 1)[0]
    stack_and_project = "::".join(resource_urn.split("::")[:2])
    return ProviderResource(type=f"pulumi:providers:{package}", name="default",
                            urn=f"{stack_and_project}::pulumi:providers:{package}::default", props={})


class RecordingMonitor(MockMonitor):
    """A `MockMonitor` that keeps every registration: pass it to `pulumi.runtime.set_mocks(mocks, monitor=...)`,
    run the program, then hand `resources()` to `PolicyPackServer.analyze_stack`."""

    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        """Every registration, in order."""

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (the protocol's method name)
        """Register as `MockMonitor` does and record the request with its URN."""
        response = super().RegisterResource(request)
        self.registrations.append(Registration(request, response.urn))
        return response

    def resources(self) -> list[StackResource]:
        """The registered resources as the engine would send them to a policy pack (engine camelCase props,
        provider resolved, the default provider filled in for custom resources registered without one)."""
        props = {r.urn: json_format.MessageToDict(r.request.object) for r in self.registrations}
        providers = {r.urn: ProviderResource(type=r.request.type, name=r.request.name, urn=r.urn, props=props[r.urn])
                     for r in self.registrations if r.request.type.startswith("pulumi:providers:")}
        resources = []
        for request, urn in self.registrations:
            provider: Optional[ProviderResource] = None
            if request.provider:
                provider = providers.get(_provider_urn(request.provider))
            elif request.custom and not request.type.startswith("pulumi:providers:"):
                provider = _default_provider(request.type, urn)
            resources.append(StackResource(type=request.type, name=request.name, urn=urn, props=props[urn],
                                           provider=provider, parent_urn=request.parent,
                                           dependencies=list(request.dependencies)))
        return resources
