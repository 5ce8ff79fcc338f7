"""The creation templates' role policy always fits IAM's quota, and lists the narrowest resources that fit."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi_aws as aws

from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
from replication.preview.runner import run_offline
from tests.component.helpers import DESTINATION_REGIONS
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_QUOTA = 10_240
"""IAM user guide, "IAM and AWS STS quotas": role policy size, white space not counted."""

EIGHT_REGIONS = DESTINATION_REGIONS[:8]
PREFIXES = [f"platform-team-{i:02}/services/" for i in range(25)]


def role_policy(regions: list[str], prefixes: list[str], settings: dict[str, Any], manage: bool = True) -> dict[str, Any]:
    """The role policy registered for one destination account replicating ``prefixes`` to ``regions``."""

    def program() -> None:
        source = aws.Provider("source", region="us-east-1", allowed_account_ids=[SOURCE_ACCOUNT])
        destination = aws.Provider("destination", region=regions[0], allowed_account_ids=[DEST_ACCOUNT])
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            repository_prefixes=prefixes, repository_settings=settings,
            destinations=[ReplicationDestinationArgs(provider=destination, account_id=DEST_ACCOUNT, regions=regions,
                                                     manage_registry_policy=manage)],
        ))

    (policy,) = run_offline(program).of_type(ROLE_POLICY)
    return json.loads(policy.inputs["policy"])


def size(document: dict[str, Any]) -> int:
    """The policy's size as IAM counts it: canonical JSON without white space."""
    return len(re.sub(r"\s", "", json.dumps(document)))


def narrow(region: str, prefixes: list[str]) -> list[str]:
    return [f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/{prefix}*" for prefix in prefixes]


def whole(region: str) -> str:
    return f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/*"


def test_eight_regions_of_25_prefixes_fit_by_widening_as_few_registries_as_needed() -> None:
    """The issue's case: one account, 8 regions, 25 prefixes, tags (12,030 characters before)."""
    document = role_policy(EIGHT_REGIONS, PREFIXES, {"tags": {"team": "platform"}})
    assert size(document) <= ROLE_POLICY_QUOTA
    resources = set(document["Statement"][0]["Resource"])
    widened = [region for region in EIGHT_REGIONS if whole(region) in resources]
    kept = [region for region in EIGHT_REGIONS if region not in widened]
    for region in kept:
        assert set(narrow(region, PREFIXES)) <= resources, f"{region} keeps every replicated prefix"
    assert widened and kept, "some registries widened, the others keep their prefixes"
    for region in widened:
        restored = {**document}
        restored["Statement"] = [dict(document["Statement"][0])]
        restored["Statement"][0]["Resource"] = sorted((resources - {whole(region)}) | set(narrow(region, PREFIXES)))
        assert size(restored) > ROLE_POLICY_QUOTA, f"{region} was widened though its prefixes would have fit"


def test_a_policy_that_fits_keeps_every_prefix() -> None:
    document = role_policy(EIGHT_REGIONS[:2], PREFIXES, {"tags": {"team": "platform"}})
    assert document["Statement"][0]["Resource"] == sorted(narrow(EIGHT_REGIONS[0], PREFIXES) + narrow(EIGHT_REGIONS[1], PREFIXES))


def test_the_widest_configuration_fits_with_kms_keys_widened_last() -> None:
    regions = DESTINATION_REGIONS[:25]
    prefixes = [f"team{i:03}/" + "a" * 247 + "b" for i in range(100)]
    keys = {region: f"arn:aws:kms:{region}:{DEST_ACCOUNT}:key/" + "1" * 1990 for region in regions}
    settings = {"tags": {"a": "b"}, "encryption_type": "KMS", "kms_keys": keys}
    document = role_policy(regions, prefixes, settings, manage=False)  # such prefixes overflow a registry policy
    assert size(document) <= ROLE_POLICY_QUOTA
    ecr, kms = document["Statement"]
    assert ecr["Resource"] == sorted(whole(region) for region in regions)
    assert kms["Resource"] == sorted(f"arn:aws:kms:{region}:{DEST_ACCOUNT}:key/*" for region in regions)


def test_the_policy_does_not_depend_on_the_order_regions_are_given_in() -> None:
    settings = {"tags": {"team": "platform"}}
    assert role_policy(EIGHT_REGIONS, PREFIXES, settings) == role_policy(EIGHT_REGIONS[::-1], PREFIXES[::-1], settings)
