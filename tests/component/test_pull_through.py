"""Pull-through spokes: which rules, roles, grants and templates the component declares, in which account and region,
with which documents; the documented role, trust and grant statement by statement."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest

from replication import (EcrReplication, EcrReplicationArgs, PullThroughDestinationArgs, ReplicationConfigError,
                         ReplicationDestinationArgs)
from replication.preview.runner import OfflineRun, RegisteredResource, run_offline
from tests.component.helpers import DESTINATION_REGIONS, attempt, rejected_before_any_resource
from tests.conftest import DEST_ACCOUNT, REGISTRY_POLICY, SOURCE_ACCOUNT, account_provider, provider_name

SPOKE_ACCOUNT = "444444444444"
RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
UPSTREAM_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchImportUpstreamImage",
                    "ecr:GetImageCopyStatus"]
"""The upstream's grant to a spoke account, as the ECR user guide lists it ("Setting up permissions for cross-account
ECR to ECR PTC", "Creating a resource policy in the upstream Amazon ECR registry"), in its order."""
ROLE_ACTIONS = ["ecr:GetDownloadUrlForLayer", "ecr:GetAuthorizationToken", "ecr:BatchImportUpstreamImage",
                "ecr:BatchGetImage", "ecr:GetImageCopyStatus", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
                "ecr:CompleteLayerUpload", "ecr:PutImage"]
"""The role's permissions, as the same page lists them ("Creating an IAM role to define the pull through cache
permissions"), in its order."""


Providers = dict[str, aws.Provider]
Spokes = Callable[[Providers], list[PullThroughDestinationArgs]]
Destinations = Callable[[Providers], list[ReplicationDestinationArgs]]


def to_destination(providers: Providers) -> list[ReplicationDestinationArgs]:
    """The one destination: 222222222222/us-west-2."""
    return [ReplicationDestinationArgs(provider=providers["destination"], account_id=DEST_ACCOUNT, regions=["us-west-2"])]


def run_with(spokes: Spokes, destinations: Destinations = to_destination, **args: Any) -> OfflineRun:
    """The component ``images`` replicating from 111111111111/us-east-1 (``prod/`` and ``shared/`` unless told) to
    ``destinations(providers)``, with the spokes ``spokes(providers)`` builds; providers: ``source``,
    ``destination`` (222222222222, us-west-2), ``spoke`` (444444444444, ap-south-1)."""

    def program() -> None:
        providers = {"source": account_provider("source", SOURCE_ACCOUNT, "us-east-1"),
                     "destination": account_provider("destination", DEST_ACCOUNT, "us-west-2"),
                     "spoke": account_provider("spoke", SPOKE_ACCOUNT, "ap-south-1")}
        EcrReplication("images", EcrReplicationArgs(
            source_provider=providers["source"], source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=destinations(providers), pull_through_destinations=spokes(providers),
            **{"repository_prefixes": ["prod/", "shared/"], **args}))

    return run_offline(program)


def spoke(providers: dict[str, aws.Provider], **fields: Any) -> PullThroughDestinationArgs:
    """A spoke in 444444444444, ap-south-1 unless told, caching from the destination unless told."""
    return PullThroughDestinationArgs(**{"provider": providers["spoke"], "account_id": SPOKE_ACCOUNT,
                                         "regions": ["ap-south-1"], "upstream": f"{DEST_ACCOUNT}/us-west-2", **fields})


def rules_by_registry(run: OfflineRun) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The pull-through cache rules by (provider name, region), inputs without the role."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rule in run.of_type(RULE):
        inputs = {k: v for k, v in rule.inputs.items() if k not in ("region", "customRoleArn")}
        found.setdefault((provider_name(run, rule), rule.inputs["region"]), []).append(inputs)
    return {key: sorted(rules, key=lambda r: r["ecrRepositoryPrefix"]) for key, rules in found.items()}


def only(run: OfflineRun, type_token: str, name: str) -> RegisteredResource:
    """The one registered resource of a type and name."""
    (found,) = [r for r in run.of_type(type_token) if r.name == name]
    return found


def policy(resource: RegisteredResource) -> dict[str, Any]:
    return json.loads(resource.inputs["policy"])


def test_each_spoke_registry_gets_a_rule_per_replicated_prefix_through_its_provider_in_its_region() -> None:
    run = run_with(lambda p: [spoke(p, regions=["ap-south-1", "ap-southeast-1"])])
    upstream = f"{DEST_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com"
    expected = [{"ecrRepositoryPrefix": prefix, "upstreamRepositoryPrefix": prefix, "upstreamRegistryUrl": upstream}
                for prefix in ("prod", "shared")]
    assert rules_by_registry(run) == {("spoke", "ap-south-1"): expected, ("spoke", "ap-southeast-1"): expected}
    assert {r.name for r in run.of_type(RULE)} == {
        f"images-pull-through-{prefix}-{SPOKE_ACCOUNT}-{region}"
        for prefix in ("prod", "shared") for region in ("ap-south-1", "ap-southeast-1")}
    (replication,) = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    destinations = [d for rule in replication.inputs["replicationConfiguration"]["rules"] for d in rule["destinations"]]
    assert destinations == [{"region": "us-west-2", "registryId": DEST_ACCOUNT}], "spokes are not replicated to"


