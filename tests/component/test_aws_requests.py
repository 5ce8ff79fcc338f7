"""The largest legal configurations produce only requests AWS accepts: every registered resource's API request fits
botocore's ECR and IAM models (and what the Terraform provider's schema checks first), and every role's policies fit
IAM's quotas.

Three configurations between them reach every limit: the largest replication (25 destination registries in 5
accounts, 10 rules of 100 filters, managed registry policies with an extra statement, tags, KMS, every repository
setting, and pull-through spokes of the source in further accounts), the longest values (25 regions of one account,
100 filters of 256 characters each, KMS key ARNs of 2,048 characters, a lifecycle policy near 30,720 characters, a
repository policy near 10,240), and the largest spokes (50 prefixes of the longest pull-through prefix, the most
rules a registry holds, in spokes of several accounts caching from one destination and from the source).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import pulumi_aws as aws
import pytest

from replication import EcrReplication, EcrReplicationArgs, PullThroughDestinationArgs, ReplicationDestinationArgs, limits
from replication.preview.runner import OfflineRun, RegisteredResource, run_offline
from tests.component.aws_requests import ApiRequest, api_requests, problems
from tests.component.provider_schema_oracle import pull_through_rule_problems
from tests.component.helpers import DESTINATION_REGIONS
from tests.conftest import SOURCE_ACCOUNT

ACCOUNTS = [f"2000000000{i:02}" for i in range(5)]
SPOKE_ACCOUNTS = [f"4000000000{i:02}" for i in range(4)]
ROLE_POLICY_QUOTA = 10_240
"""IAM user guide, "IAM and AWS STS quotas": a role's inline policies together, white space not counted."""
TRUST_POLICY_QUOTA = 2_048
"""IAM user guide, "IAM and AWS STS quotas": role trust policy length (default quota)."""


def kms_key(region: str, account: str, length: int = 80) -> str:
    """A KMS key ARN of ``length`` characters in ``region``."""
    head = f"arn:aws:kms:{region}:{account}:key/"
    return head + "1" * (length - len(head))


