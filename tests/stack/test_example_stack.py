"""The bundled example program (`__main__.py`) under mocks with `Pulumi.dev.yaml`'s config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication import ReplicationConfigError
from replication.preview.runner import OfflineRun, provider_setting, run_program_file
from replication.preview.stack_files import StackFiles, load_stack
from tests.conftest import REGISTRY_POLICY, REPLICATION_CONFIGURATION, provider_name

ROOT = Path(__file__).resolve().parents[2]


def run_dev(**config_overrides: object) -> OfflineRun:
    """The dev stack with some ``ecr-replication:`` keys replaced (None: removed), as the CLI would pass them."""
    files = load_stack(ROOT, "dev")
    config = dict(files.config)
    for key, value in config_overrides.items():
        full_key = f"ecr-replication:{key}"
        if value is None:
            config.pop(full_key)
        else:
            config[full_key] = value if isinstance(value, str) else json.dumps(value)
    return run_program_file(files.program, files.project, files.stack, config, files.secret_keys)


def test_dev_stack_config_is_what_the_readme_describes() -> None:
    files: StackFiles = load_stack(ROOT, "dev")
    assert files.project == "ecr-replication"
    assert files.program == ROOT / "__main__.py"
    assert json.loads(files.config["pulumi:disable-default-providers"]) == ["aws"]


def test_one_pinned_provider_per_account() -> None:
    run = run_dev()
    providers = {p.name: p.inputs for p in run.of_type("pulumi:providers:aws")}
    assert set(providers) == {"source", "destination-222222222222", "spoke-444444444444"}
    assert provider_setting(providers["source"], "allowedAccountIds") == ["111111111111"]
    spoke = providers["spoke-444444444444"]
    assert (spoke["region"], provider_setting(spoke, "allowedAccountIds")) == ("ap-south-1", ["444444444444"])
    assert provider_setting(spoke, "assumeRoles") == [{"roleArn": "arn:aws:iam::444444444444:role/ecr-replication-deployer"}]
    assert providers["source"]["region"] == "us-east-1"
    assert providers["source"]["profile"] == "ecr-source"
    destination = providers["destination-222222222222"]
    assert provider_setting(destination, "allowedAccountIds") == ["222222222222"]
    assert provider_setting(destination, "assumeRoles") == [
        {"roleArn": "arn:aws:iam::222222222222:role/ecr-replication-deployer"}
    ]


def test_dev_stack_resources_and_exports() -> None:
    run = run_dev()
    policies = run.of_type(REGISTRY_POLICY)
    assert sorted((provider_name(run, p), p.inputs["region"]) for p in policies) == [
        ("destination-222222222222", "eu-west-1"),
        ("destination-222222222222", "us-west-2"),
    ]
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    assert provider_name(run, config) == "source"
    rules = config.inputs["replicationConfiguration"]["rules"]
    assert rules == run.exports["replicationConfiguration"]["rules"]
    assert rules[0]["destinations"] == [
        {"region": "us-west-2", "registryId": "222222222222"},
        {"region": "eu-west-1", "registryId": "222222222222"},
        {"region": "us-west-2", "registryId": "111111111111"},
    ]
    assert [f["filter"] for f in rules[0]["repositoryFilters"]] == ["prod/", "shared/"]
    assert run.exports["sourceRegistryId"] == "111111111111"
    assert run.exports["sourceRegion"] == "us-east-1"
    assert run.exports["destinationRegistries"][-1] == "111111111111.dkr.ecr.us-west-2.amazonaws.com"
    assert set(run.exports["registryPolicies"]) == {
        "222222222222.dkr.ecr.us-west-2.amazonaws.com",
        "222222222222.dkr.ecr.eu-west-1.amazonaws.com",
    }


def test_dev_stack_configures_replicated_repositories_in_every_destination() -> None:
    run = run_dev()
    all_templates = run.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    templates = [t for t in all_templates if t.inputs["appliedFors"] == ["REPLICATION"]]
    assert sorted((provider_name(run, t), t.inputs["region"], t.inputs["prefix"]) for t in templates) == [
        ("destination-222222222222", "eu-west-1", "prod"),
        ("destination-222222222222", "eu-west-1", "shared"),
        ("destination-222222222222", "us-west-2", "prod"),
        ("destination-222222222222", "us-west-2", "shared"),
        ("source", "us-west-2", "prod"),
        ("source", "us-west-2", "shared"),
    ]
    assert {t.inputs["imageTagMutability"] for t in templates} == {"IMMUTABLE"}
    assert {t.inputs["resourceTags"]["team"] for t in all_templates} == {"platform"}
    spoke_templates = [t for t in all_templates if t not in templates]
    assert sorted((provider_name(run, t), t.inputs["region"], t.inputs["prefix"], t.inputs["appliedFors"][0])
                  for t in spoke_templates) == [("spoke-444444444444", region, prefix, "PULL_THROUGH_CACHE")
                                                for region in ("ap-south-1", "ap-southeast-1")
                                                for prefix in ("prod", "shared")]
    assert {(t.inputs["imageTagMutability"], json.dumps(t.inputs["imageTagMutabilityExclusionFilters"], sort_keys=True))
            for t in spoke_templates} == {("IMMUTABLE_WITH_EXCLUSION", json.dumps([
                {"filter": "latest", "filterType": "WILDCARD"}], sort_keys=True))}, "the spoke's override: latest moves upstream"
    roles = run.of_type("aws:iam/role:Role")
    assert sorted((provider_name(run, r), r.name) for r in roles) == [
        ("destination-222222222222", "images-template-role-222222222222"),
        ("source", "images-template-role-111111111111"),
        ("spoke-444444444444", "images-pull-through-role-444444444444"),
        ("spoke-444444444444", "images-template-role-444444444444"),
    ]
    scanning = run.of_type("aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration")
    assert len(scanning) == 5


def test_destination_prefix_override_from_config() -> None:
    run = run_dev(
        destinations=[
            {"accountId": "222222222222", "regions": ["us-west-2"]},
            {"accountId": "333333333333", "regions": ["eu-west-1"], "repositoryPrefixes": ["team-a/"]},
        ]
    )
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    rules = config.inputs["replicationConfiguration"]["rules"]
    assert [[f["filter"] for f in r["repositoryFilters"]] for r in rules] == [["prod/", "shared/"], ["team-a/"]]


def test_destination_settings_from_config_reach_its_templates() -> None:
    """A destination's own repositorySettings override the top-level ones in that destination only."""
    run = run_dev(
        pullThroughDestinations=None,
        destinations=[
            {"accountId": "222222222222", "regions": ["us-west-2"], "repositorySettings": {"imageTagMutability": "MUTABLE"}},
            {"accountId": "333333333333", "regions": ["eu-west-1"], "manageRegistryPolicy": False},
        ]
    )
    templates = run.of_type("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    assert {(provider_name(run, t), t.inputs["imageTagMutability"]) for t in templates} == {
        ("destination-222222222222", "MUTABLE"),
        ("destination-333333333333", "IMMUTABLE"),
    }
    assert [provider_name(run, p) for p in run.of_type(REGISTRY_POLICY)] == ["destination-222222222222"]


