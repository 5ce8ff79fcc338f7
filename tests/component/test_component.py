"""EcrReplication under Pulumi mocks: which resources, through which provider, in which region, in which order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
from replication.preview.runner import OfflineRun, run_offline
from tests.conftest import (
    DEST_ACCOUNT,
    REGISTRY_POLICY,
    REPLICATION_CONFIGURATION,
    SOURCE_ACCOUNT,
    THIRD_ACCOUNT,
    account_provider,
    destination_provider,
    policy_of,
    provider_name,
    replicate_from_source,
)


def two_accounts(**overrides: object) -> OfflineRun:
    """The README's case: source us-east-1 in 111..., destination us-west-2 + eu-west-1 in 222..."""

    def program() -> dict[str, pulumi.Output]:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        dst = account_provider("destination", DEST_ACCOUNT, "us-west-2")
        destination = ReplicationDestinationArgs(provider=dst, regions=["us-west-2", "eu-west-1"], account_id=DEST_ACCOUNT)
        args = EcrReplicationArgs(
            source_provider=src,
            destinations=[destination],
            repository_prefixes=["prod/", "shared/"],
            source_account_id=SOURCE_ACCOUNT,
        )
        args.update(overrides)  # type: ignore[typeddict-item]
        component = EcrReplication("images", args)
        return {
            "source": component.source_registry,
            "destinations": component.destination_registries,
            "rules": component.replication_rules,
            "policies": component.registry_policies,
        }

    return run_offline(program)


