"""Fixtures for the operations CLI: moto as a real HTTP server, a source registry in it, stub helpers, and the record
of every AWS call the commands make (``tests/cli/recorded_calls.py``)."""

from __future__ import annotations

import argparse
import json
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from replication.cli import main as cli_main
from replication.cli.main import main
from tests.cli.fakes import ClientHook, HookedSession, PullThroughCache, RegistryPolicies, RoutedClient
from tests.cli.recorded_calls import DESELECTED, RECORDED_CALLS, CallRecorder, label_sessions

SOURCE, DEST_A, DEST_B = "123456789012", "222222222222", "333333333333"
"""moto's default account is the source; the others are destination accounts."""

REGION = "us-east-1"
"""The source registry's region."""

BACKFILL_OPERATIONS = frozenset({
    "start_replication_backfill", "stop_replication_backfill",
    "list_replication_backfills", "describe_replication_backfill_results",
})
"""ECR operations moto does not implement, answered by a botocore Stubber."""


def pytest_configure(config: pytest.Config) -> None:
    """The record of calls, and the marker of the tests that read it once every other test has run."""
    config.stash[RECORDED_CALLS] = CallRecorder()
    config.addinivalue_line("markers", "after_cli_tests: runs after every other test (it reads their record)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``after_cli_tests`` run last, in their order."""
    items.sort(key=lambda item: item.get_closest_marker("after_cli_tests") is not None)


def pytest_deselected(items: list[pytest.Item]) -> None:
    """Note when a test of this folder is left out of the run."""
    folder = Path(__file__).parent
    if any(folder in Path(item.path).parents for item in items):
        items[0].config.stash[DESELECTED] = True


@pytest.fixture(autouse=True)
def record_calls(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command this test parses records the AWS calls it makes (``tests/cli/recorded_calls.py``)."""
    recorder = request.config.stash[RECORDED_CALLS]
    monkeypatch.setattr(cli_main, "build_parser", recorder.recording(cli_main.build_parser, request.node.nodeid))
    label_sessions(monkeypatch)


def reset_moto(moto_endpoint: str) -> None:
    """Forget everything moto holds (every account's registries, roles and images)."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fresh moto state, and the standard credential chain pointed at it with dummy keys."""
    reset_moto(moto_endpoint)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return moto_endpoint


@pytest.fixture
def hooks(aws_env: str) -> list[ClientHook]:
    """Hooks applied to every client made by the sessions of :func:`cli` (the credential chain stays real)."""
    return []


@dataclass(frozen=True)
class Cli:
    """The CLI with a session factory whose clients pass through the test's hooks."""

    hooks: list[ClientHook]

    def factory(self, **kwargs: Any) -> HookedSession:
        """What the CLI calls to make each boto3 session."""
        return HookedSession(self.hooks, **kwargs)

    def main(self, argv: list[str]) -> int:
        """Run a command as the console script does."""
        return main(argv, session_factory=self.factory)

    def parse(self, argv: list[str]) -> argparse.Namespace:
        """Parse a command line with the real parser, for calling a command's ``run`` directly."""
        return cli_main.build_parser(session_factory=self.factory).parse_args(argv)


@pytest.fixture
def cli(hooks: list[ClientHook]) -> Cli:
    """The CLI wired to the test's client hooks."""
    return Cli(hooks)


@pytest.fixture
def stub_operations(hooks: list[ClientHook]) -> Iterator[Callable[..., Stubber]]:
    """Route some ECR operations of the CLI's clients to a botocore Stubber; everything else goes to moto.

    Call it with snake_case operation names; the Stubber must have served every queued response by the end.
    """
    stubbers: list[Stubber] = []

    def route(*operations: str) -> Stubber:
        """A Stubber serving ``operations`` on every ECR client made from now on."""
        stubbed = boto3.client("ecr", region_name=REGION)
        hooks.append(lambda service, client: RoutedClient(client, stubbed, frozenset(operations)) if service == "ecr" else client)
        stubbers.append(Stubber(stubbed))
        stubbers[-1].activate()
        return stubbers[-1]

    yield route
    for stubber in stubbers:
        stubber.assert_no_pending_responses()


@pytest.fixture
def spokes(hooks: list[ClientHook]) -> PullThroughCache:
    """The pull-through cache rules of each spoke registry, answered as ECR does (moto has none)."""
    responder = PullThroughCache()
    hooks.append(responder.hook)
    return responder


@pytest.fixture
def policies(hooks: list[ClientHook]) -> RegistryPolicies:
    """Registry policies that hold pull-through grants, answered as ECR does (moto refuses their actions)."""
    responder = RegistryPolicies()
    hooks.append(responder.hook)
    return responder


@pytest.fixture
def backfill_stub(stub_operations: Callable[..., Stubber]) -> Stubber:
    """A Stubber answering the backfill APIs (moto has none of them)."""
    return stub_operations(*BACKFILL_OPERATIONS)


class Registry:
    """Arranges a source registry in moto the way a deployed EcrReplication leaves it."""

    def __init__(self, session: boto3.Session) -> None:
        """Use ``session`` (the source account) for every call."""
        self.ecr = session.client("ecr")
        self.session = session
        self.pushed = 0

    def replicate(self, destinations: list[tuple[str, str]], prefixes: list[str]) -> None:
        """Put the one rule moto accepts."""
        rule: dict[str, Any] = {"destinations": [{"region": r, "registryId": a} for r, a in destinations]}
        if prefixes:
            rule["repositoryFilters"] = [{"filter": p, "filterType": "PREFIX_MATCH"} for p in prefixes]
        self.ecr.put_replication_configuration(replicationConfiguration={"rules": [rule]})

    def push(self, repository: str, tag: str | None = None) -> str:
        """Push an image (creating its repository if needed) and return its digest; later pushes sort later."""
        if repository not in {r["repositoryName"] for r in self.ecr.describe_repositories()["repositories"]}:
            self.ecr.create_repository(repositoryName=repository)
        self.pushed += 1
        digest = f"sha256:{self.pushed:064x}"
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "layers": [],
                    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": digest}}
        kwargs = {"imageTag": tag} if tag else {}
        self.ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageDigest=digest, **kwargs)
        return digest

    def account_session(self, account: str, region: str) -> boto3.Session:
        """A session in another moto account, through STS like a real cross-account role."""
        issued = self.session.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/admin", RoleSessionName="tests"
        )["Credentials"]
        return boto3.Session(aws_access_key_id=issued["AccessKeyId"], aws_secret_access_key=issued["SecretAccessKey"],
                             aws_session_token=issued["SessionToken"], region_name=region)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the bundled program (Pulumi.yaml and __main__.py), without stack files."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(Path(__file__).resolve().parents[2] / name, folder / name)
    return folder


@pytest.fixture
def registry(aws_env: str) -> Registry:
    """The source registry (moto's default account, us-east-1), empty."""
    return Registry(boto3.Session(region_name=REGION))
