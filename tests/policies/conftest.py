"""Shared fixtures of the policy pack tests: the pack running in its own process."""

from collections.abc import Iterator

import pytest

from replication.preview.analyzer import PolicyPackServer
from tests.policies.policy_args import PACK_DIR


@pytest.fixture(scope="module")
def pack_process() -> Iterator[PolicyPackServer]:
    """The pack running in its own process as the CLI runs it, stopped after the module's tests."""
    with PolicyPackServer(PACK_DIR) as server:
        yield server


@pytest.fixture
def pack(pack_process: PolicyPackServer) -> PolicyPackServer:
    """The running pack, configured with its defaults (tests may configure it further)."""
    pack_process.configure(None)
    return pack_process