def test_without_prefixes_one_root_rule_caches_every_repository_and_names_no_upstream_prefix() -> None:
    """ECR user guide, "Customizing repository prefixes for ECR to ECR pull through cache": the upstream prefix
    defaults to ROOT and can be set only with a non-ROOT cache prefix."""
    run = run_with(lambda p: [spoke(p, upstream=None)], repository_prefixes=[])
    assert rules_by_registry(run) == {("spoke", "ap-south-1"): [
        {"ecrRepositoryPrefix": "ROOT", "upstreamRegistryUrl": f"{SOURCE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"}]}


def test_a_prefix_that_another_prefix_covers_gets_no_rule_of_its_own() -> None:
    """``prod/team-a`` needs no rule (it could have none: it is no path segment): ``prod``'s rule caches it."""
    run = run_with(lambda p: [spoke(p)], repository_prefixes=["prod/", "prod/team/", "prod/team-a", "shared/"])
    assert [r["ecrRepositoryPrefix"] for r in rules_by_registry(run)[("spoke", "ap-south-1")]] == ["prod", "shared"]


def test_the_upstream_host_and_the_policies_follow_the_partition() -> None:
    def program() -> None:
        source = account_provider("source", SOURCE_ACCOUNT, "us-iso-east-1")
        spoke_provider = account_provider("spoke", SPOKE_ACCOUNT, "us-iso-west-1")
        destination = account_provider("destination", DEST_ACCOUNT, "us-iso-west-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-iso-east-1",
            destinations=[ReplicationDestinationArgs(provider=destination, account_id=DEST_ACCOUNT)],
            repository_prefixes=["prod/"],
            pull_through_destinations=[PullThroughDestinationArgs(provider=spoke_provider, account_id=SPOKE_ACCOUNT)]))

    run = run_offline(program)
    (rule,) = run.of_type(RULE)
    assert rule.inputs["upstreamRegistryUrl"] == f"{SOURCE_ACCOUNT}.dkr.ecr.us-iso-east-1.c2s.ic.gov"
    source_policy = policy(only(run, REGISTRY_POLICY, "images-registry-policy-source"))
    assert source_policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws-iso:iam::{SPOKE_ACCOUNT}:root"}
    assert source_policy["Statement"][0]["Resource"] == [f"arn:aws-iso:ecr:us-iso-east-1:{SOURCE_ACCOUNT}:repository/prod/*"]


def test_a_cross_account_spoke_names_a_role_trusted_by_pull_through_cache_alone() -> None:
    """ECR user guide, "Setting up permissions for cross-account ECR to ECR PTC", "Creating a Trust policy for the
    IAM role": exactly this statement, no condition."""
    run = run_with(lambda p: [spoke(p)])
    role = only(run, ROLE, f"images-pull-through-role-{SPOKE_ACCOUNT}")
    assert provider_name(run, role) == "spoke"
    assert json.loads(role.inputs["assumeRolePolicy"]) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "pullthroughcache.ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    arn = f"arn:aws:iam::{SPOKE_ACCOUNT}:role/images-pull-through-role-{SPOKE_ACCOUNT}-<random suffix>"
    assert {r.inputs["customRoleArn"] for r in run.of_type(RULE)} == {arn}


def test_the_role_may_do_what_the_user_guide_lists_on_the_cached_repositories_only() -> None:
    """The page's permissions policy on ``*``, narrowed where the Service Authorization Reference gives the action a
    resource type: ``ecr:GetAuthorizationToken`` keeps ``*``, the rest act on the cached prefixes upstream and in
    the spoke registries, statement by statement."""
    run = run_with(lambda p: [spoke(p, regions=["ap-south-1", "ap-southeast-1"])])
    role_policy = only(run, ROLE_POLICY, f"images-pull-through-role-policy-{SPOKE_ACCOUNT}")
    assert role_policy.parent.endswith(f"::images-pull-through-role-{SPOKE_ACCOUNT}")
    token, repositories = policy(role_policy)["Statement"]
    assert token == {"Sid": "AuthenticateToRegistries", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"],
                     "Resource": "*"}
    assert repositories["Effect"] == "Allow" and "Condition" not in repositories
    assert [*token["Action"], *repositories["Action"]] == ["ecr:GetAuthorizationToken"] + [
        a for a in ROLE_ACTIONS if a != "ecr:GetAuthorizationToken"]
    assert sorted(token["Action"] + repositories["Action"]) == sorted(ROLE_ACTIONS), "no action the page doesn't list"
    registries = [(DEST_ACCOUNT, "us-west-2"), (SPOKE_ACCOUNT, "ap-south-1"), (SPOKE_ACCOUNT, "ap-southeast-1")]
    assert repositories["Resource"] == sorted(f"arn:aws:ecr:{region}:{account}:repository/{prefix}/*"
                                              for account, region in registries for prefix in ("prod", "shared"))


