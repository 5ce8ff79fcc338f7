"""Builders for the resources a stack declares, shaped as the engine sends them to a policy pack (the
shapes `EcrReplication` registers, and what a hand-written stack of raw `aws.ecr` resources declares)."""

import json
from collections.abc import Sequence
from typing import Any, Optional

from replication.preview.analyzer import ProviderResource, StackResource

SOURCE_ACCOUNT = "111111111111"
"""The account replication copies from."""
DESTINATION_ACCOUNT = "222222222222"
"""The account replication copies to."""
SOURCE_REGION = "us-east-1"
"""The source registry's region."""
DESTINATION_REGION = "us-west-2"
"""The destination registry's region."""
REPLICATION_ACTIONS = ["ecr:CreateRepository", "ecr:ReplicateImage"]
"""What a destination registry policy grants the source account."""

REPLICATION_CONFIGURATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING_CONFIGURATION = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REPOSITORY = "aws:ecr/repository:Repository"
PULL_THROUGH_CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
SPOKE_ACCOUNT = "444444444444"
"""The account of a pull-through spoke."""
SPOKE_REGION = "ap-south-1"
"""The region of a pull-through spoke."""


def urn(resource_type: str, name: str) -> str:
    """The URN the engine gives a top-level resource of the test stack."""
    return f"urn:pulumi:dev::ecr::{resource_type}::{name}"


def provider(name: str, region: str = SOURCE_REGION, account: Optional[str] = SOURCE_ACCOUNT,
             role_account: Optional[str] = None) -> ProviderResource:
    """An AWS provider; `account` goes to allowedAccountIds, `role_account` into an assumed role's ARN."""
    props: dict[str, Any] = {"region": region}
    if account:
        props["allowedAccountIds"] = [account]
    if role_account:
        props["assumeRoles"] = [{"roleArn": f"arn:aws:iam::{role_account}:role/deployer"}]
    return ProviderResource(type="pulumi:providers:aws", name=name, urn=urn("pulumi:providers:aws", name),
                            props=props)


def source_provider() -> ProviderResource:
    """The provider of the source registry (111111111111/us-east-1)."""
    return provider("source")


def destination_provider() -> ProviderResource:
    """The provider of the destination account (222222222222, us-west-2)."""
    return provider("destination", DESTINATION_REGION, DESTINATION_ACCOUNT)


def resource(resource_type: str, name: str, props: dict[str, Any],
             resource_provider: Optional[ProviderResource]) -> StackResource:
    """A custom resource of the stack."""
    return StackResource(type=resource_type, name=name, urn=urn(resource_type, name), props=props,
                         provider=resource_provider)


def destination(registry_id: str = DESTINATION_ACCOUNT, region: str = DESTINATION_REGION) -> dict[str, str]:
    """A replication destination."""
    return {"region": region, "registryId": registry_id}


def rule(destinations: Sequence[dict[str, str]], prefixes: Sequence[str] = ("prod/",),
         filter_type: str = "PREFIX_MATCH") -> dict[str, Any]:
    """A replication rule."""
    return {"destinations": list(destinations),
            "repositoryFilters": [{"filter": p, "filterType": filter_type} for p in prefixes]}


def replication_configuration(name: str = "replication", rules: Optional[list[dict[str, Any]]] = None,
                              resource_provider: Optional[ProviderResource] = None,
                              region: Optional[str] = SOURCE_REGION) -> StackResource:
    """A replication configuration (one rule to 222222222222/us-west-2 for `prod/` unless `rules` says)."""
    props: dict[str, Any] = {"replicationConfiguration": {"rules": rules or [rule([destination()])]}}
    if region:
        props["region"] = region
    return resource(REPLICATION_CONFIGURATION, name, props, resource_provider or source_provider())


def statement(principal: Any = f"arn:aws:iam::{SOURCE_ACCOUNT}:root", actions: Any = None,
              region: str = DESTINATION_REGION, account: str = DESTINATION_ACCOUNT, effect: str = "Allow",
              sid: str = "ReplicationFromSource", resources: Any = None) -> dict[str, Any]:
    """A registry policy statement (AWS's documented replication statement unless told otherwise)."""
    return {"Sid": sid, "Effect": effect, "Principal": principal if principal == "*" else {"AWS": principal},
            "Action": REPLICATION_ACTIONS if actions is None else actions,
            "Resource": [f"arn:aws:ecr:{region}:{account}:repository/prod/*"] if resources is None else resources}


