"""The plugin as a process, over the gRPC protocol the Pulumi engine speaks to it.

``Construct`` gets the YAML example's component exactly as the engine sends it for a non-Python program:
provider resources as resource references in the inputs (and optionally in the ``providers`` option), numbers
as floats; the children the plugin registers must equal those of the in-process dev stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import errors_pb2, provider_pb2, provider_pb2_grpc, resource_pb2_grpc, status_pb2

from replication import plugin
from replication.preview.runner import OfflineRun, RegisteredResource, run_program_file
from replication.preview.stack_files import load_stack
from tests.plugin.conftest import ROOT, EngineMonitor, LoggingEngine, serve, to_struct

YAML_EXAMPLE = ROOT / "examples" / "yaml" / "Pulumi.yaml"


@pytest.fixture(scope="module")
def dev_stack() -> OfflineRun:
    """The bundled dev stack (``__main__.py`` + ``Pulumi.dev.yaml``) run in-process under mocks."""
    files = load_stack(ROOT, "dev")
    return run_program_file(files.program, files.project, files.stack, dict(files.config), files.secret_keys)


@pytest.fixture
def monitor() -> Iterator[tuple[EngineMonitor, str]]:
    """A recording resource monitor for the dev stack's project and stack, and its address."""
    files = load_stack(ROOT, "dev")
    servicer = EngineMonitor(files.project, files.stack)
    server, address = serve(resource_pb2_grpc.add_ResourceMonitorServicer_to_server, servicer)
    yield servicer, address
    server.stop(grace=None)


def yaml_program() -> dict[str, Any]:
    """The YAML example's project file."""
    return yaml.safe_load(YAML_EXAMPLE.read_text())


def register_yaml_providers(monitor: EngineMonitor, program: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Register the YAML program's aws providers as its runtime would; ``${key}`` -> resource reference."""
    return {
        f"${{{key}}}": monitor.register_provider(resource.get("name", key), resource["properties"])
        for key, resource in program["resources"].items()
        if resource["type"] == "pulumi:providers:aws"
    }


def interpolate(value: Any, references: dict[str, dict[str, str]]) -> Any:
    """``value`` with every ``${provider}`` replaced by its resource reference."""
    if isinstance(value, dict):
        return {k: interpolate(v, references) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, references) for v in value]
    return references.get(value, value) if isinstance(value, str) else value


def construct(
    stub: provider_pb2_grpc.ResourceProviderStub,
    monitor: tuple[EngineMonitor, str],
    name: str,
    inputs: dict[str, Any],
    providers: dict[str, str] | None = None,
) -> provider_pb2.ConstructResponse:
    """Configure the provider, then Construct the component as the engine does for a program's registration."""
    servicer, address = monitor
    stub.Configure(provider_pb2.ConfigureRequest(acceptSecrets=True, acceptResources=True))
    return stub.Construct(
        provider_pb2.ConstructRequest(
            project=servicer.project,
            stack=servicer.stack,
            monitorEndpoint=address,
            type="ecr-replication:index:EcrReplication",
            name=name,
            parent=servicer.stack_urn,
            inputs=to_struct(inputs),
            providers=providers or {},
        )
    )


