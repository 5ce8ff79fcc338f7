"""Shared fixtures of the policy pack tests: the pack in its own process, on both of its SDK paths.

Every call a protocol test makes goes to two pack processes, one on the pack's fast servicer and one on
pulumi-policy's stock servicer (`ECR_GUARDRAILS_STOCK_SDK=1`), and their answers must be byte-identical: every
stack a protocol test analyzes is also a test that the fast path reports exactly what the SDK would.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from policies.ecr_guardrails.sdk_fast_path import STOCK_PATH_VARIABLE
from replication.preview.analyzer import AnalyzerClient, PolicyPackServer
from tests.policies.policy_args import PACK_DIR


class BothPaths(AnalyzerClient):
    """The pack's process on the fast path and on the stock SDK path, driven as one pack."""

    def __init__(self) -> None:
        super().__init__()
        self.fast = PolicyPackServer(PACK_DIR)
        self.stock = PolicyPackServer(PACK_DIR, env={STOCK_PATH_VARIABLE: "1"})

    def start(self) -> None:
        """Start both processes; they must describe the same pack."""
        self.fast.start()
        self.stock.start()
        assert self.fast.info == self.stock.info
        self.info = self.fast.info

    def stop(self) -> None:
        """Stop both processes."""
        self.fast.stop()
        self.stock.stop()

    def _call(self, method: str, request: Any) -> Any:
        fast, stock = (pack._call(method, request) for pack in (self.fast, self.stock))  # noqa: SLF001
        assert fast.SerializeToString(deterministic=True) == stock.SerializeToString(deterministic=True), method
        return fast


@pytest.fixture(scope="module")
def pack_process() -> Iterator[BothPaths]:
    """The pack running in its own processes as the CLI runs it, stopped after the module's tests."""
    with BothPaths() as server:
        yield server


@pytest.fixture
def pack(pack_process: BothPaths) -> BothPaths:
    """The running pack, configured with its defaults (tests may configure it further)."""
    pack_process.configure(None)
    return pack_process
