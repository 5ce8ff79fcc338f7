"""``adopt_existing``: which children get Pulumi's ``import`` option, with which id (``replication.adoption``)."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws
import pytest

from replication import EcrReplicationArgs, ReplicationDestinationArgs
from tests.component.helpers import rejected_before_any_resource
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, destination_provider, replicate_from_source

SETTINGS: dict[str, Any] = {
    "image_tag_mutability": "IMMUTABLE",
    "scan_on_push": True,
    "keep_last_images": 10,
    "tags": {"team": "platform"},
    "repositories": ["prod/api"],
    "repository_policy": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"333333333333"},'
                         '"Action":"ecr:BatchGetImage"}]}',
}
"""Settings that make the component declare every kind of child: templates (for prod/ and ROOT, the filter
`legacy` not being a whole path segment), scanning, the templates' role (tags), pre-created repositories with
their lifecycle and repository policies."""


def adopted(adopt: bool) -> dict[tuple[str, str], str]:
    """(type, name) -> import id of every resource a component with every kind of child registers."""
    run = replicate_from_source(
        lambda src: [
            ReplicationDestinationArgs(
                provider=destination_provider(), account_id=DEST_ACCOUNT, regions=["us-west-2", "eu-west-1"]),
            ReplicationDestinationArgs(provider=src, regions=["us-west-2"]),
        ],
        source_account_id=SOURCE_ACCOUNT,
        source_region="us-east-1",
        repository_prefixes=["prod/", "legacy"],
        repository_settings=SETTINGS,
        adopt_existing=adopt,
    )
    children = [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    return {(r.type.rsplit(":", 1)[-1], r.name): r.import_id for r in children}


def test_each_adopted_child_gets_the_import_id_pulumi_aws_documents() -> None:
    """Registry documents by `<account>@<region>`, templates by `<prefix>@<region>` (pulumi-aws 7.51.1 import
    sections and its enhanced-region-support guide), each in its own registry's account and region."""
    ids = adopted(True)
    expected = {("ReplicationConfiguration", "images-replication"): f"{SOURCE_ACCOUNT}@us-east-1"}
    for account, region in ((DEST_ACCOUNT, "us-west-2"), (DEST_ACCOUNT, "eu-west-1"), (SOURCE_ACCOUNT, "us-west-2")):
        registry = f"{account}-{region}"
        if account != SOURCE_ACCOUNT:
            expected[("RegistryPolicy", f"images-registry-policy-{registry}")] = f"{account}@{region}"
        expected[("RegistryScanningConfiguration", f"images-scanning-{registry}")] = f"{account}@{region}"
        for prefix in ("prod", "ROOT"):
            expected[("RepositoryCreationTemplate", f"images-template-{prefix}-{registry}")] = f"{prefix}@{region}"
    assert {key: value for key, value in ids.items() if value} == expected


def test_created_children_are_never_imported() -> None:
    """The templates' role (named by pulumi-aws) and pre-created repositories with their policies are created."""
    ids = adopted(True)
    never = {kind for kind, _ in ids} - {
        "ReplicationConfiguration", "RegistryPolicy", "RegistryScanningConfiguration", "RepositoryCreationTemplate"}
    assert never == {"Role", "RolePolicy", "Repository", "LifecyclePolicy", "RepositoryPolicy"}
    assert all(not import_id for (kind, _), import_id in ids.items() if kind in never)


def test_without_adopt_nothing_is_imported() -> None:
    assert not any(adopted(False).values())


def base(src: aws.Provider, dst: aws.Provider, **fields: Any) -> EcrReplicationArgs:
    return EcrReplicationArgs(**{
        "source_provider": src, "source_account_id": SOURCE_ACCOUNT, "source_region": "us-east-1", "adopt_existing": True,
        "destinations": [ReplicationDestinationArgs(provider=dst, account_id=DEST_ACCOUNT, regions=["us-west-2"])],
        **fields})


