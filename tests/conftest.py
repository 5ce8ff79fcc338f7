"""Shared helpers for tests that run Pulumi code under mocks."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pulumi_aws as aws
import pytest
from moto.server import ThreadedMotoServer
from replication.preview.runner import OfflineRun, RegisteredResource

SOURCE_ACCOUNT = "111111111111"
DEST_ACCOUNT = "222222222222"
THIRD_ACCOUNT = "333333333333"

REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"


def account_provider(name: str, account: str | None, region: str) -> aws.Provider:
    """An explicit aws provider pinned to one account (or unpinned when ``account`` is None)."""
    return aws.Provider(name, region=region, allowed_account_ids=[account] if account else None)


def provider_name(run: OfflineRun, resource: RegisteredResource) -> str:
    """The name of the provider resource a registered resource went through."""
    return run.by_urn(resource.provider_urn).name


def policy_of(resource: RegisteredResource) -> dict[str, Any]:
    """The parsed policy document of a registered RegistryPolicy."""
    return json.loads(resource.inputs["policy"])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 (real HTTP) for the whole test session, stopped at the end."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_client(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Make a boto3 client against moto in a given account (moto's ``x-moto-account-id``) and region."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    def make(service: str, account: str, region: str) -> Any:
        client = boto3.session.Session().client(service, region_name=region, endpoint_url=moto_endpoint)

        def pin_account(request: Any, **_: Any) -> None:
            request.headers["x-moto-account-id"] = account

        client.meta.events.register("before-sign", pin_account)
        return client

    return make


def replicate_from_source(destinations: Callable[[aws.Provider], list[Any]], **args: Any) -> OfflineRun:
    """Run ``EcrReplication("images")`` under mocks from the "source" provider (111111111111, us-east-1).

    ``destinations(src)`` builds the destination list, and any destination providers, inside the program.
    """
    from replication import EcrReplication, EcrReplicationArgs
    from replication.preview.runner import run_offline

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        EcrReplication("images", EcrReplicationArgs(source_provider=src, destinations=destinations(src), **args))

    return run_offline(program)


def destination_provider(account: str | None = DEST_ACCOUNT, region: str = "us-west-2", name: str = "destination") -> aws.Provider:
    """The destination account's provider (222222222222, us-west-2 unless told otherwise)."""
    return account_provider(name, account, region)
