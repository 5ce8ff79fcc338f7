"""`ecr-replication-single-configuration`: one document resource per registry."""

from collections.abc import Callable

import pytest

from policies.ecr_guardrails.singletons import single_configuration
from replication.preview.analyzer import UNKNOWN, PolicyPackServer, StackResource
from tests.policies.policy_args import run_policy
from tests.policies.policy_stacks import (SOURCE_ACCOUNT, destination_provider, guarded_stack, provider,
                                          registry_policy, replication_configuration, scanning_configuration)


def test_one_of_each_per_registry_passes() -> None:
    assert run_policy(single_configuration, guarded_stack()) == []


@pytest.mark.parametrize("build, kind", [(replication_configuration, "ReplicationConfiguration"),
                                         (registry_policy, "RegistryPolicy"),
                                         (scanning_configuration, "RegistryScanningConfiguration")])
def test_two_of_a_kind_in_one_registry_are_both_reported(build: Callable[..., StackResource], kind: str) -> None:
    first, second = build(name="first"), build(name="second")
    violations = run_policy(single_configuration, [first, second])
    assert sorted(urn for _, urn in violations) == sorted([first["urn"], second["urn"]])
    assert all(f"2 {kind} resources" in m and "(first, second)" in m and "merge them" in m for m, _ in violations)


def test_the_region_may_come_from_the_provider() -> None:
    explicit = replication_configuration("explicit")
    inherited = replication_configuration("inherited", region=None)
    assert len(run_policy(single_configuration, [explicit, inherited])) == 2


def test_providers_naming_the_same_account_share_a_registry() -> None:
    by_role = provider("by-role", account=None, role_account=SOURCE_ACCOUNT)
    violations = run_policy(single_configuration, [replication_configuration("a"),
                                                   replication_configuration("b", resource_provider=by_role)])
    assert len(violations) == 2


def test_different_regions_or_accounts_are_different_registries() -> None:
    resources = [replication_configuration("east"), replication_configuration("west", region="us-west-2"),
                 replication_configuration("other", resource_provider=provider("other", account="999999999999"))]
    assert run_policy(single_configuration, resources) == []


def test_a_provider_without_known_account_stands_for_its_own_registry() -> None:
    anonymous = provider("anonymous", account=None)
    other_anonymous = provider("other-anonymous", account=None)
    same_provider = [registry_policy(name, resource_provider=anonymous) for name in ("a", "b")]
    different = [registry_policy("c", resource_provider=anonymous),
                 registry_policy("d", resource_provider=other_anonymous)]
    assert len(run_policy(single_configuration, same_provider)) == 2
    assert run_policy(single_configuration, different) == []


def test_unknown_regions_are_skipped() -> None:
    unknown = registry_policy("unknown", region=UNKNOWN)
    assert run_policy(single_configuration, [registry_policy("known"), unknown]) == []


def test_the_level_can_be_lowered_over_the_protocol(pack: PolicyPackServer) -> None:
    resources = [destination_provider(), scanning_configuration("a"), scanning_configuration("b")]
    assert {d.enforcement_level for d in pack.analyze_stack(resources)
            if d.policy_name == "ecr-replication-single-configuration"} == {"mandatory"}
    pack.configure({"ecr-replication-single-configuration": "advisory"})
    assert {d.enforcement_level for d in pack.analyze_stack(resources)
            if d.policy_name == "ecr-replication-single-configuration"} == {"advisory"}