@pytest.mark.parametrize(
    ("build", "field", "value", "problem"),
    [
        (lambda s, d: base(s, d, adopt_existing="yes"), "adopt_existing", "yes", "must be true or false"),
        (lambda s, d: base(s, d, destinations=[ReplicationDestinationArgs(provider=d, regions=["us-west-2"])]),
         "adopt_existing", True, "import ids name each registry's account and region"),
        (lambda s, d: base(s, d, source_region="eusc-de-east-1", destinations=[
            ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT, regions=["eusc-de-east-1"])]),
         "destinations[0].regions[0]", "eusc-de-east-1", "pulumi-aws 7.51.1 refuses this region as a replication "
         "destination"),
    ],
    ids=["not a boolean", "a looked-up account id", "a region pulumi-aws's schema refuses first"],
)
def test_adoption_it_can_not_do_is_an_error_before_any_resource(build: Any, field: str, value: object, problem: str) -> None:
    error = rejected_before_any_resource(build)
    assert (error.field, error.value) == (field, value)
    assert error.problem.startswith(problem)


SPOKE_ACCOUNT = "444444444444"


def adopted_spokes(adopt: bool) -> dict[tuple[str, str], str]:
    """(type, name) -> import id of a component with a spoke in another account caching from the source (its rule,
    its role, the source's policy holding its grant) and repository settings that reach it."""
    from replication import EcrReplication, PullThroughDestinationArgs
    from replication.preview.runner import run_offline
    from tests.conftest import account_provider

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        EcrReplication("images", EcrReplicationArgs(
            source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
            destinations=[ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT,
                                                     regions=["us-west-2"])],
            repository_prefixes=["prod/"], repository_settings={"image_tag_mutability": "MUTABLE", "scan_on_push": True},
            pull_through_destinations=[PullThroughDestinationArgs(
                provider=account_provider("spoke", SPOKE_ACCOUNT, "ap-south-1"), account_id=SPOKE_ACCOUNT,
                regions=["ap-south-1"])],
            adopt_existing=adopt))

    children = [r for r in run_offline(program).resources if r.custom and not r.type.startswith("pulumi:providers:")]
    return {(r.type.rsplit(":", 1)[-1], r.name): r.import_id for r in children}


def test_adopting_spokes_imports_their_rules_settings_and_the_source_policy_that_grants_them() -> None:
    """pulumi-aws 7.51.1's `## Import` of PullThroughCacheRule: by `ecr_repository_prefix`, here with `@<region>`;
    the spoke's templates and scanning configuration and the source's registry policy (which the component declares
    for the spoke's grant) as a destination's; the role ECR assumes is created (its name is generated)."""
    ids = adopted_spokes(True)
    spoke = f"{SPOKE_ACCOUNT}-ap-south-1"
    assert ids[("PullThroughCacheRule", f"images-pull-through-prod-{spoke}")] == "prod@ap-south-1"
    assert ids[("RepositoryCreationTemplate", f"images-template-prod-{spoke}")] == "prod@ap-south-1"
    assert ids[("RegistryScanningConfiguration", f"images-scanning-{spoke}")] == f"{SPOKE_ACCOUNT}@ap-south-1"
    assert ids[("RegistryPolicy", "images-registry-policy-source")] == f"{SOURCE_ACCOUNT}@us-east-1"
    roles = {key: value for key, value in ids.items() if key[0] in ("Role", "RolePolicy")}
    assert roles and not any(roles.values())
    assert not any(adopted_spokes(False).values())


def test_adopting_a_spoke_needs_its_account_and_regions_explicit() -> None:
    from replication import PullThroughDestinationArgs
    from tests.conftest import account_provider

    def build(src: aws.Provider, dst: aws.Provider) -> EcrReplicationArgs:
        spoke = account_provider("spoke", SPOKE_ACCOUNT, "ap-south-1")
        return base(src, dst, pull_through_destinations=[PullThroughDestinationArgs(provider=spoke)])

    error = rejected_before_any_resource(build)
    assert (error.field, error.value) == ("adopt_existing", True)
    assert error.problem == ("import ids name each registry's account and region: give "
                             "pull_through_destinations[0].account_id and its regions explicitly (as plain values)")