def lifecycle_document(length: int) -> str:
    """A lifecycle policy of every rule kind, padded with rule descriptions to about ``length`` characters."""
    rules: list[dict[str, Any]] = [
        {"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                                          "countNumber": 7}, "action": {"type": "expire"}},
        {"rulePriority": 2, "selection": {"tagStatus": "tagged", "tagPatternList": ["*-sha-*"],
                                          "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 90},
         "action": {"type": "transition", "targetStorageClass": "archive"}},
        {"rulePriority": 3, "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "storageClass": "archive",
                                          "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
         "action": {"type": "expire"}},
    ]
    priority = 4
    while len(json.dumps({"rules": rules}, separators=(",", ":"))) < length - 600:
        rules.append({"rulePriority": priority, "description": "x" * 400,
                      "selection": {"tagStatus": "tagged", "tagPrefixList": [f"t{priority}"],
                                    "countType": "imageCountMoreThan", "countNumber": 5}, "action": {"type": "expire"}})
        priority += 1
    rules.append({"rulePriority": 1000, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                                     "countNumber": 500}, "action": {"type": "expire"}})
    return json.dumps({"rules": rules})


def repository_policy(length: int) -> str:
    """A repository policy letting many workload accounts pull, about ``length`` characters long."""
    principals = [f"arn:aws:iam::{400000000000 + i}:root" for i in range((length - 200) // 34)]
    statement = {"Sid": "WorkloadsPull", "Effect": "Allow", "Principal": {"AWS": principals},
                 "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


EXCLUSIONS = [f"{c}*" + c * 125 + "*" for c in "abcde"]
"""Five exclusion filters of 128 characters, each with the two wildcards the Terraform provider allows."""
TAGS = {f"tag-{i}": f"value-{i}" for i in range(10)}


def largest_replication() -> None:
    """25 cross-account destination registries (5 accounts x 5 regions) in 10 rules of 100 filters, everything set."""
    source = aws.Provider("source", region="us-east-1", allowed_account_ids=[SOURCE_ACCOUNT])
    regions = DESTINATION_REGIONS[:5]
    destinations = []
    for a, account in enumerate(ACCOUNTS):
        provider = aws.Provider(f"destination-{a}", region=regions[0], allowed_account_ids=[account])
        for r, region in enumerate(regions):
            rule = (a * len(regions) + r) % limits.MAX_RULES
            # As long as a registry policy with 100 of them stays within 10,240 characters; two are whole path
            # segments (a template each), the others share the ROOT template.
            prefixes = [f"r{rule:02}/team-{i:03}/{'s' * 25}" + ("/" if i < 2 else "-") for i in range(100)]
            destinations.append(
                ReplicationDestinationArgs(
                    provider=provider, account_id=account, regions=[region], repository_prefixes=prefixes,
                    registry_policy_statements=[{
                        "Sid": "OrgPullThroughCache", "Effect": "Allow", "Principal": {"AWS": "444444444444"},
                        "Action": ["ecr:BatchImportUpstreamImage"],
                        "Resource": f"arn:aws:ecr:{region}:{account}:repository/cache/*",
                    }],
                    repository_settings={  # a destination's encryption fields replace the component's together
                        "encryption_type": "KMS", "kms_keys": {region: kms_key(region, account)},
                        "repositories": [prefixes[0] + "api", prefixes[5] + "web"],
                    },
                )
            )
    spokes = [PullThroughDestinationArgs(provider=aws.Provider(f"spoke-{a}", region=DESTINATION_REGIONS[5],
                                                               allowed_account_ids=[account]),
                                         account_id=account, regions=DESTINATION_REGIONS[5:10])
              for a, account in enumerate(SPOKE_ACCOUNTS)]  # of the source, which replicates every repository: ROOT
    EcrReplication(
        "images",
        EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=destinations, pull_through_destinations=spokes,
            repository_settings={
                "image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": EXCLUSIONS,
                "scan_on_push": True, "lifecycle_policy": lifecycle_document(3_000),
                "repository_policy": repository_policy(2_000), "tags": TAGS,
            },
        ),
    )


def largest_spokes() -> None:
    """50 prefixes of the longest pull-through prefix (30 characters), replicated to 5 registries, cached in the
    most rules a registry holds by 3 regions of each of 4 spoke accounts: three from one destination, one from the
    source; KMS and tags in the spokes."""
    source = aws.Provider("source", region="us-east-1", allowed_account_ids=[SOURCE_ACCOUNT])
    upstream = aws.Provider("destination", region=DESTINATION_REGIONS[0], allowed_account_ids=[ACCOUNTS[0]])
    prefixes = [f"t{i:02}" + "x" * 27 + "/" for i in range(limits.MAX_PULL_THROUGH_RULES)]
    regions = DESTINATION_REGIONS[5:8]
    spokes = [
        PullThroughDestinationArgs(
            provider=aws.Provider(f"spoke-{a}", region=regions[0], allowed_account_ids=[account]), account_id=account,
            regions=regions, upstream=None if a == 3 else f"{ACCOUNTS[0]}/{DESTINATION_REGIONS[0]}",
            repository_settings={"encryption_type": "KMS", "kms_keys": {r: kms_key(r, account) for r in regions}},
        )
        for a, account in enumerate(SPOKE_ACCOUNTS)
    ]
    EcrReplication(
        "images",
        EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=upstream, account_id=ACCOUNTS[0],
                                                     regions=DESTINATION_REGIONS[:5])],
            repository_prefixes=prefixes, pull_through_destinations=spokes,
            repository_settings={"image_tag_mutability": "MUTABLE", "tags": TAGS},
        ),
    )