def test_the_upstream_destination_grants_the_spoke_account_in_the_policy_it_already_has() -> None:
    """The page's upstream statement (the spoke account's root, its four actions), on the cached prefixes, after the
    replication statement of the one registry policy the component owns there."""
    run = run_with(lambda p: [spoke(p), spoke(p, provider=account_provider("spoke-2", "555555555555", "eu-west-1"),
                                              account_id="555555555555", regions=["eu-west-1"])])
    (destination_policy,) = run.of_type(REGISTRY_POLICY)
    assert provider_name(run, destination_policy) == "destination"
    replication, grant = policy(destination_policy)["Statement"]
    assert replication["Sid"] == "AllowEcrReplicationFromSourceAccount"
    assert grant == {
        "Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{SPOKE_ACCOUNT}:root", "arn:aws:iam::555555555555:root"]},
        "Action": UPSTREAM_ACTIONS,
        "Resource": [f"arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/{p}/*" for p in ("prod", "shared")],
    }
    single = policy(run_with(lambda p: [spoke(p)]).of_type(REGISTRY_POLICY)[0])["Statement"][1]
    assert single["Principal"] == {"AWS": f"arn:aws:iam::{SPOKE_ACCOUNT}:root"}, "one account alone, as in the guide"


def test_spokes_of_the_source_make_the_component_own_the_source_registry_policy_unless_told() -> None:
    run = run_with(lambda p: [spoke(p, upstream=f"{SOURCE_ACCOUNT}/us-east-1")])
    source_policy = only(run, REGISTRY_POLICY, "images-registry-policy-source")
    assert (provider_name(run, source_policy), source_policy.inputs["region"]) == ("source", "us-east-1")
    assert policy(source_policy)["Statement"] == [{
        "Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SPOKE_ACCOUNT}:root"}, "Action": UPSTREAM_ACTIONS,
        "Resource": [f"arn:aws:ecr:us-east-1:{SOURCE_ACCOUNT}:repository/{p}/*" for p in ("prod", "shared")]}]
    rules = run.of_type(RULE)
    assert all(source_policy.urn in rule.dependencies for rule in rules)

    unmanaged = run_with(lambda p: [spoke(p, upstream=None)], manage_source_registry_policy=False)
    assert [p.name for p in unmanaged.of_type(REGISTRY_POLICY)] == [f"images-registry-policy-{DEST_ACCOUNT}-us-west-2"]
    assert len(unmanaged.of_type(RULE)) == 2 and len(unmanaged.of_type(ROLE)) == 1, "the role is still needed"


SOURCE_POLICY_WARNING = (
    "pull_through_destinations[0]: caches from the source registry across accounts{also}, so the component declares "
    "the source registry's policy to grant the spokes; a registry has one policy, so this one replaces any other "
    "policy of the source registry at the next pulumi up, other accounts' grants included: keep those in "
    "source_registry_policy_statements (given, even empty, it ends this warning), or set "
    "manage_source_registry_policy to false and grant the spoke accounts yourself")
"""The warning for a component that declares the source registry's policy (``PutRegistryPolicy`` replaces a
registry's policy whole: botocore's ``PutRegistryPolicy`` documentation, "Creates or updates the permissions policy
for your registry")."""

WORKLOADS = {"Sid": "WorkloadsPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
             "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
             "Resource": f"arn:aws:ecr:us-east-1:{SOURCE_ACCOUNT}:repository/*"}
"""A grant to a workload account that a hub registry's policy may hold before a spoke joins."""


def test_declaring_the_source_registry_policy_warns_that_it_replaces_the_live_one_naming_the_switch() -> None:
    """One warning per component, naming every cross-account spoke of the source (no account id: a stack may keep
    them secret)."""
    run = run_with(lambda p: [spoke(p, upstream=None), spoke(p, regions=["eu-west-1"]),
                              spoke(p, regions=["us-east-2"], upstream=None)])
    assert run.warnings == (SOURCE_POLICY_WARNING.format(also=" (as does pull_through_destinations[2])"),)
    run = run_with(lambda p: [spoke(p, upstream=None), spoke(p, regions=["eu-west-1"], upstream=None),
                              spoke(p, regions=["us-east-2"], upstream=None)])
    assert run.warnings == (SOURCE_POLICY_WARNING.format(
        also=" (as do pull_through_destinations[1], pull_through_destinations[2])"),)
    assert run_with(lambda p: [spoke(p, upstream=None)]).warnings == (SOURCE_POLICY_WARNING.format(also=""),)


@pytest.mark.parametrize("case", ["statements given", "no statements, given as such", "policy managed elsewhere",
                                  "spoke of a destination", "spoke in the source's account"])
def test_no_source_policy_warning_when_told_or_when_the_policy_is_not_declared(case: str) -> None:
    spokes: Spokes = {
        "statements given": lambda p: [spoke(p, upstream=None)],
        "no statements, given as such": lambda p: [spoke(p, upstream=None)],
        "policy managed elsewhere": lambda p: [spoke(p, upstream=None)],
        "spoke of a destination": lambda p: [spoke(p)],
        "spoke in the source's account": lambda p: [spoke(p, provider=p["source"], account_id=None, upstream=None)],
    }[case]
    args: dict[str, Any] = {
        "statements given": {"source_registry_policy_statements": [WORKLOADS]},
        "no statements, given as such": {"source_registry_policy_statements": []},
        "policy managed elsewhere": {"manage_source_registry_policy": False},
    }.get(case, {})
    assert run_with(spokes, **args).warnings == ()


def test_source_registry_policy_statements_join_the_policy_before_the_spokes_grant() -> None:
    run = run_with(lambda p: [spoke(p, upstream=None)], source_registry_policy_statements=[WORKLOADS])
    statements = policy(only(run, REGISTRY_POLICY, "images-registry-policy-source"))["Statement"]
    assert [s["Sid"] for s in statements] == ["WorkloadsPull", "AllowPullThroughCacheToSpokeAccounts"]
    assert statements[0] == WORKLOADS


