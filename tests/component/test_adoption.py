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
