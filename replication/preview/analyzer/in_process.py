"""The bundled policy pack called in this process: the same SDK servicer the pack's process would run, with
no subprocess and no gRPC, so `ecr-replication plan` starts as fast as its imports allow."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any, Optional

from .client import AnalyzerClient, PolicyPackError
from .messages import PolicyConfig
from .server import PolicyPackServer

BUNDLED_PACK = "replication.policy_pack"
"""The package the installed distribution carries the `policies/` folder as (pyproject.toml's package-dir)."""


class InProcessPack(AnalyzerClient):
    """A pack's analyzer servicer called directly, each call as the gRPC server would make it."""

    in_process = True

    def __init__(self, servicer: Any, config: Optional[PolicyConfig] = None) -> None:
        """
        :param servicer: the pack's servicer (what its `PolicyPack` would serve over gRPC).
        :param config: a policy config (the content of a `--policy-pack-config` file); `None` for defaults.
        """
        super().__init__(config)
        self._servicer = servicer

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self._servicer, method)(request, None)
        except Exception as error:  # noqa: BLE001 what the gRPC server would have turned into an error status
            raise PolicyPackError(f"{method} failed: {type(error).__name__}: {error}") from error


def bundled_pack_dir() -> Optional[Path]:
    """The folder of the pack this package carries (an installed copy, or `policies/` of an editable checkout)."""
    spec = importlib.util.find_spec(BUNDLED_PACK)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _bundled_servicer() -> Optional[Any]:
    """The bundled pack's servicer, or `None` when its SDK fast path says the installed pulumi-policy can't
    serve it in-process."""
    guardrails = importlib.import_module(f"{BUNDLED_PACK}.ecr_guardrails")
    fast_path = importlib.import_module(f"{BUNDLED_PACK}.ecr_guardrails.sdk_fast_path")
    return fast_path.in_process_servicer(guardrails.PACK_NAME, guardrails.POLICIES, guardrails.PACK_DESCRIPTION)


def open_pack(pack_dir: Path, config: Optional[PolicyConfig] = None) -> AnalyzerClient:
    """The pack in `pack_dir`, not started yet: the bundled pack runs in this process (when the installed
    pulumi-policy allows it), any other pack in its own process as the CLI runs it."""
    if pack_dir.resolve() == bundled_pack_dir():
        servicer = _bundled_servicer()
        if servicer is not None:
            return InProcessPack(servicer, config)
    return PolicyPackServer(pack_dir, config)
