"""Shared helpers for tests that run Pulumi code under mocks."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws
from replication.offline import OfflineRun, RegisteredResource

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