def test_entries_of_one_account_with_other_credentials_are_rejected() -> None:
    """Issue 11.8: one provider serves an account, so a second entry's role must not be dropped silently."""
    with pytest.raises(ReplicationConfigError) as raised:
        run_dev(
            destinations=[
                {"accountId": "222222222222", "regions": ["us-west-2"], "roleArn": "arn:aws:iam::222222222222:role/a"},
                {"accountId": "222222222222", "regions": ["eu-west-1"], "roleArn": "arn:aws:iam::222222222222:role/b"},
            ]
        )
    assert str(raised.value).startswith(
        "ecr-replication:destinations[1]: same account as ecr-replication:destinations[0] but another roleArn"
    )


def test_a_destination_in_the_source_account_with_other_credentials_is_rejected() -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_dev(destinations=[{"accountId": "111111111111", "regions": ["us-west-2"], "profile": "other"}])
    assert str(raised.value).startswith(
        "ecr-replication:destinations[0]: same account as ecr-replication:source but another profile"
    )


def test_credentials_named_in_one_entry_serve_the_whole_account() -> None:
    """An entry naming no credentials shares its account's provider, whichever entry names them."""
    run = run_dev(
        pullThroughDestinations=None,
        destinations=[
            {"accountId": "222222222222", "regions": ["us-west-2"]},
            {"accountId": "222222222222", "regions": ["eu-west-1"], "roleArn": "arn:aws:iam::222222222222:role/b"},
        ]
    )
    providers = {p.name: p.inputs for p in run.of_type("pulumi:providers:aws")}
    assert set(providers) == {"source", "destination-222222222222"}
    destination = providers["destination-222222222222"]
    assert provider_setting(destination, "assumeRoles") == [{"roleArn": "arn:aws:iam::222222222222:role/b"}]
    assert destination["region"] == "us-west-2"
    assert {provider_name(run, p) for p in run.of_type(REGISTRY_POLICY)} == {"destination-222222222222"}


def test_the_dev_stacks_spoke_caches_from_the_destination_across_accounts() -> None:
    run = run_dev()
    rules = run.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert sorted((provider_name(run, r), r.inputs["region"], r.inputs["ecrRepositoryPrefix"],
                   r.inputs["upstreamRegistryUrl"]) for r in rules) == [
        ("spoke-444444444444", region, prefix, "222222222222.dkr.ecr.us-west-2.amazonaws.com")
        for region in ("ap-south-1", "ap-southeast-1") for prefix in ("prod", "shared")]
    policies = {p.inputs["region"]: json.loads(p.inputs["policy"]) for p in run.of_type(REGISTRY_POLICY)}
    assert [s["Sid"] for s in policies["us-west-2"]["Statement"]] == [
        "AllowEcrReplicationFromSourceAccount", "AllowPullThroughCacheToSpokeAccounts"]
    assert [s["Sid"] for s in policies["eu-west-1"]["Statement"]] == ["AllowEcrReplicationFromSourceAccount"]
    assert run.exports["pullThroughRegistries"] == [
        "444444444444.dkr.ecr.ap-south-1.amazonaws.com", "444444444444.dkr.ecr.ap-southeast-1.amazonaws.com"]


def test_a_spoke_in_a_destination_account_shares_its_provider_and_credentials() -> None:
    run = run_dev(pullThroughDestinations=[{"accountId": "222222222222", "regions": ["ap-south-1"],
                                            "upstream": "222222222222/us-west-2"}])
    assert {p.name for p in run.of_type("pulumi:providers:aws")} == {"source", "destination-222222222222"}
    rules = run.of_type("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
    assert {provider_name(run, r) for r in rules} == {"destination-222222222222"}
    assert {r.inputs.get("customRoleArn") for r in rules} == {None}, "same account as its upstream"
    with pytest.raises(ReplicationConfigError) as raised:
        run_dev(pullThroughDestinations=[{"accountId": "222222222222", "regions": ["ap-south-1"],
                                          "roleArn": "arn:aws:iam::222222222222:role/other"}])
    assert str(raised.value).startswith("ecr-replication:pullThroughDestinations[0]: same account as "
                                        "ecr-replication:destinations[0] but another roleArn")