def test_the_component_outputs_spoke_hosts_and_every_policy_it_owns() -> None:
    def program() -> dict[str, Any]:
        source = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        spoke_provider = account_provider("spoke", SPOKE_ACCOUNT, "ap-south-1")
        images = EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=source, regions=["us-west-2"])],
            pull_through_destinations=[PullThroughDestinationArgs(provider=spoke_provider, account_id=SPOKE_ACCOUNT,
                                                                  regions=["ap-south-1", "eu-west-1"])]))
        return {"spokes": images.pull_through_registries, "policies": images.registry_policies}

    result = run_offline(program).result
    assert result["spokes"] == [f"{SPOKE_ACCOUNT}.dkr.ecr.{r}.amazonaws.com" for r in ("ap-south-1", "eu-west-1")]
    assert list(result["policies"]) == [f"{SOURCE_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"]


def test_a_spoke_in_its_upstreams_account_uses_ecrs_service_linked_role() -> None:
    """ECR user guide, "Sync an upstream registry with an Amazon ECR private registry": a role is needed only when the
    registries belong to different accounts; without ``customRoleArn`` ECR uses its service-linked role (botocore,
    ``CreatePullThroughCacheRule.customRoleArn``). No grant either ("Setting up permissions for cross-account ECR
    to ECR PTC": the resource policy is required only cross-account)."""
    run = run_with(lambda p: [spoke(p, provider=p["destination"], account_id=DEST_ACCOUNT, regions=["eu-west-1"])])
    assert [r.inputs.get("customRoleArn") for r in run.of_type(RULE)] == [None, None]
    assert run.of_type(ROLE) == []
    (destination_policy,) = run.of_type(REGISTRY_POLICY)
    assert [s["Sid"] for s in policy(destination_policy)["Statement"]] == ["AllowEcrReplicationFromSourceAccount"]
    from_source = run_with(lambda p: [spoke(p, provider=p["source"], account_id=None, upstream=None)])
    assert from_source.of_type(ROLE) == [] and len(from_source.of_type(REGISTRY_POLICY)) == 1
    # The upstream's own provider, the account left to a lookup: the same account, known before the lookup.
    looked_up = run_with(lambda p: [spoke(p, provider=p["destination"], account_id=None, regions=["eu-west-1"])])
    assert looked_up.of_type(ROLE) == [] and [r.inputs.get("customRoleArn") for r in looked_up.of_type(RULE)] == [
        None, None]


def test_a_same_account_destination_upstream_gets_a_policy_holding_only_its_spokes_grant() -> None:
    run = run_with(lambda p: [spoke(p, upstream=f"{SOURCE_ACCOUNT}/eu-west-1")],
                   lambda p: [ReplicationDestinationArgs(provider=p["source"], regions=["eu-west-1"])])
    (registry_policy,) = run.of_type(REGISTRY_POLICY)
    assert (provider_name(run, registry_policy), registry_policy.inputs["region"]) == ("source", "eu-west-1")
    assert [s["Sid"] for s in policy(registry_policy)["Statement"]] == ["AllowPullThroughCacheToSpokeAccounts"]


def test_an_upstream_whose_policy_is_managed_elsewhere_gets_no_grant() -> None:
    run = run_with(lambda p: [spoke(p)], lambda p: [ReplicationDestinationArgs(
        provider=p["destination"], account_id=DEST_ACCOUNT, regions=["us-west-2"], manage_registry_policy=False)])
    assert run.of_type(REGISTRY_POLICY) == []
    assert len(run.of_type(RULE)) == 2 and len(run.of_type(ROLE)) == 1


def test_rules_wait_for_their_role_its_policy_the_upstream_grant_and_their_registrys_settings() -> None:
    run = run_with(lambda p: [spoke(p, regions=["ap-south-1", "eu-west-1"])],
                   repository_settings={"image_tag_mutability": "MUTABLE", "tags": {"team": "platform"}})
    rule = only(run, RULE, f"images-pull-through-prod-{SPOKE_ACCOUNT}-ap-south-1")
    waits_for = {r.name for r in run.resources if r.urn in rule.dependencies}
    assert waits_for == {
        f"images-pull-through-role-{SPOKE_ACCOUNT}", f"images-pull-through-role-policy-{SPOKE_ACCOUNT}",
        f"images-registry-policy-{DEST_ACCOUNT}-us-west-2",
        f"images-template-role-{SPOKE_ACCOUNT}", f"images-template-role-policy-{SPOKE_ACCOUNT}",
        f"images-template-prod-{SPOKE_ACCOUNT}-ap-south-1", f"images-template-shared-{SPOKE_ACCOUNT}-ap-south-1",
    }


