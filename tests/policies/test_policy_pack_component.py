"""The pack on what programs really register under Pulumi mocks: the example stack, stacks of the
`EcrReplication` component, and raw `aws.ecr` resources declared by hand."""

import json
from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_aws as aws
import pytest

from replication.preview.analyzer import Diagnostic, PolicyPackServer, StackResource, stack_resources
from replication import (EcrReplication, EcrReplicationArgs, PullThroughDestinationArgs, ReplicationConfigError,
                         ReplicationDestinationArgs)
from replication.preview.runner import run_offline, run_program_file
from replication.preview.stack_files import load_stack
from tests.policies.policy_args import by_policy

REPO_ROOT = Path(__file__).resolve().parents[2]
SOURCE, DEST, THIRD = "111111111111", "222222222222", "333333333333"
REGIONS = ["us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1",
           "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2"]
MANDATORY_POLICIES = {"ecr-replication-destination-limit", "ecr-replication-single-configuration"}


def pinned(name: str, account: str, region: str = "us-east-1") -> aws.Provider:
    """An AWS provider pinned to one account."""
    return aws.Provider(name, region=region, allowed_account_ids=[account])


def replication(name: str, source: aws.Provider, regions_by_account: dict[str, list[str]],
                providers: dict[str, aws.Provider]) -> EcrReplication:
    """An EcrReplication of `prod/` from the source registry to each account's regions."""
    destinations = [ReplicationDestinationArgs(provider=providers[account], account_id=account, regions=regions)
                    for account, regions in regions_by_account.items()]
    return EcrReplication(name, EcrReplicationArgs(source_provider=source, source_account_id=SOURCE,
                                                   destinations=destinations, repository_prefixes=["prod/"]))


def destination_providers() -> dict[str, aws.Provider]:
    """Pinned providers of the two destination accounts."""
    return {account: pinned(f"destination-{account}", account, "us-west-2") for account in (DEST, THIRD)}


def analyze(program: Callable[[], object], pack: PolicyPackServer) -> list[Diagnostic]:
    """What a preview with the pack reports for what `program` registers under mocks."""
    return pack.preview(stack_resources(run_offline(program).resources))


def example_stack_resources() -> list[StackResource]:
    """What the bundled example stack (`__main__.py` with `Pulumi.dev.yaml`) registers."""
    stack = load_stack(REPO_ROOT, "dev")
    return stack_resources(run_program_file(stack.program, stack.project, stack.stack, stack.config,
                                            stack.secret_keys).resources)


def test_the_example_stack_only_hears_that_its_templates_lack_kms(pack: PolicyPackServer) -> None:
    found = by_policy(pack.preview(example_stack_resources()))
    assert set(found) == {"ecr-replicated-repositories-hardened"}
    hardening = found["ecr-replicated-repositories-hardened"]
    spokes = ("444444444444-ap-south-1", "444444444444-ap-southeast-1")
    assert {d.urn.rsplit("::", 1)[1] for d in hardening} == {
        f"images-template-{prefix}-{registry}" for prefix in ("prod", "shared")
        for registry in ("222222222222-us-west-2", "222222222222-eu-west-1", "111111111111-us-west-2", *spokes)}
    assert all("encrypted with AES256 (default)" in d.message and d.enforcement_level == "advisory"
               for d in hardening)
    # They are the component's children: the remedy is its argument and the stack key (issue 19, item 8), a spoke's
    # own settings for a spoke's template. The spoke's IMMUTABLE_WITH_EXCLUSION tags are what the policy asks of it.
    assert all("set repository_settings.encryption_type to 'KMS'" in d.message
               and "stack config: repositorySettings.encryptionType: KMS" in d.message
               and "encryptionConfigurations" not in d.message for d in hardening)
    spoke_problems = {d.message.split("\n", 1)[1] for d in hardening if d.urn.endswith(spokes)}  # after the description
    assert spoke_problems == {
        f"pull-through cache template for prefix '{prefix}' is encrypted with AES256 (default); set "
        "repository_settings.encryption_type to 'KMS' (or 'KMS_DSSE') with kms_key, or kms_keys by region in the "
        "EcrReplication component's arguments or a spoke's (pull_through_destinations[].repository_settings) (stack "
        "config: repositorySettings.encryptionType: KMS with repositorySettings.kmsKeys, or under "
        "pullThroughDestinations[].repositorySettings)." for prefix in ("prod", "shared")}


def test_the_example_stack_is_clean_when_aes256_counts(pack: PolicyPackServer) -> None:
    pack.configure({"ecr-replicated-repositories-hardened": {"aes256Counts": True}})
    assert pack.preview(example_stack_resources()) == []


def test_a_component_with_25_destinations_passes_the_limits(pack: PolicyPackServer) -> None:
    def program() -> None:
        providers = destination_providers()
        replication("images", pinned("source", SOURCE), {DEST: REGIONS, THIRD: REGIONS[:12]}, providers)

    found = by_policy(analyze(program, pack))
    assert not MANDATORY_POLICIES & set(found) and "ecr-replication-rule-limits" not in found
    assert "ecr-replication-has-permission" not in found


def test_a_destination_policy_managed_elsewhere_is_warned_about(pack: PolicyPackServer) -> None:
    def program() -> None:
        providers = destination_providers()
        EcrReplication("images", EcrReplicationArgs(
            source_provider=pinned("source", SOURCE), source_account_id=SOURCE,
            destinations=[ReplicationDestinationArgs(provider=providers[DEST], account_id=DEST, regions=["us-west-2"],
                                                     manage_registry_policy=False)]))

    [warning] = by_policy(analyze(program, pack))["ecr-replication-has-permission"]
    assert warning.urn.endswith("::images-replication") and warning.enforcement_level == "advisory"
    assert f"destination {DEST}/us-west-2 has no registry policy" in warning.message


