"""Read the example stack's configuration (``Pulumi.<stack>.yaml``) and build one aws provider per account.

Every error names the config key, e.g. ``ecr-replication:destinations[0].accountId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from replication.args import RepositorySettingsArgs
from replication.errors import ReplicationConfigError
from replication.model import check_account_id, check_prefixes, check_region
from replication.repository_settings import SETTING_NAMES


@dataclass(frozen=True)
class AccountConfig:
    """How to reach one account: its id, the provider's region, and a profile or a role to assume."""

    key: str
    """The config key this account came from, for error messages."""
    account_id: str
    region: str
    profile: str | None
    role_arn: str | None


@dataclass(frozen=True)
class DestinationConfig:
    """A destination account and the regions replicated to it."""

    account: AccountConfig
    regions: list[str]
    repository_prefixes: list[str] | None
    manage_registry_policy: bool
    repository_settings: RepositorySettingsArgs | None


@dataclass(frozen=True)
class StackConfig:
    """The whole example stack configuration."""

    source: AccountConfig
    destinations: list[DestinationConfig]
    repository_prefixes: list[str]
    repository_settings: RepositorySettingsArgs | None


def _optional_str(key: str, entry: Mapping[str, Any], name: str) -> str | None:
    value = entry.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise ReplicationConfigError(f"{key}.{name}", value, "must be a non-empty string")
    return value


def _snake_case(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _repository_settings(key: str, entry: object) -> RepositorySettingsArgs | None:
    """``repositorySettings`` with camelCase keys, as ``RepositorySettingsArgs``."""
    if entry is None:
        return None
    if not isinstance(entry, Mapping):
        raise ReplicationConfigError(key, entry, "must be an object of repository settings")
    settings: dict[str, Any] = {}
    for name, value in entry.items():
        field = _snake_case(str(name))
        if field not in SETTING_NAMES:
            raise ReplicationConfigError(f"{key}.{name}", value, "is not a repository setting (see README)")
        settings[field] = value
    return RepositorySettingsArgs(**settings)  # type: ignore[typeddict-item]


def _account(key: str, entry: object, region: str | None = None) -> AccountConfig:
    if not isinstance(entry, Mapping):
        raise ReplicationConfigError(key, entry, "must be an object with accountId, region and profile or roleArn")
    account_id = check_account_id(f"{key}.accountId", entry.get("accountId"))
    region = check_region(f"{key}.region", entry.get("region", region))
    profile = _optional_str(key, entry, "profile")
    role_arn = _optional_str(key, entry, "roleArn")
    if role_arn is not None and f":{account_id}:role/" not in role_arn:
        raise ReplicationConfigError(
            f"{key}.roleArn", role_arn, f"must be a role ARN in account {account_id} (arn:aws:iam::{account_id}:role/...)"
        )
    return AccountConfig(key, account_id, region, profile, role_arn)


def _destination(key: str, entry: object) -> DestinationConfig:
    if not isinstance(entry, Mapping):
        raise ReplicationConfigError(key, entry, "must be an object with accountId and regions")
    regions = entry.get("regions")
    if not isinstance(regions, list) or not regions:
        raise ReplicationConfigError(f"{key}.regions", regions, "must be a non-empty list of regions")
    checked = [check_region(f"{key}.regions[{i}]", region) for i, region in enumerate(regions)]
    prefixes = entry.get("repositoryPrefixes")
    manage = entry.get("manageRegistryPolicy", True)
    if not isinstance(manage, bool):
        raise ReplicationConfigError(f"{key}.manageRegistryPolicy", manage, "must be true or false")
    return DestinationConfig(
        account=_account(key, entry, region=checked[0]),
        regions=checked,
        repository_prefixes=None if prefixes is None else list(check_prefixes(f"{key}.repositoryPrefixes", prefixes)),
        manage_registry_policy=manage,
        repository_settings=_repository_settings(f"{key}.repositorySettings", entry.get("repositorySettings")),
    )


def read_stack_config(config: pulumi.Config) -> StackConfig:
    """Read and check ``source``, ``destinations``, ``repositoryPrefixes`` and ``repositorySettings``."""
    namespace = config.name
    try:
        source = config.require_object("source")
        destinations = config.require_object("destinations")
        prefixes = config.get_object("repositoryPrefixes") or []
        settings = config.get_object("repositorySettings")
    except pulumi.ConfigMissingError as error:
        raise ReplicationConfigError(error.key, None, "is required: set it in Pulumi.<stack>.yaml") from None
    except pulumi.ConfigTypeError as error:
        raise ReplicationConfigError(error.key, error.value, f"must be {error.expect_type}") from None
    if not isinstance(destinations, list) or not destinations:
        raise ReplicationConfigError(f"{namespace}:destinations", destinations, "must be a non-empty list")
    return StackConfig(
        source=_account(f"{namespace}:source", source),
        destinations=[_destination(f"{namespace}:destinations[{i}]", d) for i, d in enumerate(destinations)],
        repository_prefixes=list(check_prefixes(f"{namespace}:repositoryPrefixes", prefixes)),
        repository_settings=_repository_settings(f"{namespace}:repositorySettings", settings),
    )


def account_provider(name: str, account: AccountConfig) -> aws.Provider:
    """An aws provider that can only ever touch ``account`` (``allowed_account_ids``), assuming its role if set."""
    return aws.Provider(
        name,
        region=account.region,
        allowed_account_ids=[account.account_id],
        profile=account.profile,
        assume_roles=[aws.ProviderAssumeRoleArgs(role_arn=account.role_arn)] if account.role_arn else None,
    )