def test_cached_repositories_get_templates_applied_for_pull_through_cache_with_the_rules_prefixes() -> None:
    """``repository_settings`` reach cached repositories through creation templates applied for
    ``PULL_THROUGH_CACHE`` (botocore ``RCTAppliedFor``), with the prefixes of the rules."""
    key = f"arn:aws:kms:ap-south-1:{SPOKE_ACCOUNT}:key/1234"
    run = run_with(lambda p: [spoke(p, repository_settings={"image_tag_mutability": "MUTABLE",
                                                            "encryption_type": "KMS", "kms_key": key})],
                   repository_settings={"image_tag_mutability": "IMMUTABLE", "keep_last_images": 30})
    templates = {(provider_name(run, t), t.inputs["region"], t.inputs["prefix"]): t for t in run.of_type(TEMPLATE)}
    assert set(templates) == {("destination", "us-west-2", p) for p in ("prod", "shared")} | {
        ("spoke", "ap-south-1", p) for p in ("prod", "shared")}
    spoke_template = templates["spoke", "ap-south-1", "prod"].inputs
    assert spoke_template["appliedFors"] == ["PULL_THROUGH_CACHE"]
    assert spoke_template["description"] == "Settings of repositories that pull-through cache creates under prod"
    assert spoke_template["imageTagMutability"] == "MUTABLE", "the spoke's own setting overrides the component's"
    assert spoke_template["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": key}]
    assert json.loads(spoke_template["lifecyclePolicy"])["rules"][0]["selection"]["countNumber"] == 30
    assert spoke_template["customRoleArn"].startswith(f"arn:aws:iam::{SPOKE_ACCOUNT}:role/images-template-role-")
    destination_template = templates["destination", "us-west-2", "prod"].inputs
    assert destination_template["appliedFors"] == ["REPLICATION"]
    assert destination_template["imageTagMutability"] == "IMMUTABLE"


