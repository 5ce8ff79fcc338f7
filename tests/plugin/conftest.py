"""Fixtures for the component package: the plugin process as Pulumi starts it, and the engine services it calls."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc, resource_pb2, resource_pb2_grpc

from replication.preview.runner import OfflineMocks, RecordingMonitor

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = ROOT / "provider"


def serve(add_servicer: Any, servicer: object) -> tuple[grpc.Server, str]:
    """Serve one gRPC servicer on a free local port; returns the server and its address."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add_servicer(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


class LoggingEngine(engine_pb2_grpc.EngineServicer):
    """The engine service a provider logs to; keeps every message with its severity."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    def Log(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:  # noqa: N802 (gRPC name)
        """Keep the message."""
        self.messages.append((request.severity, request.message))
        return empty_pb2.Empty()

    def warnings(self) -> list[str]:
        """The warnings and errors logged so far (what `pulumi up` would show the user)."""
        return [message for severity, message in self.messages if severity >= engine_pb2.WARNING]


class EngineMonitor(resource_pb2_grpc.ResourceMonitorServicer):
    """The engine's resource monitor over gRPC, recording like ``run_offline``'s monitor for one stack.

    URNs follow the mock monitor's convention so registrations compare with an in-process run of the same
    project and stack (the gRPC threads don't see the Pulumi settings a test sets).
    """

    def __init__(self, project: str, stack: str) -> None:
        self.project = project
        self.stack = stack
        self.recording = _StackRecordingMonitor(project, stack)
        self.stack_urn = self.recording.make_urn("", "pulumi:pulumi:Stack", f"{project}-{stack}")

    def register_provider(self, name: str, inputs: dict[str, Any]) -> dict[str, str]:
        """Register an aws provider as a program would, and return its reference as the engine passes it."""
        request = resource_pb2.RegisterResourceRequest(
            type="pulumi:providers:aws", name=name, parent=self.stack_urn, custom=True, object=to_struct(inputs)
        )
        response = self.recording.RegisterResource(request)
        return {rpc._special_sig_key: rpc._special_resource_sig, "urn": response.urn, "id": response.id}

    def RegisterResource(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Record the registration and answer with the inputs as state."""
        return self.recording.RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Accept the component's outputs."""
        return self.recording.RegisterResourceOutputs(request)

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Answer ``getResource`` (provider references are rehydrated through it) and the component's lookups."""
        return self.recording.Invoke(request)

    def GetDeploymentInfo(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """The features the engine supports (resource references among them)."""
        return self.recording.GetDeploymentInfo(request)

    def RegisterPackage(self, request: Any, context: grpc.ServicerContext) -> Any:  # noqa: N802
        """Accept a package registration."""
        return self.recording.RegisterPackage(request)


class _StackRecordingMonitor(RecordingMonitor):
    """A recording monitor whose URNs name a fixed project and stack."""

    def __init__(self, project: str, stack: str) -> None:
        super().__init__(OfflineMocks())
        self._prefix = f"urn:pulumi:{stack}::{project}"

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """The mock monitor's URN: the parent's own type (last segment) qualifies the child's type."""
        if parent:
            type_ = f"{parent.split('::')[2].split('$')[-1]}${type_}"
        return f"{self._prefix}::{type_}::{name}"


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct of plain JSON-like values."""
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[LoggingEngine, str]]:
    """A logging engine service and its address, for the plugin's command line."""
    servicer = LoggingEngine()
    server, address = serve(engine_pb2_grpc.add_EngineServicer_to_server, servicer)
    yield servicer, address
    server.stop(grace=None)


@pytest.fixture(scope="module")
def plugin_stub(
    engine: tuple[LoggingEngine, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[provider_pb2_grpc.ResourceProviderStub]:
    """The plugin started as the Python language host starts a bare-folder plugin: ``python <folder> <engine
    address>``, which runs its ``__main__.py``; it prints its port on stdout. Terminated and waited for at the end."""
    _, address = engine
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    stderr = (tmp_path_factory.mktemp("plugin") / "stderr").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-u", str(PLUGIN_DIR), address],
        cwd=PLUGIN_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        port = (process.stdout.readline() if process.stdout else "").strip()
        if not port.isdigit():
            process.kill()
            process.wait()
            stderr.seek(0)
            pytest.fail(f"the plugin printed no port: {port!r} {stderr.read()}")
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield provider_pb2_grpc.ResourceProviderStub(channel)
        channel.close()
    finally:
        process.terminate()
        process.communicate(timeout=30)
        stderr.close()