def test_registry_policy_per_destination_region_through_destination_provider() -> None:
    run = two_accounts()
    policies = run.of_type(REGISTRY_POLICY)
    assert sorted(p.inputs["region"] for p in policies) == ["eu-west-1", "us-west-2"]
    for policy in policies:
        region = policy.inputs["region"]
        assert provider_name(run, policy) == "destination"
        assert policy.name == f"images-registry-policy-{DEST_ACCOUNT}-{region}"
        assert policy_of(policy) == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowEcrReplicationFromSourceAccount",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"},
                    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                    "Resource": [
                        f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/prod/*",
                        f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/shared/*",
                    ],
                }
            ],
        }


def test_replication_configuration_in_source_account_after_policies() -> None:
    run = two_accounts()
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert provider_name(run, config) == "source"
    assert config.inputs["region"] == "us-east-1"
    assert config.inputs["replicationConfiguration"] == {
        "rules": [
            {
                "destinations": [
                    {"region": "us-west-2", "registryId": DEST_ACCOUNT},
                    {"region": "eu-west-1", "registryId": DEST_ACCOUNT},
                ],
                "repositoryFilters": [
                    {"filter": "prod/", "filterType": "PREFIX_MATCH"},
                    {"filter": "shared/", "filterType": "PREFIX_MATCH"},
                ],
            }
        ]
    }
    assert set(config.dependencies) == {p.urn for p in run.of_type(REGISTRY_POLICY)}


def test_children_are_parented_named_after_component_and_never_use_default_provider() -> None:
    run = two_accounts()
    (component,) = run.of_type("ecr-replication:index:EcrReplication")
    children = [r for r in run.resources if r.parent == component.urn]
    assert len(children) == 3
    for child in children:
        assert child.name.startswith("images-")
        assert child.provider, f"{child.name} uses the default provider"
        assert "default" not in provider_name(run, child)


def test_outputs() -> None:
    outputs = two_accounts().result
    assert outputs["source"] == f"{SOURCE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
    assert outputs["destinations"] == [
        f"{DEST_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com",
        f"{DEST_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com",
    ]
    assert outputs["rules"][0]["destinations"][1] == {"region": "eu-west-1", "registryId": DEST_ACCOUNT}
    assert set(outputs["policies"]) == set(outputs["destinations"])
    assert json.loads(outputs["policies"][outputs["destinations"][0]])["Statement"][0]["Resource"][0].startswith(
        f"arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/prod/"
    )


DETERMINISM_PROGRAM = f"""
import json, sys
import pulumi_aws as aws
from replication import EcrReplication, EcrReplicationArgs, ReplicationDestinationArgs
from replication.preview.runner import run_offline

def program():
    src = aws.Provider("source", region="us-east-1", allowed_account_ids=["{SOURCE_ACCOUNT}"])
    destinations = []
    for number, account in enumerate(["{DEST_ACCOUNT}", "{THIRD_ACCOUNT}"]):
        provider = aws.Provider(f"destination{{number}}", region="us-west-2", allowed_account_ids=[account])
        keys = {{region: f"arn:aws:kms:{{region}}:{{account}}:key/{{number}}abc" for region in ("us-west-2", "eu-west-1")}}
        destinations.append(ReplicationDestinationArgs(
            provider=provider, account_id=account, regions=["us-west-2", "eu-west-1"],
            repository_prefixes=["prod/", "shared/", "team-" + str(number)],
            registry_policy_statements=[{{"Sid": "Pull", "Effect": "Allow", "Principal": {{"AWS": ["{THIRD_ACCOUNT}"]}},
                                          "Action": ["ecr:BatchImportUpstreamImage"], "Resource": "*"}}],
            repository_settings={{"encryption_type": "KMS", "kms_keys": keys}},
        ))
    destinations.append(ReplicationDestinationArgs(provider=src, regions=["eu-central-1"]))
    component = EcrReplication("images", EcrReplicationArgs(
        source_provider=src, source_account_id="{SOURCE_ACCOUNT}", source_region="us-east-1",
        destinations=destinations, repository_prefixes=["prod/", "shared/"],
        repository_settings={{"tags": {{"team": "platform", "cost": "shared"}}, "scan_on_push": True,
                              "image_tag_mutability": "IMMUTABLE", "keep_last_images": 100,
                              "repositories": ["prod/api", "prod/web"]}},
    ))
    return [component.replication_rules, component.registry_policies, component.destination_registries]

run = run_offline(program)
# The SDK registers resources asynchronously, so their order (and the order of dependency URNs) is the event
# loop's, not the program's: compare each resource by URN, with everything it sends.
registrations = sorted([r.urn, r.type, r.parent, r.provider, r.inputs, sorted(r.dependencies)] for r in run.resources)
sys.stdout.write(json.dumps([registrations, run.result], sort_keys=True))
"""


def test_the_same_program_registers_the_same_bytes_whatever_the_hash_seed() -> None:
    """Python randomizes str hashing per process, so set iteration orders change between runs: run the program in
    two processes with different seeds and compare every input (documents byte for byte) and output."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", DETERMINISM_PROGRAM], env=env, capture_output=True, check=True,
                              cwd=Path(__file__).resolve().parents[2])
        outputs.append(done.stdout)
    first, second = outputs
    registrations, _ = json.loads(first)
    assert len(registrations) > 20, "the program registers the component's resources"
    assert first == second


def test_no_prefixes_replicates_every_repository() -> None:
    run = two_accounts(repository_prefixes=[])
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert config.inputs["replicationConfiguration"]["rules"][0].get("repositoryFilters", []) == []
    for policy in run.of_type(REGISTRY_POLICY):
        region = policy.inputs["region"]
        assert policy_of(policy)["Statement"][0]["Resource"] == [f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/*"]


def test_account_and_region_looked_up_through_each_provider_when_absent() -> None:
    def program() -> pulumi.Output:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        dst = account_provider("destination", DEST_ACCOUNT, "ap-south-1")
        return EcrReplication(
            "images", EcrReplicationArgs(source_provider=src, destinations=[ReplicationDestinationArgs(provider=dst)])
        ).replication_rules

    run = run_offline(program)
    assert run.result == [{"destinations": [{"region": "ap-south-1", "registryId": DEST_ACCOUNT}]}], "no filters: every repository"
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert config.inputs["region"] == "us-east-1"
    (policy,) = run.of_type(REGISTRY_POLICY)
    assert policy.inputs["region"] == "ap-south-1"
    assert policy.name == "images-registry-policy-destination0-provider-region"
    assert policy_of(policy)["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:root"}


def test_same_account_cross_region_gets_no_registry_policy() -> None:
    run = replicate_from_source(
        lambda src: [ReplicationDestinationArgs(provider=src, regions=["us-west-2"])], source_account_id=SOURCE_ACCOUNT
    )
    assert run.of_type(REGISTRY_POLICY) == []
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert config.inputs["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "us-west-2", "registryId": SOURCE_ACCOUNT}
    ]
    assert config.dependencies == ()


def test_destinations_sharing_prefixes_share_a_rule() -> None:
    run = replicate_from_source(
        lambda src: [
            ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT, regions=["us-west-2"]),
            ReplicationDestinationArgs(
                provider=destination_provider(THIRD_ACCOUNT, "eu-central-1", "third"),
                account_id=THIRD_ACCOUNT,
                regions=["eu-central-1"],
                repository_prefixes=["team-a"],
            ),
            ReplicationDestinationArgs(provider=src, regions=["eu-west-1"]),
        ],
        source_account_id=SOURCE_ACCOUNT,
        repository_prefixes=["prod/"],
    )
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    rules = config.inputs["replicationConfiguration"]["rules"]
    assert [[f["filter"] for f in rule["repositoryFilters"]] for rule in rules] == [["prod/"], ["team-a"]]
    assert rules[0]["destinations"] == [
        {"region": "us-west-2", "registryId": DEST_ACCOUNT},
        {"region": "eu-west-1", "registryId": SOURCE_ACCOUNT},
    ]
    assert rules[1]["destinations"] == [{"region": "eu-central-1", "registryId": THIRD_ACCOUNT}]
    policies = {provider_name(run, p): policy_of(p) for p in run.of_type(REGISTRY_POLICY)}
    assert set(policies) == {"destination", "third"}
    assert policies["third"]["Statement"][0]["Resource"] == [
        f"arn:aws:ecr:eu-central-1:{THIRD_ACCOUNT}:repository/team-a*"
    ]


def test_unmanaged_registry_policy_is_left_alone() -> None:
    run = replicate_from_source(
        lambda src: [ReplicationDestinationArgs(provider=destination_provider(), manage_registry_policy=False)]
    )
    assert run.of_type(REGISTRY_POLICY) == []
    assert len(run.of_type(REPLICATION_CONFIGURATION)) == 1


def test_extra_statements_are_merged_after_the_replication_statement() -> None:
    pull = {
        "Sid": "PullThroughFromOrg",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{THIRD_ACCOUNT}:root"},
        "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
        "Resource": f"arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/*",
    }

    run = replicate_from_source(
        lambda src: [ReplicationDestinationArgs(provider=destination_provider(), registry_policy_statements=[pull])]
    )
    (policy,) = run.of_type(REGISTRY_POLICY)
    statements = policy_of(policy)["Statement"]
    assert [s["Sid"] for s in statements] == ["AllowEcrReplicationFromSourceAccount", "PullThroughFromOrg"]
    assert statements[1] == pull


def test_account_id_may_be_an_output() -> None:
    run = replicate_from_source(
        lambda src: [
            ReplicationDestinationArgs(
                provider=destination_provider(account=None), account_id=pulumi.Output.from_input(DEST_ACCOUNT)
            )
        ]
    )
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert config.inputs["replicationConfiguration"]["rules"][0]["destinations"] == [
        {"region": "us-west-2", "registryId": DEST_ACCOUNT}
    ]


@pytest.mark.parametrize("provider_kind", ["aws.Provider", "missing"])
def test_component_opts_do_not_leak_default_provider(provider_kind: str) -> None:
    """Children keep their explicit providers even when the component itself gets a providers map."""

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        other = aws.Provider("other", region="sa-east-1", allowed_account_ids=[THIRD_ACCOUNT])
        opts = pulumi.ResourceOptions(providers={"aws": other}) if provider_kind == "aws.Provider" else None
        destinations = [ReplicationDestinationArgs(provider=destination_provider())]
        EcrReplication("images", EcrReplicationArgs(source_provider=src, destinations=destinations), opts=opts)

    run = run_offline(program)
    assert {provider_name(run, r) for r in run.of_type(REGISTRY_POLICY)} == {"destination"}
    assert {provider_name(run, r) for r in run.of_type(REPLICATION_CONFIGURATION)} == {"source"}