def test_a_spoke_in_a_destination_account_shares_its_template_role() -> None:
    run = run_with(lambda p: [spoke(p, provider=p["destination"], account_id=DEST_ACCOUNT, regions=["eu-west-1"],
                                    upstream=None)], repository_settings={"tags": {"team": "platform"}})
    (role,) = [r for r in run.of_type(ROLE) if "template-role" in r.name]
    assert role.name == f"images-template-role-{DEST_ACCOUNT}"
    (role_policy,) = [r for r in run.of_type(ROLE_POLICY) if "template-role" in r.name]
    assert policy(role_policy)["Statement"][0]["Resource"] == sorted(
        f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/{p}/*" for region in ("eu-west-1", "us-west-2")
        for p in ("prod", "shared"))


def test_immutable_tags_reaching_a_spoke_are_warned_about_once_per_spoke() -> None:
    """ECR user guide, "Sync an upstream registry with an Amazon ECR private registry": "Turning on image tag
    immutability for repositories using a pull through cache rule will prevent Amazon ECR from updating images
    using the same tag"."""
    run = run_with(lambda p: [spoke(p, regions=["ap-south-1", "eu-west-1"]),
                              spoke(p, regions=["us-east-2"], repository_settings={"image_tag_mutability": "MUTABLE"})],
                   repository_settings={"image_tag_mutability": "IMMUTABLE"})
    assert run.warnings == (immutable_warning(0, "IMMUTABLE", "repository_settings.image_tag_mutability"),)
    assert run_with(lambda p: [spoke(p)], repository_settings={"image_tag_mutability": "MUTABLE"}).warnings == ()


def immutable_warning(index: int, mutability: str, source: str) -> str:
    own = f"pull_through_destinations[{index}].repository_settings"
    return (f"pull_through_destinations[{index}]: image_tag_mutability {mutability} (from {source}) reaches the "
            "spoke's cached repositories, where ECR can't refresh a cached tag that moves upstream (only tags in the "
            f"exclusion filters stay mutable); set {own}.image_tag_mutability to MUTABLE, or to "
            f"IMMUTABLE_WITH_EXCLUSION with the tags that move upstream in {own}.image_tag_mutability_exclusion_filters")


def test_a_spoke_that_names_its_own_mutable_tags_is_not_warned_about() -> None:
    """IMMUTABLE_WITH_EXCLUSION in the spoke's own settings names the tags that move upstream (the pack recommends it
    for spokes); inherited, its exclusion filters were the destinations', and IMMUTABLE freezes every cached tag."""
    with_exclusions = {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                       "image_tag_mutability_exclusion_filters": ["latest"]}
    run = run_with(lambda p: [spoke(p, repository_settings=with_exclusions),
                              spoke(p, regions=["eu-west-1"]),
                              spoke(p, regions=["us-east-2"], repository_settings={"image_tag_mutability": "IMMUTABLE"})],
                   repository_settings=with_exclusions)
    assert run.warnings == (
        immutable_warning(1, "IMMUTABLE_WITH_EXCLUSION", "repository_settings.image_tag_mutability"),
        immutable_warning(2, "IMMUTABLE", "pull_through_destinations[2].repository_settings.image_tag_mutability"))


def test_25_destinations_and_spokes_in_further_accounts_and_regions() -> None:
    """The 25-registry limit counts replication destinations only."""
    regions = DESTINATION_REGIONS[:25]

    def program() -> None:
        source = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        destination = account_provider("destination", DEST_ACCOUNT, regions[0])
        spokes = [PullThroughDestinationArgs(provider=account_provider(f"spoke-{i}", f"5{i:011}", "us-east-1"),
                                             account_id=f"5{i:011}", regions=regions[:10],
                                             upstream=f"{DEST_ACCOUNT}/{regions[i % 25]}") for i in range(12)]
        EcrReplication("images", EcrReplicationArgs(
            source_provider=source, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=destination, account_id=DEST_ACCOUNT, regions=regions)],
            repository_prefixes=["prod/"], pull_through_destinations=spokes))

    run = run_offline(program)
    (replication,) = run.of_type("aws:ecr/replicationConfiguration:ReplicationConfiguration")
    assert len(replication.inputs["replicationConfiguration"]["rules"][0]["destinations"]) == 25
    assert len(run.of_type(RULE)) == 12 * 10
    assert len(run.of_type(REGISTRY_POLICY)) == 25


def test_looked_up_spoke_accounts_and_regions_resolve_into_the_same_resources() -> None:
    explicit = run_with(lambda p: [spoke(p)])
    looked_up = run_with(lambda p: [PullThroughDestinationArgs(provider=p["spoke"],
                                                               upstream=f"{DEST_ACCOUNT}/us-west-2")])
    assert rules_by_registry(looked_up) == rules_by_registry(explicit)
    assert {r.name for r in looked_up.of_type(RULE)} == {f"images-pull-through-{p}-spoke0-provider-region"
                                                        for p in ("prod", "shared")}
    assert [policy(p) for p in looked_up.of_type(REGISTRY_POLICY)] == [policy(p) for p in explicit.of_type(REGISTRY_POLICY)]


@pytest.mark.parametrize("regions", [["ap-south-1"], None])
def test_a_looked_up_spoke_account_equal_to_its_upstreams_through_another_provider_is_rejected(
        regions: list[str] | None) -> None:
    """Whether a spoke needs a role and a grant is decided before lookups: a provider that turns out to reach the
    upstream's account has to be named so, or be the upstream's."""
    with pytest.raises(ReplicationConfigError, match=r"^pull_through_destinations\[0\]\.provider: this provider reaches "
                                                     r"account 222222222222, and the upstream 222222222222/us-west-2"):
        run_with(lambda p: [PullThroughDestinationArgs(provider=account_provider("other", DEST_ACCOUNT, "ap-south-1"),
                                                       regions=regions, upstream=f"{DEST_ACCOUNT}/us-west-2")])


def test_a_looked_up_spoke_region_without_pull_through_cache_is_rejected() -> None:
    """Once the spoke's region resolves, the error is worded for the source's partition (aws: no replication)."""
    with pytest.raises(ReplicationConfigError, match=r"^pull_through_destinations\[0\]\.regions: ECR creates no "
                                                     r"pull-through cache rules in this region .*; nor can this component "
                                                     r"replicate to it: the source registry is in partition aws, .* "
                                                     r"\(got 'us-gov-west-1'\)"):
        run_with(lambda p: [PullThroughDestinationArgs(provider=account_provider("gov", SPOKE_ACCOUNT, "us-gov-west-1"),
                                                       upstream=None)])


def base(src: aws.Provider, dst: aws.Provider, spokes: list[Any], **fields: Any) -> EcrReplicationArgs:
    """111111111111/us-east-1 replicating ``prod/`` to 222222222222/us-west-2, with ``spokes``."""
    return EcrReplicationArgs(**{
        "source_provider": src, "source_account_id": SOURCE_ACCOUNT, "source_region": "us-east-1",
        "destinations": [ReplicationDestinationArgs(provider=dst, account_id=DEST_ACCOUNT, regions=["us-west-2"])],
        "repository_prefixes": ["prod/"], "pull_through_destinations": spokes, **fields})


def a_spoke(provider_name: str = "spoke", **fields: Any) -> PullThroughDestinationArgs:
    """A spoke in 444444444444/ap-south-1 (its provider made where the program runs)."""
    provider = account_provider(provider_name, SPOKE_ACCOUNT, "ap-south-1")
    return PullThroughDestinationArgs(**{"provider": provider, "account_id": SPOKE_ACCOUNT, "regions": ["ap-south-1"],
                                         **fields})


REJECTED: dict[str, tuple[Callable[[aws.Provider, aws.Provider], Any], str, str]] = {
    "upstream the component doesn't replicate to": (
        lambda s, d: base(s, d, [a_spoke(upstream="999999999999/eu-west-1")]),
        "pull_through_destinations[0].upstream",
        "a spoke caches from the source registry or one of this component's replication destinations "
        "(111111111111/us-east-1, 222222222222/us-west-2): a registry that replication doesn't fill never receives "
        "the images (got '999999999999/eu-west-1')"),
    "upstream that is no ACCOUNT/REGION": (
        lambda s, d: base(s, d, [a_spoke(upstream=f"{DEST_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com")]),
        "pull_through_destinations[0].upstream", "write the upstream registry as ACCOUNT/REGION"),
    "upstream named before the source's region is known": (
        lambda s, d: EcrReplicationArgs(source_provider=s, source_account_id=SOURCE_ACCOUNT, destinations=[
            ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT)],
            pull_through_destinations=[a_spoke(upstream=f"{SOURCE_ACCOUNT}/us-east-1")]),
        "pull_through_destinations[0].upstream", "give source_account_id, source_region and the destinations'"),
    "spoke that is a replication destination": (
        lambda s, d: base(s, d, [PullThroughDestinationArgs(provider=d, account_id=DEST_ACCOUNT,
                                                            regions=["eu-west-1", "us-west-2"])]),
        "pull_through_destinations[0].regions[1]",
        f"registry {DEST_ACCOUNT}/us-west-2 is already the replication destination at destinations[0].regions[0]; a "
        "registry is either "
        "a replication destination (a real copy), a pull-through spoke (cached on first pull), or the source"),
    "spoke that is the source": (
        lambda s, d: base(s, d, [PullThroughDestinationArgs(provider=s, regions=["us-east-1"],
                                                            upstream=f"{DEST_ACCOUNT}/us-west-2")]),
        "pull_through_destinations[0].regions[0]", "already the source registry"),
    "spoke listed twice": (
        lambda s, d: base(s, d, [a_spoke(), a_spoke("spoke-b", regions=["eu-west-1", "ap-south-1"])]),
        "pull_through_destinations[1].regions[1]", "already the spoke at pull_through_destinations[0].regions[0]"),
    "region without pull-through cache, in another partition than the source": (
        lambda s, d: base(s, d, [a_spoke(regions=["ap-south-1", "cn-north-1"])]),
        "pull_through_destinations[0].regions[1]",
        "ECR creates no pull-through cache rules in this region (ECR user guide, considerations for pull through "
        "cache: not in cn-north-1, cn-northwest-1, us-gov-east-1, us-gov-west-1); nor can this component replicate "
        "to it: the source registry is in partition aws, and ECR replicates only within a partition, so a registry "
        "here gets the images only from a source registry in aws-cn (a stack of its own) (got 'cn-north-1')"),
    "region without pull-through cache, in the source's partition": (
        lambda s, d: base(s, d, [a_spoke(regions=["cn-northwest-1"], upstream=None)], source_region="cn-north-1",
                          destinations=[ReplicationDestinationArgs(provider=s, regions=["cn-northwest-1"])]),
        "pull_through_destinations[0].regions[0]",
        "cache: not in cn-north-1, cn-northwest-1, us-gov-east-1, us-gov-west-1); replicate to it instead (a "
        "replication destination) (got 'cn-northwest-1')"),
    "region without pull-through cache, the source's region still to be looked up": (
        lambda s, d: base(s, d, [a_spoke(regions=["us-gov-east-1"], upstream=None)], source_region=None),
        "pull_through_destinations[0].regions[0]",
        "not in cn-north-1, cn-northwest-1, us-gov-east-1, us-gov-west-1); a registry here gets the images only by "
        "replication, from a source registry in partition aws-us-gov (ECR replicates only within a partition) (got "
        "'us-gov-east-1')"),
    "prefix that is no path segment": (
        lambda s, d: base(s, d, [a_spoke()], repository_prefixes=["prod/", "team-"]),
        "repository_prefixes[1]",
        "pull_through_destinations[0] caches it, and a pull-through cache rule's prefix is a whole path segment"),
    "a destination's own prefix too long for a rule": (
        lambda s, d: base(s, d, [a_spoke(upstream=f"{DEST_ACCOUNT}/us-west-2")], destinations=[
            ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT, regions=["us-west-2"],
                                       repository_prefixes=["p" * 31 + "/"])]),
        "destinations[0].repository_prefixes[0]",
        "can't be a pull-through cache rule's prefix: AWS and the Terraform provider under pulumi-aws take 2 to 30"),
    "prefix only the API takes": (
        lambda s, d: base(s, d, [a_spoke()], repository_prefixes=["team__a/"]),
        "repository_prefixes[0]", "'team__a' can't be a pull-through cache rule's prefix"),
    "more rules than a registry holds": (
        lambda s, d: base(s, d, [a_spoke()], repository_prefixes=[f"team{i:02}/" for i in range(51)]),
        "repository_prefixes",
        "pull_through_destinations[0] caches each in a pull-through cache rule of its own, and a registry holds at "
        "most 50 (an ECR service quota that can't be raised) (got '51 prefixes')"),
    "least-privilege mode reaching a spoke": (
        lambda s, d: base(s, d, [a_spoke()], repository_settings={"allow_repository_creation": False,
                                                                  "repositories": ["prod/api"]}),
        "repository_settings.allow_repository_creation", "pull_through_destinations[0] is a pull-through spoke"),
    "deny taking the grant away": (
        lambda s, d: base(s, d, [a_spoke(upstream=f"{DEST_ACCOUNT}/us-west-2")], destinations=[
            ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT, regions=["us-west-2"],
                                       registry_policy_statements=[{
                                           "Sid": "NoCaching", "Effect": "Deny",
                                           "Principal": {"AWS": f"arn:aws:iam::{SPOKE_ACCOUNT}:root"},
                                           "Action": "ecr:BatchGetImage", "Resource": "*"}])]),
        "destinations[0].registry_policy_statements[0]",
        "takes ecr:BatchGetImage on arn:aws:ecr:us-west-2:222222222222:repository/prod/* away from account "
        "444444444444, whose spoke at pull_through_destinations[0].regions[0] caches from this registry (explicitly "
        "denied by statement NoCaching): its pull-through cache would fail (got 'NoCaching')"),
    "extra statement taking the grant's Sid": (
        lambda s, d: base(s, d, [a_spoke(upstream=f"{DEST_ACCOUNT}/us-west-2")], destinations=[
            ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT, regions=["us-west-2"],
                                       registry_policy_statements=[{
                                           "Sid": "AllowPullThroughCacheToSpokeAccounts", "Effect": "Allow",
                                           "Principal": {"AWS": "333333333333"}, "Action": "ecr:BatchGetImage",
                                           "Resource": "*"}])]),
        "destinations[0].registry_policy_statements[0].Sid", "reserved for the statement that grants"),
    "spoke with the upstream's provider and another account": (
        lambda s, d: base(s, d, [PullThroughDestinationArgs(provider=d, account_id=SPOKE_ACCOUNT, regions=["eu-west-1"],
                                                            upstream=f"{DEST_ACCOUNT}/us-west-2")]),
        "pull_through_destinations[0].account_id", "this spoke uses its upstream's provider, which is account 222222222222"),
    "spokes that are no list": (
        lambda s, d: base(s, d, a_spoke()),  # type: ignore[arg-type]
        "pull_through_destinations", "must be a list of PullThroughDestinationArgs"),
    "spoke without a provider": (
        lambda s, d: base(s, d, [{"account_id": SPOKE_ACCOUNT}]),
        "pull_through_destinations[0].provider", "pass an explicit aws.Provider"),
    "source registry policy statements that are no list": (
        lambda s, d: base(s, d, [a_spoke()], source_registry_policy_statements=WORKLOADS),
        "source_registry_policy_statements", "must be a list of IAM policy statements"),
    "source registry policy statements for a policy managed elsewhere": (
        lambda s, d: base(s, d, [a_spoke()], manage_source_registry_policy=False,
                          source_registry_policy_statements=[WORKLOADS]),
        "source_registry_policy_statements",
        "are only used when the component manages the source registry's policy (manage_source_registry_policy is "
        "false) (got '1 statement(s)')"),
    "source registry policy statements without a spoke of the source in another account": (
        lambda s, d: base(s, d, [a_spoke(upstream=f"{DEST_ACCOUNT}/us-west-2")],
                          source_registry_policy_statements=[WORKLOADS]),
        "source_registry_policy_statements",
        "would be dropped: the component declares the source registry's policy only when a spoke in another account "
        "caches from the source (pull_through_destinations); manage this registry's policy elsewhere"),
    "source registry policy statements without spokes": (
        lambda s, d: base(s, d, [], source_registry_policy_statements=[WORKLOADS]),
        "source_registry_policy_statements", "would be dropped"),
    "source registry policy statement allowing everyone": (
        lambda s, d: base(s, d, [a_spoke()], source_registry_policy_statements=[{**WORKLOADS, "Principal": "*"}]),
        "source_registry_policy_statements[0].Principal", "(got '*')"),
    "source registry policy statement taking the grant's Sid": (
        lambda s, d: base(s, d, [a_spoke()], source_registry_policy_statements=[
            {**WORKLOADS, "Sid": "AllowPullThroughCacheToSpokeAccounts"}]),
        "source_registry_policy_statements[0].Sid", "reserved for the statement that grants"),
    "source registry policy deny taking the grant away": (
        lambda s, d: base(s, d, [a_spoke()], source_registry_policy_statements=[WORKLOADS, {
            "Effect": "Deny", "Principal": "*", "Action": "ecr:BatchImportUpstreamImage",
            "Resource": f"arn:aws:ecr:us-east-1:{SOURCE_ACCOUNT}:repository/*"}]),
        "source_registry_policy_statements[1]",
        "takes ecr:BatchImportUpstreamImage on arn:aws:ecr:us-east-1:111111111111:repository/prod/* away from account "
        "444444444444, whose spoke at pull_through_destinations[0].regions[0] caches from this registry (explicitly "
        "denied by statement #2): its pull-through cache would fail"),
    "source policy switch that is no boolean": (
        lambda s, d: base(s, d, [a_spoke()], manage_source_registry_policy="yes"),
        "manage_source_registry_policy", "must be true or false"),
    "spoke in another partition than its upstream": (
        lambda s, d: base(s, d, [PullThroughDestinationArgs(provider=account_provider("iso", SPOKE_ACCOUNT, "us-iso-east-1"),
                                                            account_id=SPOKE_ACCOUNT, regions=["us-iso-east-1"])]),
        "pull_through_destinations[0].regions[0]", "the upstream 111111111111/us-east-1 is in partition aws"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_invalid_spokes_are_rejected_before_any_resource(case: str) -> None:
    build, field, text = REJECTED[case]
    error = rejected_before_any_resource(build)
    assert error.field == field, str(error)
    assert str(error).startswith(f"{field}: ") and text in str(error), str(error)


def test_a_component_name_too_long_for_the_pull_through_role_is_rejected() -> None:
    name = "x" * 40  # "<name>-pull-through-role-444444444444" is 77 characters, pulumi-aws adds 8
    error, registered = attempt(lambda s, d: base(s, d, [a_spoke()]), name=name)
    assert error is not None and error.field == "name"
    assert str(error).startswith("name: the pull-through cache rules of pull_through_destinations[0] need a role")
    assert {r.type for r in registered} == {"pulumi:providers:aws"}


def test_explicit_spokes_are_checked_before_any_resource_even_while_destinations_are_looked_up() -> None:
    def build(src: aws.Provider, dst: aws.Provider) -> EcrReplicationArgs:
        return EcrReplicationArgs(
            source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=dst)],  # account and region looked up
            pull_through_destinations=[a_spoke(), a_spoke("spoke-b")])

    error = rejected_before_any_resource(build)
    assert error.field == "pull_through_destinations[1].regions[0]"
    assert "already the spoke at pull_through_destinations[0].regions[0]" in str(error)