def components(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """The component and everything under it, by URN, dependencies in a stable order."""
    chosen = [r for r in resources if r.type != "pulumi:providers:aws"]
    return sorted(
        (RegisteredResource(**{**vars(r), "dependencies": tuple(sorted(r.dependencies))}) for r in chosen),
        key=lambda r: r.urn,
    )


def test_plugin_info_is_the_package_version(plugin_stub: provider_pb2_grpc.ResourceProviderStub) -> None:
    info = plugin_stub.GetPluginInfo(empty_pb2.Empty())
    assert info.version == plugin.package_version()


def test_served_schema_is_the_inferred_one(plugin_stub: provider_pb2_grpc.ResourceProviderStub) -> None:
    served = json.loads(plugin_stub.GetSchema(provider_pb2.GetSchemaRequest(version=0)).schema)
    assert served == plugin.inferred_schema()


@pytest.mark.parametrize("providers_option", [False, True], ids=["inputs-only", "with-providers-option"])
def test_yaml_example_constructs_what_the_dev_stack_declares(
    plugin_stub: provider_pb2_grpc.ResourceProviderStub,
    monitor: tuple[EngineMonitor, str],
    dev_stack: OfflineRun,
    engine: tuple[LoggingEngine, str],
    providers_option: bool,
) -> None:
    """Same children, through the same providers, with the same inputs and dependencies. A ``providers``
    option naming the destination provider for the whole component changes nothing: each child keeps its
    account's explicit provider."""
    servicer, _ = monitor
    program = yaml_program()
    references = register_yaml_providers(servicer, program)
    images = program["resources"]["images"]
    providers = {"aws": "::".join(references["${destination}"][k] for k in ("urn", "id"))} if providers_option else None

    response = construct(plugin_stub, monitor, "images", interpolate(images["properties"], references), providers)

    assert response.urn == next(r.urn for r in dev_stack.resources if r.type == images["type"])
    assert components(servicer.recording.registered) == components(dev_stack.resources)
    state = dict(response.state)
    assert state["sourceRegistry"] == dev_stack.exports["sourceRegistry"]
    assert list(state["destinationRegistries"]) == dev_stack.exports["destinationRegistries"]
    assert engine[0].warnings() == []


def test_missing_required_input_is_reported_by_its_schema_name(
    plugin_stub: provider_pb2_grpc.ResourceProviderStub, monitor: tuple[EngineMonitor, str]
) -> None:
    """The engine shows the property path of a missing input in the program's own spelling."""
    servicer, _ = monitor
    references = register_yaml_providers(servicer, yaml_program())
    with pytest.raises(grpc.RpcError) as raised:
        construct(plugin_stub, monitor, "images", {"destinations": [{"provider": references["${destination}"]}]})
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert input_property_errors(raised.value) == [("sourceProvider", "Missing required input 'sourceProvider' on 'EcrReplication'")]
    assert {r.type for r in servicer.recording.registered} == {"pulumi:providers:aws"}


def input_property_errors(error: grpc.RpcError) -> list[tuple[str, str]]:
    """The (property path, reason) pairs a provider attaches to an invalid-inputs error."""
    details = dict(error.trailing_metadata())["grpc-status-details-bin"]  # type: ignore[attr-defined]
    status = status_pb2.Status.FromString(details)
    found = []
    for detail in status.details:
        errors = errors_pb2.InputPropertiesError()
        detail.Unpack(errors)
        found += [(e.property_path, e.reason) for e in errors.errors]
    return found


def test_invalid_values_fail_with_the_component_s_message(
    plugin_stub: provider_pb2_grpc.ResourceProviderStub, monitor: tuple[EngineMonitor, str]
) -> None:
    """Validation runs in the plugin before anything is created; the engine shows the component's message."""
    servicer, _ = monitor
    program = yaml_program()
    references = register_yaml_providers(servicer, program)
    inputs = interpolate(program["resources"]["images"]["properties"], references)
    inputs["destinations"][0]["accountId"] = "2222"
    with pytest.raises(grpc.RpcError) as raised:
        construct(plugin_stub, monitor, "images", inputs)
    assert "destinations[0].account_id: an AWS account id is exactly 12 digits (got '2222')" in raised.value.details()
    assert {r.type for r in servicer.recording.registered} == {"pulumi:providers:aws"}


def test_misspelled_inputs_are_refused_by_name_with_the_closest_one(
    plugin_stub: provider_pb2_grpc.ResourceProviderStub, monitor: tuple[EngineMonitor, str]
) -> None:
    """Issue 19, item 4: the SDK maps the inputs the schema declares and would drop the rest; the plugin refuses
    them first, every one, in the program's own spelling, before anything is created."""
    servicer, _ = monitor
    program = yaml_program()
    references = register_yaml_providers(servicer, program)
    inputs = interpolate(program["resources"]["images"]["properties"], references)
    inputs["repositoryPrefix"] = ["prod/"]
    inputs["destinations"][0]["manageRegistryPolicies"] = False
    with pytest.raises(grpc.RpcError) as raised:
        construct(plugin_stub, monitor, "images", inputs)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert sorted(input_property_errors(raised.value)) == [
        ("destinations[0].manageRegistryPolicies",
         "ReplicationDestinationArgs has no argument of this name; did you mean 'manageRegistryPolicy'?"),
        ("repositoryPrefix", "EcrReplicationArgs has no argument of this name; did you mean 'repositoryPrefixes'?"),
    ]
    assert {r.type for r in servicer.recording.registered} == {"pulumi:providers:aws"}