def test_least_privilege_mode_needs_create_repository_switched_off(pack: PolicyPackServer) -> None:
    def program() -> None:
        providers = destination_providers()
        EcrReplication("images", EcrReplicationArgs(
            source_provider=pinned("source", SOURCE), source_account_id=SOURCE, repository_prefixes=["prod/"],
            destinations=[ReplicationDestinationArgs(provider=providers[DEST], account_id=DEST, regions=["us-west-2"])],
            repository_settings={"allow_repository_creation": False, "repositories": ["prod/api"],
                                 "image_tag_mutability": "IMMUTABLE", "encryption_type": "KMS",
                                 "kms_key": "arn:aws:kms:us-west-2:222222222222:key/k"}))

    resources = stack_resources(run_offline(program).resources)
    [warning] = by_policy(pack.preview(resources))["ecr-replication-has-permission"]
    assert ("does not let 111111111111 do ecr:CreateRepository on "
            "arn:aws:ecr:us-west-2:222222222222:repository/prod/*: not granted") in warning.message
    pack.configure({"ecr-replication-has-permission": {"requireCreateRepository": False}})
    assert "ecr-replication-has-permission" not in by_policy(pack.preview(resources))


def test_the_component_itself_refuses_26_destinations() -> None:
    def program() -> None:
        replication("images", pinned("source", SOURCE), {DEST: REGIONS, THIRD: REGIONS}, destination_providers())

    with pytest.raises(ReplicationConfigError):
        run_offline(program)


def test_two_components_for_one_source_registry_fail_with_26_destinations(pack: PolicyPackServer) -> None:
    def program() -> None:
        source, providers = pinned("source", SOURCE), destination_providers()
        replication("team-a", source, {DEST: REGIONS}, providers)
        replication("team-b", source, {THIRD: REGIONS}, providers)

    found = by_policy(analyze(program, pack))
    for policy in MANDATORY_POLICIES:
        assert {d.urn.rsplit("::", 1)[1] for d in found[policy]} == {"team-a-replication", "team-b-replication"}
        assert {d.enforcement_level for d in found[policy]} == {"mandatory"}
    assert "26 unique destinations" in found["ecr-replication-destination-limit"][0].message


def test_raw_resources_with_26_destinations_on_the_default_provider(pack: PolicyPackServer) -> None:
    def program() -> None:
        aws.ecr.ReplicationConfiguration("by-hand", replication_configuration={"rules": [{
            "destinations": [{"region": region, "registry_id": account} for account in (DEST, THIRD)
                             for region in REGIONS],
            "repository_filters": [{"filter": "prod/", "filter_type": "PREFIX_MATCH"}]}]})
        aws.ecr.RegistryPolicy("open", policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*"}]}))

    found = by_policy(analyze(program, pack))
    assert "26 unique destinations" in found["ecr-replication-destination-limit"][0].message
    assert len(found["ecr-registry-policy-least-privilege"]) == 2
    assert {d.urn.rsplit("::", 1)[1] for d in found["aws-explicit-providers"]} == {"by-hand", "open"}


def spokes_of(upstream: str) -> Callable[[], None]:
    """A program: `prod/` replicated to 222222222222/us-west-2, cached by a spoke in 444444444444/ap-south-1 from
    `upstream` (ACCOUNT/REGION)."""

    def program() -> None:
        providers = destination_providers()
        spoke = pinned("spoke", "444444444444", "ap-south-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=pinned("source", SOURCE), source_account_id=SOURCE, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=providers[DEST], account_id=DEST, regions=["us-west-2"])],
            repository_prefixes=["prod/"],
            pull_through_destinations=[PullThroughDestinationArgs(provider=spoke, account_id="444444444444",
                                                                  upstream=upstream)]))

    return program


@pytest.mark.parametrize("upstream", [f"{DEST}/us-west-2", f"{SOURCE}/us-east-1"])
def test_a_component_with_a_cross_account_spoke_passes_every_mandatory_policy(pack: PolicyPackServer,
                                                                              upstream: str) -> None:
    found = by_policy(analyze(spokes_of(upstream), pack))
    assert set(found) <= {"ecr-replicated-repositories-hardened"}, {k: [d.message for d in v] for k, v in found.items()}


def test_refusing_pull_through_grants_flags_the_spokes_grant(pack: PolicyPackServer) -> None:
    pack.configure({"ecr-registry-policy-least-privilege": {"allowPullThroughGrants": False}})
    [violation] = by_policy(analyze(spokes_of(f"{DEST}/us-west-2"), pack))["ecr-registry-policy-least-privilege"]
    assert violation.urn.endswith(f"::images-registry-policy-{DEST}-us-west-2")
    assert "Allow statement AllowPullThroughCacheToSpokeAccounts grants ecr:BatchGetImage" in violation.message


def test_the_source_registry_policy_of_spokes_and_another_one_overwrite_each_other(pack: PolicyPackServer) -> None:
    def program() -> None:
        spokes_of(f"{SOURCE}/us-east-1")()
        aws.ecr.RegistryPolicy("by-hand", policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": THIRD}, "Action": "ecr:ReplicateImage", "Resource": "*"}]}),
            opts=pulumi.ResourceOptions(provider=pinned("source-again", SOURCE)))

    found = by_policy(analyze(program, pack))["ecr-replication-single-configuration"]
    assert {d.urn.rsplit("::", 1)[1] for d in found} == {"images-registry-policy-source", "by-hand"}
    assert all(d.enforcement_level == "mandatory" for d in found)