def registry_policy(name: str = "destination-policy", statements: Optional[list[dict[str, Any]]] = None,
                    resource_provider: Optional[ProviderResource] = None,
                    region: str = DESTINATION_REGION) -> StackResource:
    """A destination registry policy granting the source account replication unless `statements` says."""
    document = {"Version": "2012-10-17", "Statement": statements or [statement()]}
    return resource(REGISTRY_POLICY, name, {"region": region, "policy": json.dumps(document)},
                    resource_provider or destination_provider())


def scanning_configuration(name: str = "destination-scanning", patterns: Sequence[str] = ("prod/*",),
                           frequency: str = "SCAN_ON_PUSH", resource_provider: Optional[ProviderResource] = None,
                           region: str = DESTINATION_REGION) -> StackResource:
    """A registry scanning configuration (scan on push of `prod/*` in the destination unless told)."""
    return resource(SCANNING_CONFIGURATION, name, {"region": region, "scanType": "BASIC", "rules": [{
        "scanFrequency": frequency,
        "repositoryFilters": [{"filter": p, "filterType": "WILDCARD"} for p in patterns]}]},
        resource_provider or destination_provider())


def creation_template(name: str = "destination-template", mutability: Optional[str] = "IMMUTABLE",
                      encryption: Optional[str] = "KMS", applied_fors: Sequence[str] = ("REPLICATION",),
                      resource_provider: Optional[ProviderResource] = None) -> StackResource:
    """A repository creation template for replication (immutable tags, KMS unless told)."""
    props: dict[str, Any] = {"region": DESTINATION_REGION, "prefix": "prod", "appliedFors": list(applied_fors),
                             "customRoleArn": f"arn:aws:iam::{DESTINATION_ACCOUNT}:role/ecr-template"}
    if mutability:
        props["imageTagMutability"] = mutability
    if encryption:
        props["encryptionConfigurations"] = [{"encryptionType": encryption, "kmsKey": "alias/ecr"}]
    return resource(CREATION_TEMPLATE, name, props, resource_provider or destination_provider())


def repository(name: str = "prod/api", mutability: Optional[str] = "IMMUTABLE",
               encryption: Optional[str] = "KMS") -> StackResource:
    """A repository in the source registry."""
    props: dict[str, Any] = {"name": name, "imageScanningConfiguration": {"scanOnPush": True}}
    if mutability:
        props["imageTagMutability"] = mutability
    if encryption:
        props["encryptionConfigurations"] = [{"encryptionType": encryption}]
    return resource(REPOSITORY, name.replace("/", "-"), props, source_provider())


def spoke_provider(account: str = SPOKE_ACCOUNT, region: str = SPOKE_REGION) -> ProviderResource:
    """The provider of a pull-through spoke's account (444444444444, ap-south-1 unless told)."""
    return provider(f"spoke-{account}", region, account)


def pull_through_rule(name: str = "spoke-prod", prefix: str = "prod",
                      upstream: str = f"{DESTINATION_ACCOUNT}.dkr.ecr.{DESTINATION_REGION}.amazonaws.com",
                      upstream_prefix: Optional[str] = "prod", region: str = SPOKE_REGION,
                      resource_provider: Optional[ProviderResource] = None) -> StackResource:
    """A pull-through cache rule in a spoke caching `prefix` from a private ECR upstream (the destination
    222222222222/us-west-2 unless told), with the role a cross-account upstream needs."""
    props: dict[str, Any] = {"region": region, "ecrRepositoryPrefix": prefix, "upstreamRegistryUrl": upstream,
                             "customRoleArn": f"arn:aws:iam::{SPOKE_ACCOUNT}:role/pull-through"}
    if upstream_prefix is not None:
        props["upstreamRepositoryPrefix"] = upstream_prefix
    return resource(PULL_THROUGH_CACHE_RULE, name, props, resource_provider or spoke_provider())


def guarded_stack() -> list[StackResource]:
    """A stack that satisfies every policy: replication of `prod/` from 111111111111/us-east-1 to
    222222222222/us-west-2, with the destination's policy, scan on push and creation template."""
    return [source_provider(), destination_provider(), replication_configuration(), registry_policy(),
            scanning_configuration(), creation_template(), repository()]


def many_destinations(count: int,
                      accounts: Sequence[str] = (DESTINATION_ACCOUNT, "333333333333")) -> list[dict[str, str]]:
    """`count` unique destinations spread over `accounts` and numbered regions."""
    return [destination(accounts[i % len(accounts)], f"region-{i // len(accounts)}") for i in range(count)]