def longest_values() -> None:
    """25 regions of one account, 100 filters of 256 characters, the longest KMS keys and documents."""
    source = aws.Provider("source", region="us-east-1", allowed_account_ids=[SOURCE_ACCOUNT])
    account = ACCOUNTS[0]
    provider = aws.Provider("destination", region="us-west-2", allowed_account_ids=[account])
    regions = DESTINATION_REGIONS[:25]
    # 256 characters each; three are whole path segments (a template each, prefix of 255 characters).
    prefixes = [f"team{i:03}/" + "a" * 247 + ("/" if i < 3 else "b") for i in range(100)]
    destination = ReplicationDestinationArgs(
        provider=provider, account_id=account, regions=regions, repository_prefixes=prefixes,
        manage_registry_policy=False,  # 100 ARNs of 300 characters can't fit a registry policy's 10,240
    )
    EcrReplication(
        "images",
        EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[destination],
            repository_settings={
                "image_tag_mutability": "MUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": EXCLUSIONS,
                "encryption_type": "KMS_DSSE",
                "kms_keys": {region: kms_key(region, account, limits.KMS_KEY_MAX_LENGTH) for region in regions},
                "lifecycle_policy": lifecycle_document(limits.LIFECYCLE_POLICY_MAX_CHARS),
                "repository_policy": repository_policy(limits.MAX_REPOSITORY_POLICY_CHARS),
                "tags": TAGS, "repositories": [prefixes[3]],
            },
        ),
    )


@pytest.fixture(scope="module", params=[largest_replication, longest_values, largest_spokes], ids=lambda p: p.__name__)
def largest(request: pytest.FixtureRequest) -> tuple[OfflineRun, list[ApiRequest]]:
    """One of the two configurations, run under mocks, with its API requests."""
    run = run_offline(request.param)
    return run, api_requests(run)


def test_the_configuration_reaches_the_limits(largest: tuple[OfflineRun, list[ApiRequest]]) -> None:
    run, requests = largest
    registered = {r.type for r in run.resources if r.custom and not r.type.startswith("pulumi:providers")}
    assert registered == {r.resource.type for r in requests}, "every registered resource has its request checked"
    (replication,) = [r for r in requests if r.operation == "PutReplicationConfiguration"]
    rules = replication.params["replicationConfiguration"]["rules"]
    if any(r.operation == "CreatePullThroughCacheRule" and r.params["ecrRepositoryPrefix"] != "ROOT" for r in requests):
        by_registry: dict[str, int] = defaultdict(int)
        for request in requests:
            if request.operation == "CreatePullThroughCacheRule":
                by_registry[request.resource.provider + request.resource.inputs["region"]] += 1
        assert set(by_registry.values()) == {limits.MAX_PULL_THROUGH_RULES}
        longest = max(len(r.params["ecrRepositoryPrefix"]) for r in requests if r.operation == "CreatePullThroughCacheRule")
        assert longest == limits.PULL_THROUGH_PREFIX_MAX_LENGTH
        return
    assert sum(len(rule["destinations"]) for rule in rules) == limits.MAX_UNIQUE_DESTINATIONS
    assert all(len(rule["repositoryFilters"]) == limits.MAX_FILTERS_PER_RULE for rule in rules)
    if len(rules) > 1:
        assert len(rules) == limits.MAX_RULES
    assert {r.operation for r in requests} >= {
        "PutReplicationConfiguration", "CreateRepositoryCreationTemplate", "CreateRepository", "PutLifecyclePolicy",
        "SetRepositoryPolicy", "CreateRole", "PutRolePolicy",
    }
    registered = {r.type for r in run.resources if r.custom and not r.type.startswith("pulumi:providers")}
    assert registered == {r.resource.type for r in requests}, "every registered resource has its request checked"


def test_every_request_fits_botocores_model(largest: tuple[OfflineRun, list[ApiRequest]]) -> None:
    _, requests = largest
    found = {f"{r.resource.name} {r.operation}": p for r in requests if (p := problems(r))}
    assert found == {}


def test_every_role_fits_iams_policy_quotas(largest: tuple[OfflineRun, list[ApiRequest]]) -> None:
    _, requests = largest
    inline: dict[str, int] = defaultdict(int)
    for request in requests:
        if request.operation == "PutRolePolicy":
            inline[request.params["RoleName"]] += len(re.sub(r"\s", "", request.params["PolicyDocument"]))
        if request.operation == "CreateRole":
            assert len(re.sub(r"\s", "", request.params["AssumeRolePolicyDocument"])) <= TRUST_POLICY_QUOTA
    assert inline and max(inline.values()) <= ROLE_POLICY_QUOTA, dict(inline)


