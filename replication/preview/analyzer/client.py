"""What a Pulumi CLI asks a policy pack, whichever way the pack is reached (its own process or this one)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, Optional

from google.protobuf import empty_pb2
from pulumi.runtime import proto

from .messages import (Diagnostic, PolicyConfig, StackResource, from_diagnostic, to_analyze_request,
                       to_analyzer_resource, to_configure_request)


class PolicyPackError(RuntimeError):
    """The policy pack didn't start, exited, or failed a call; the message says what it reported."""


class AnalyzerClient:
    """A policy pack driven like the CLI drives it: `GetAnalyzerInfo`, `Configure`, `Analyze` for each
    resource and `AnalyzeStack` once. Use it as a context manager so the pack is always stopped::

        with open_pack(Path("policies"), config={"aws-explicit-providers": "disabled"}) as pack:
            diagnostics = pack.preview(resources)

    Subclasses say how a call reaches the pack (`_call`) and how the pack starts and stops.
    """

    in_process = False
    """Whether the pack's servicer runs in this process (no subprocess, no gRPC)."""

    def __init__(self, config: Optional[PolicyConfig] = None) -> None:
        """
        :param config: a policy config (the content of a `--policy-pack-config` file); `None` for defaults.
        """
        self.config = config
        self.info: Optional[proto.AnalyzerInfo] = None
        """What `GetAnalyzerInfo` answered: pack name, policies, their default levels and config schemas."""

    def __enter__(self) -> AnalyzerClient:
        self.start()
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()

    def start(self) -> None:
        """Reach the pack, read its info and send its config (raises `PolicyConfigError` for a config the
        pack's policies and schemas don't allow)."""
        self.info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        self.configure(self.config)

    def stop(self) -> None:
        """Let the pack go (nothing to do for a pack in this process)."""

    def _call(self, method: str, request: Any) -> Any:
        """Send one analyzer call and return the pack's answer; raises `PolicyPackError` when it fails."""
        raise NotImplementedError

    def configure(self, config: Optional[PolicyConfig]) -> None:
        """Send a policy config (replacing the previous one) as the CLI does for `--policy-pack-config`."""
        if self.info is None:
            raise PolicyPackError("the policy pack is not running; use `with ...` or start()")
        self._call("Configure", to_configure_request(config, self.info.policies))
        self.config = config

    def analyze(self, resource: StackResource) -> list[Diagnostic]:
        """The resource policies' diagnostics for one resource (`Analyze`), each naming that resource's URN
        (the pack leaves it empty; the CLI attaches the diagnostic to the resource analyzed)."""
        response = self._call("Analyze", to_analyze_request(resource))
        return [from_diagnostic(d, resource["urn"]) for d in response.diagnostics]

    def analyze_stack(self, resources: Sequence[StackResource]) -> list[Diagnostic]:
        """The stack policies' diagnostics for a whole stack (`AnalyzeStack`)."""
        return self.analyze_stack_request(self.stack_request(resources))

    @staticmethod
    def stack_request(resources: Iterable[StackResource]) -> proto.AnalyzeStackRequest:
        """The `AnalyzeStack` request for these resources (build it once to time the call alone)."""
        return proto.AnalyzeStackRequest(resources=[to_analyzer_resource(r) for r in resources])

    def analyze_stack_request(self, request: proto.AnalyzeStackRequest) -> list[Diagnostic]:
        """Send a prepared `AnalyzeStack` request."""
        return [from_diagnostic(d) for d in self._call("AnalyzeStack", request).diagnostics]

    def preview(self, resources: Sequence[StackResource]) -> list[Diagnostic]:
        """Every diagnostic a `pulumi preview --policy-pack` shows: `Analyze` per resource, then `AnalyzeStack`."""
        diagnostics = [d for resource in resources for d in self.analyze(resource)]
        return diagnostics + self.analyze_stack(resources)
