"""Run a Python policy pack the way the Pulumi CLI does and talk to it over the analyzer protocol."""

import select
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Optional, Union

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

from .messages import (Diagnostic, PolicyConfig, StackResource, from_diagnostic, to_analyze_request,
                       to_analyzer_resource, to_configure_request)

_MAX_MESSAGE_BYTES = 400 * 1024 * 1024
_GRPC_OPTIONS = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES)]


class PolicyPackError(RuntimeError):
    """The policy pack didn't start, or exited; the message carries what it printed on stderr."""


class PolicyPackServer:
    """A policy pack running in its own process, as `pulumi preview --policy-pack <dir>` runs it.

    The CLI's Python language host runs `python <pack dir>` (the pack's `__main__.py`), whose first stdout
    line is the port of its analyzer server; the CLI then calls `GetAnalyzerInfo`, `Configure`, `Analyze` for
    each resource and `AnalyzeStack` once. Use it as a context manager so the process is always stopped::

        with PolicyPackServer("policies", config={"aws-explicit-providers": "disabled"}) as pack:
            diagnostics = pack.analyze_stack(resources)
    """

    def __init__(self, pack_dir: Union[str, Path], config: Optional[PolicyConfig] = None,
                 python: str = sys.executable, startup_timeout: float = 60.0) -> None:
        """
        :param pack_dir: the folder with `PulumiPolicy.yaml` and `__main__.py`.
        :param config: a policy config (the content of a `--policy-pack-config` file); `None` for defaults.
        :param python: the interpreter that runs the pack (one with `pulumi-policy` installed).
        :param startup_timeout: seconds to wait for the pack to print its port.
        """
        self.pack_dir = Path(pack_dir).resolve()
        self.config = config
        self.python = python
        self.startup_timeout = startup_timeout
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._stderr: Optional[IO[bytes]] = None
        self._channel: Optional[grpc.Channel] = None
        self._stub: Optional[analyzer_pb2_grpc.AnalyzerStub] = None
        self.info: Optional[proto.AnalyzerInfo] = None
        """What `GetAnalyzerInfo` answered: pack name, policies, their default levels and config schemas."""

    def __enter__(self) -> "PolicyPackServer":
        self.start()
        return self

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 traceback: Optional[TracebackType]) -> None:
        self.stop()

    def start(self) -> None:
        """Start the pack, connect, read its info and send its config."""
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen([self.python, "-u", str(self.pack_dir)], cwd=self.pack_dir,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self.info = self._stub.GetAnalyzerInfo(empty_pb2.Empty())
            self.configure(self.config)
        except BaseException:
            self.stop()
            raise

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], self.startup_timeout)
        line = self._process.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            raise PolicyPackError(f"policy pack {self.pack_dir} printed no port (got {line!r}):\n{self.stderr()}")
        return int(line)

    def stderr(self) -> str:
        """What the pack printed on stderr so far."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self) -> None:
        """Close the connection and stop the pack's process (terminate, then kill if it hangs)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._process = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    @property
    def pid(self) -> Optional[int]:
        """The pack process's id while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        """The connected analyzer stub (for calls this class doesn't wrap)."""
        if self._stub is None:
            raise PolicyPackError("the policy pack is not running; use `with PolicyPackServer(...)` or start()")
        return self._stub

    def default_levels(self) -> dict[str, int]:
        """Each policy's enforcement level as the pack declares it."""
        assert self.info is not None
        return {policy.name: policy.enforcementLevel for policy in self.info.policies}

    def configure(self, config: Optional[PolicyConfig]) -> None:
        """Send a policy config (replacing the previous one) as the CLI does for `--policy-pack-config`."""
        self.stub.Configure(to_configure_request(config, self.default_levels()))
        self.config = config

    def analyze(self, resource: StackResource) -> list[Diagnostic]:
        """The resource policies' diagnostics for one resource (`Analyze`), each naming that resource's URN
        (the pack leaves it empty; the CLI attaches the diagnostic to the resource analyzed)."""
        response = self.stub.Analyze(to_analyze_request(resource))
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
        return [from_diagnostic(d) for d in self.stub.AnalyzeStack(request).diagnostics]

    def preview(self, resources: Sequence[StackResource]) -> list[Diagnostic]:
        """Every diagnostic a `pulumi preview --policy-pack` shows: `Analyze` per resource, then `AnalyzeStack`."""
        diagnostics = [d for resource in resources for d in self.analyze(resource)]
        return diagnostics + self.analyze_stack(resources)