def test_template_descriptions_fit_the_terraform_provider(largest: tuple[OfflineRun, list[ApiRequest]]) -> None:
    """terraform-provider-aws validates a template description as 0 to 255 characters (one fewer than the API)."""
    _, requests = largest
    descriptions = [r.params["description"] for r in requests if r.operation == "CreateRepositoryCreationTemplate"]
    assert descriptions and max(map(len, descriptions)) <= 255


def request(operation: str, service: str = "ecr", **params: Any) -> ApiRequest:
    """A hand-made request, for checking the checks."""
    resource = RegisteredResource("urn", "type", "name", True, "", "", {}, ())
    return ApiRequest(resource, service, operation, params)


@pytest.mark.parametrize(
    ("bad", "reported"),
    [
        (request("PutReplicationConfiguration", replicationConfiguration={"rules": [{"destinations": []}] * 26}),
         "26 items, more than 25"),
        (request("PutReplicationConfiguration", replicationConfiguration={
            "rules": [{"destinations": [], "repositoryFilters": []}]}), "Invalid length"),
        (request("PutReplicationConfiguration", replicationConfiguration={
            "rules": [{"destinations": [{"region": "us-west-2", "registryId": "2222"}]}]}), "doesn't match [0-9]{12}"),
        (request("CreateRepositoryCreationTemplate", prefix="Prod", appliedFor=["REPLICATION"]), "doesn't match"),
        (request("CreateRepositoryCreationTemplate", prefix="prod", appliedFor=["REPLICATE"]), "is not one of"),
        (request("CreateRepositoryCreationTemplate", prefix="prod", appliedFor=["REPLICATION"], description="d" * 257),
         "257 characters, more than 256"),
        (request("PutRolePolicy", "iam", RoleName="r", PolicyName="p", PolicyDocument="x" * 131_073),
         "131073 characters, more than 131072"),
        (request("PutRegistryPolicy", policyText="x" * 10_241), "10241 characters, more than 10240"),
        (request("CreateRole", "iam", RoleName="r" * 65, AssumeRolePolicyDocument="{}"), "65 characters, more than 64"),
        (request("CreatePullThroughCacheRule", ecrRepositoryPrefix="p" * 31, upstreamRegistryUrl="h"),
         "31 characters, more than 30"),
        (request("CreatePullThroughCacheRule", ecrRepositoryPrefix="prod", upstreamRegistryUrl="h",
                 upstreamRepositoryPrefix="Prod"), "doesn't match"),
    ],
    ids=["rules", "empty filter list", "registry id", "template prefix", "applied for", "description", "policy",
         "registry policy", "role name", "pull-through prefix length", "upstream prefix"],
)
def test_the_checks_report_what_aws_rejects(bad: ApiRequest, reported: str) -> None:
    assert any(reported in problem for problem in problems(bad)), problems(bad)


@pytest.mark.parametrize(("params", "reported"), [
    ({"ecrRepositoryPrefix": "team__a"}, "ecrRepositoryPrefix: 'team__a' doesn't match the schema's pattern"),
    ({"ecrRepositoryPrefix": "prod", "upstreamRepositoryPrefix": "p"}, "upstreamRepositoryPrefix: 1 not within 2..30"),
    ({"ecrRepositoryPrefix": "prod", "customRoleArn": "role/cache"}, "customRoleArn: 'role/cache' is no ARN"),
])
def test_the_schema_oracle_reports_what_the_provider_rejects_first(params: dict[str, str], reported: str) -> None:
    found = list(pull_through_rule_problems({"upstreamRegistryUrl": "h", **params}))
    assert any(reported in problem for problem in found), found


def test_the_api_takes_a_prefix_the_terraform_schema_refuses() -> None:
    """Why both checks: ``team__a`` passes botocore's model and fails the provider's schema."""
    doubled = request("CreatePullThroughCacheRule", upstreamRegistryUrl="h", ecrRepositoryPrefix="team__a")
    assert problems(doubled) == [] and list(pull_through_rule_problems(doubled.params)) != []
