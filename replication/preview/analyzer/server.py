"""Run a Python policy pack the way the Pulumi CLI does and talk to it over the analyzer protocol."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Optional, Union

import grpc
from pulumi.runtime.proto import analyzer_pb2_grpc

from .client import AnalyzerClient, PolicyPackError
from .messages import PolicyConfig

_MAX_MESSAGE_BYTES = 400 * 1024 * 1024
_GRPC_OPTIONS = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                 ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES)]


class PolicyPackServer(AnalyzerClient):
    """A policy pack running in its own process, as `pulumi preview --policy-pack <dir>` runs it.

    The CLI's Python language host runs `python <pack dir>` (the pack's `__main__.py`), whose first stdout
    line is the port of its analyzer server; the CLI then calls `GetAnalyzerInfo`, `Configure`, `Analyze` for
    each resource and `AnalyzeStack` once::

        with PolicyPackServer("policies", config={"aws-explicit-providers": "disabled"}) as pack:
            diagnostics = pack.analyze_stack(resources)
    """

    def __init__(self, pack_dir: Union[str, Path], config: Optional[PolicyConfig] = None,
                 python: str = sys.executable, startup_timeout: float = 60.0,
                 env: Optional[Mapping[str, str]] = None) -> None:
        """
        :param pack_dir: the folder with `PulumiPolicy.yaml` and `__main__.py`.
        :param config: a policy config (the content of a `--policy-pack-config` file); `None` for defaults.
        :param python: the interpreter that runs the pack (one with `pulumi-policy` installed).
        :param startup_timeout: seconds to wait for the pack to print its port and answer.
        :param env: variables to set in the pack's environment, on top of this process's.
        """
        super().__init__(config)
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self.startup_timeout = startup_timeout
        self.env = dict(env or {})
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._stderr: Optional[IO[bytes]] = None
        self._channel: Optional[grpc.Channel] = None
        self._stub: Optional[analyzer_pb2_grpc.AnalyzerStub] = None

    def start(self) -> None:
        """Start the pack, connect, read its info and send its config."""
        self._stderr = tempfile.TemporaryFile()
        self._process = subprocess.Popen([self.python, "-u", str(self.pack_dir)], cwd=self.pack_dir,
                                         env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=self._stderr)
        try:
            port = self._read_port()
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_GRPC_OPTIONS)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            super().start()
        except BaseException:
            self.stop()
            raise

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], self.startup_timeout)
        line = self._process.stdout.readline() if ready else b""
        if not line.strip().isdigit():
            printed = self.stderr().strip()
            raise PolicyPackError(f"policy pack {self.pack_dir} printed no port (got {line!r}) and "
                                  + (f"this on stderr:\n{printed}" if printed else "nothing on stderr"))
        return int(line)

    def _call(self, method: str, request: Any) -> Any:
        # The first call waits for the server to listen. Waiting per call rather than with
        # `grpc.channel_ready_future` spares `stop()` the ~200 ms `channel.close()` then spends joining the
        # future's connectivity-polling thread.
        try:
            return getattr(self.stub, method)(request, wait_for_ready=True, timeout=self._deadline(method))
        except grpc.RpcError as error:
            details = error.details() if isinstance(error, grpc.Call) else str(error)
            raise PolicyPackError(f"{method} failed: {details}\n{self.stderr()}".rstrip()) from None

    def _deadline(self, method: str) -> Optional[float]:
        """The startup timeout for the first call; no deadline for the analysis itself."""
        return self.startup_timeout if method == "GetAnalyzerInfo" else None

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
            self._stub = None
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
