"""Replicated repositories arrive configured: templates, scanning, encryption, lifecycle, pre-created repositories."""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws
import pytest

from replication import (
    EcrReplication,
    EcrReplicationArgs,
    ReplicationDestinationArgs,
    RepositorySettingsArgs,
)
from replication.preview.runner import OfflineRun, run_offline
from replication.ecr_semantics import Rule, scanning_filter_covers, scanning_filter_matches
from replication.repository_settings import ROOT_TEMPLATE, applied_template, scanning_filters, template_prefixes
from tests.component.helpers import rejected_before_any_resource
from tests.conftest import DEST_ACCOUNT, REPLICATION_CONFIGURATION, SOURCE_ACCOUNT, account_provider, policy_of, provider_name

TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPOSITORY = "aws:ecr/repository:Repository"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
KEY_WEST = f"arn:aws:kms:us-west-2:{DEST_ACCOUNT}:key/1111aaaa-0000-0000-0000-000000000000"
KEY_EU = f"arn:aws:kms:eu-west-1:{DEST_ACCOUNT}:key/2222bbbb-0000-0000-0000-000000000000"
KEEP_TEN = json.dumps(
    {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
                "action": {"type": "expire"}}]}
)
PULL_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WorkloadsPull",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            }
        ],
    }
)


def replication_args(
    src: aws.Provider,
    dst: aws.Provider,
    settings: RepositorySettingsArgs | None = None,
    destination_settings: RepositorySettingsArgs | None = None,
    prefixes: list[str] | None = None,
    regions: list[str] | None = None,
    same_account: bool = False,
) -> EcrReplicationArgs:
    """Replicate 111/us-east-1 to 222 (or to 111 itself when ``same_account``) with the given settings."""
    destination = ReplicationDestinationArgs(provider=src if same_account else dst, regions=regions or ["us-west-2"])
    if not same_account:
        destination["account_id"] = DEST_ACCOUNT
    if destination_settings is not None:
        destination["repository_settings"] = destination_settings
    args = EcrReplicationArgs(
        source_provider=src,
        source_account_id=SOURCE_ACCOUNT,
        source_region="us-east-1",
        destinations=[destination],
        repository_prefixes=["prod/"] if prefixes is None else prefixes,
    )
    if settings is not None:
        args["repository_settings"] = settings
    return args


def replicate(settings: RepositorySettingsArgs | None = None, **options: Any) -> OfflineRun:
    """Run the component under mocks with :func:`replication_args`."""

    def program() -> None:
        src = account_provider("source", SOURCE_ACCOUNT, "us-east-1")
        dst = account_provider("destination", DEST_ACCOUNT, "us-west-2")
        EcrReplication("images", replication_args(src, dst, settings, **options))

    return run_offline(program)


def test_template_per_prefix_carries_every_setting_in_the_destination() -> None:
    run = replicate(
        RepositorySettingsArgs(
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            image_tag_mutability_exclusion_filters=["latest"],
            encryption_type="KMS",
            kms_key=KEY_WEST,
            expire_untagged_after_days=14,
            keep_last_images=200,
            repository_policy=PULL_POLICY,
            tags={"team": "platform"},
        ),
        prefixes=["prod/", "shared/"],
    )
    templates = {t.inputs["prefix"]: t for t in run.of_type(TEMPLATE)}
    assert set(templates) == {"prod", "shared"}
    role = run.of_type(ROLE)[0]
    for template in templates.values():
        assert provider_name(run, template) == "destination"
        inputs = template.inputs
        assert inputs["region"] == "us-west-2"
        assert inputs["appliedFors"] == ["REPLICATION"]
        assert inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
        assert inputs["imageTagMutabilityExclusionFilters"] == [{"filter": "latest", "filterType": "WILDCARD"}]
        assert inputs["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": KEY_WEST}]
        assert json.loads(inputs["repositoryPolicy"]) == json.loads(PULL_POLICY)
        assert inputs["resourceTags"] == {"team": "platform"}
        assert inputs["customRoleArn"] == f"arn:aws:iam::{DEST_ACCOUNT}:role/{role.name}-<random suffix>"
        rules = json.loads(inputs["lifecyclePolicy"])["rules"]
        assert [(r["rulePriority"], r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in rules] == [
            (1, "untagged", 14),
            (2, "any", 200),
        ]


def test_prefix_mapping_never_leaves_a_replicated_repository_unconfigured() -> None:
    assert template_prefixes(("prod/", "team/a/")) == ("prod", "team/a")
    assert template_prefixes(("prod", "shared/")) == ("shared", ROOT_TEMPLATE)
    assert template_prefixes(()) == (ROOT_TEMPLATE,)
    run = replicate(RepositorySettingsArgs(image_tag_mutability="IMMUTABLE"), prefixes=[])
    assert [t.inputs["prefix"] for t in run.of_type(TEMPLATE)] == [ROOT_TEMPLATE]


def test_the_template_ecr_applies_is_the_longest_matching_prefix_with_its_implicit_slash() -> None:
    """ECR API reference, CreateRepositoryCreationTemplate ``prefix``: "There is always an assumed / applied to the
    end of the prefix"; ROOT applies to repositories no other template does."""
    prefixes = (ROOT_TEMPLATE, "prod", "prod/api", "team")
    chosen = {name: applied_template(prefixes, name)
              for name in ("prod/api/x", "prod/apix", "prod/x", "prod-x", "team/a", "teams/a")}
    assert chosen == {"prod/api/x": "prod/api", "prod/apix": "prod", "prod/x": "prod", "prod-x": ROOT_TEMPLATE,
                      "team/a": "team", "teams/a": ROOT_TEMPLATE}
    assert applied_template(prefixes[1:], "other/x") is None


NAMES = ("prod/api", "prod/api/v1", "prod-api", "prod", "prodx/y", "shared/x", "sharedx", "team-a/x/y",
         "team/prod/x", "other/y")
"""Repository names some of the prefixes below replicate and some don't."""


@pytest.mark.parametrize("prefixes", [("prod/",), ("prod", "shared/"), ("team-a/x", "prod/api/"), ()])
def test_every_replicated_repository_gets_a_template_and_exactly_those_are_scanned(prefixes: tuple[str, ...]) -> None:
    """The templates and scanning filters the component declares for a destination's prefixes, judged by ECR's
    rules: ECR finds a template for every repository replication creates, and the ``<prefix>*`` WILDCARD filters
    scan exactly the repositories the rule replicates (a ``PREFIX_MATCH`` filter is a plain string prefix)."""
    rule, templates, filters = Rule((), prefixes), template_prefixes(prefixes), scanning_filters(prefixes)
    for name in NAMES:
        if rule.matches(name):
            assert applied_template(templates, name) is not None, name
        assert any(scanning_filter_matches(f, name) for f in filters) == rule.matches(name), name
    assert all(any(scanning_filter_covers(f, prefix) for f in filters) for prefix in prefixes or ("",))


def test_role_only_when_needed_with_exactly_the_documented_permissions() -> None:
    plain = replicate(RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", encryption_type="AES256"))
    assert plain.of_type(ROLE) == []
    assert "customRoleArn" not in plain.of_type(TEMPLATE)[0].inputs

    kms = replicate(RepositorySettingsArgs(encryption_type="KMS", kms_keys={"us-west-2": KEY_WEST, "eu-west-1": KEY_EU}),
                    regions=["us-west-2", "eu-west-1"])
    (role,) = kms.of_type(ROLE)
    assert provider_name(kms, role) == "destination"
    # The ECR user guide, "Create an IAM role for repository creation templates": exactly this, no condition.
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    (policy,) = kms.of_type(ROLE_POLICY)
    # The guide's "Create a custom policy for repository creation templates", Resource narrowed from "*".
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {
            "Sid": "CreateReplicatedRepositories",
            "Effect": "Allow",
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"],
            "Resource": [
                f"arn:aws:ecr:eu-west-1:{DEST_ACCOUNT}:repository/prod/*",
                f"arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/prod/*",
            ],
        },
        {
            "Sid": "UseRepositoryKeys",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"],
            "Resource": sorted([KEY_WEST, KEY_EU]),
        },
    ]
    templates = {t.inputs["region"]: t.inputs["encryptionConfigurations"][0]["kmsKey"] for t in kms.of_type(TEMPLATE)}
    assert templates == {"us-west-2": KEY_WEST, "eu-west-1": KEY_EU}

    tagged = replicate(RepositorySettingsArgs(tags={"team": "platform"}))
    (policy,) = tagged.of_type(ROLE_POLICY)
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["CreateReplicatedRepositories"], "no key, no KMS statement"


def test_a_long_prefix_gets_a_template_description_the_terraform_provider_accepts() -> None:
    prefix = "team/" + "a" * 240 + "/"
    run = replicate(RepositorySettingsArgs(image_tag_mutability="IMMUTABLE"), prefixes=[prefix])
    (template,) = run.of_type(TEMPLATE)
    assert template.inputs["prefix"] == prefix[:-1]
    description = template.inputs["description"]
    assert len(description) == 255
    assert description.startswith("Settings of repositories that replication creates under team/aaa")
    assert description.endswith("...")


def test_scan_on_push_rules_for_replicated_prefixes() -> None:
    run = replicate(RepositorySettingsArgs(scan_on_push=True), prefixes=["prod/", "shared"])
    (scanning,) = run.of_type(SCANNING)
    assert provider_name(run, scanning) == "destination"
    assert scanning.inputs["region"] == "us-west-2"
    assert scanning.inputs["rules"] == [
        {
            "scanFrequency": "SCAN_ON_PUSH",
            "repositoryFilters": [
                {"filter": "prod/*", "filterType": "WILDCARD"},
                {"filter": "shared*", "filterType": "WILDCARD"},
            ],
        }
    ]
    assert run.of_type(TEMPLATE) == [], "scanning alone needs no template"


def test_same_account_destination_is_configured_through_the_source_provider() -> None:
    run = replicate(RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", scan_on_push=True), same_account=True)
    assert {provider_name(run, r) for r in run.of_type(TEMPLATE) + run.of_type(SCANNING)} == {"source"}


def test_pre_created_repositories_with_their_policies() -> None:
    run = replicate(
        RepositorySettingsArgs(
            image_tag_mutability="IMMUTABLE",
            scan_on_push=True,
            keep_last_images=50,
            repository_policy=PULL_POLICY,
            repositories=["prod/api", "prod/web"],
        )
    )
    repositories = {r.inputs["name"]: r for r in run.of_type(REPOSITORY)}
    assert set(repositories) == {"prod/api", "prod/web"}
    api = repositories["prod/api"]
    assert provider_name(run, api) == "destination"
    assert api.inputs["region"] == "us-west-2"
    assert api.inputs["imageTagMutability"] == "IMMUTABLE"
    assert api.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
    lifecycle = [r for r in run.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy") if r.parent == api.urn]
    assert json.loads(lifecycle[0].inputs["policy"])["rules"][0]["selection"]["countNumber"] == 50
    assert lifecycle[0].inputs["repository"] == "prod/api"
    policies = [r for r in run.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy") if r.parent == api.urn]
    assert json.loads(policies[0].inputs["policy"]) == json.loads(PULL_POLICY)


def test_least_privilege_mode_drops_create_repository() -> None:
    run = replicate(RepositorySettingsArgs(repositories=["prod/api"], allow_repository_creation=False, image_tag_mutability="IMMUTABLE"))
    (policy,) = run.of_type("aws:ecr/registryPolicy:RegistryPolicy")
    statement = policy_of(policy)["Statement"][0]
    assert statement["Action"] == ["ecr:ReplicateImage"]
    assert statement["Resource"] == [f"arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/prod/api"]
    assert run.of_type(TEMPLATE) == [], "nothing is created by replication, so no template"


def test_destination_settings_override_component_fields() -> None:
    run = replicate(
        RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", tags={"team": "platform"}),
        destination_settings=RepositorySettingsArgs(image_tag_mutability="MUTABLE"),
    )
    (template,) = run.of_type(TEMPLATE)
    assert template.inputs["imageTagMutability"] == "MUTABLE"
    assert template.inputs["resourceTags"] == {"team": "platform"}


def test_replication_configuration_depends_on_every_settings_resource() -> None:
    run = replicate(
        RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", tags={"a": "b"}, scan_on_push=True, repositories=["prod/api"])
    )
    (config,) = run.of_type(REPLICATION_CONFIGURATION)
    expected = {r.urn for t in (TEMPLATE, SCANNING, REPOSITORY, ROLE, ROLE_POLICY) for r in run.of_type(t)}
    assert len(expected) == 5
    assert expected <= set(config.dependencies)


CASES: dict[str, tuple[dict[str, Any], dict[str, Any], str, str]] = {
    "kms key in another region": (
        {"encryption_type": "KMS", "kms_key": KEY_EU}, {}, "repository_settings.kms_key",
        "the key is in eu-west-1 but the destination region is us-west-2",
    ),
    "kms without key": ({"encryption_type": "KMS"}, {}, "repository_settings.encryption_type", "needs kms_key"),
    "key without kms": ({"kms_key": KEY_WEST}, {}, "repository_settings.kms_key", "needs encryption_type KMS"),
    "unknown mutability": ({"image_tag_mutability": "SOMETIMES"}, {}, "repository_settings.image_tag_mutability", "must be one of"),
    "filters without exclusion mutability": (
        {"image_tag_mutability": "IMMUTABLE", "image_tag_mutability_exclusion_filters": ["latest"]},
        {}, "repository_settings.image_tag_mutability_exclusion_filters", "need image_tag_mutability",
    ),
    "lifecycle not json": ({"lifecycle_policy": "{rules"}, {}, "repository_settings.lifecycle_policy", "is not valid JSON"),
    "lifecycle without rules": (
        {"lifecycle_policy": '{"rules": []}'}, {}, "repository_settings.lifecycle_policy.rules", "non-empty list of rules",
    ),
    "lifecycle and helpers": (
        {"lifecycle_policy": KEEP_TEN, "keep_last_images": 5},
        {}, "repository_settings.keep_last_images", "either lifecycle_policy or the lifecycle helpers",
    ),
    "unmatched pre-created repository": (
        {"repositories": ["dev/api"]}, {}, "repository_settings.repositories[0]", "no replicated prefix matches it",
    ),
    "bad repository name": ({"repositories": ["prod/API"]}, {}, "repository_settings.repositories[0]", "a repository name"),
    "destination-level field path": (
        {}, {"encryption_type": "ROT13"}, "destinations[0].repository_settings.encryption_type", "must be one of",
    ),
    "least privilege without repositories": (
        {"allow_repository_creation": False}, {}, "repository_settings.allow_repository_creation", "list the pre-created",
    ),
    "open repository policy": (
        {"repository_policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "ecr:*"}]})},
        {}, "repository_settings.repository_policy.Statement[0].Principal", "opens the repositories to every AWS account",
    ),
    "open repository policy whose Condition pins no caller": (
        {"repository_policy": json.dumps({"Statement": [
            {"Effect": "Deny", "Principal": "*", "Action": "ecr:*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ecr:BatchGetImage",
             "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]})},
        {}, "repository_settings.repository_policy.Statement[1].Principal", "opens the repositories to every AWS account",
    ),
    "repository policy allowing all but one account": (
        {"repository_policy": json.dumps({"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "444444444444"},
                                                        "Action": "ecr:BatchGetImage"}})},
        {}, "repository_settings.repository_policy.Statement.NotPrincipal", "grants every principal except those it names",
    ),
    "repository policy IAM can't evaluate": (
        {"repository_policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "444444444444"}}]})},
        {}, "repository_settings.repository_policy", "exactly one of Action and NotAction",
    ),
    "kms alias": (
        {"encryption_type": "KMS", "kms_key": f"arn:aws:kms:us-west-2:{DEST_ACCOUNT}:alias/ecr"},
        {}, "repository_settings.kms_key", "not an alias",
    ),
    "too many tag filters": (
        {"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION", "image_tag_mutability_exclusion_filters": list("abcdef")},
        {}, "repository_settings.image_tag_mutability_exclusion_filters", "1 to 5 tag filters",
    ),
    "prefix that can't be a scanning filter": (
        {"scan_on_push": True}, {"repository_prefixes_for_test": ["my__team/"]}, "repository_settings.scan_on_push", "'my__team/*'",
    ),
    "unknown setting": ({"scan_on_pull": True}, {}, "repository_settings.scan_on_pull",
                        "RepositorySettingsArgs has no argument of this name; did you mean 'scan_on_push'?"),
    "unknown destination setting": ({}, {"tagz": {}}, "destinations[0].repository_settings.tagz",
                                    "did you mean 'tags'?"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_settings_are_rejected_before_any_resource(case: str) -> None:
    settings, destination_settings, field, message = CASES[case]
    destination_settings = dict(destination_settings)
    prefixes = destination_settings.pop("repository_prefixes_for_test", None)
    error = rejected_before_any_resource(
        lambda src, dst: replication_args(src, dst, settings or None, destination_settings or None, prefixes=prefixes)  # type: ignore[arg-type]
    )
    assert error.field == field
    assert message in str(error)


ORGANIZATION_PULL = {"Sid": "OrganizationPulls", "Effect": "Allow", "Principal": "*",
                     "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
LAMBDA_PULL = {"Sid": "LambdaPulls", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
               "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}
TLS_GUARD = {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "ecr:*",
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


@pytest.mark.parametrize("statements", [[ORGANIZATION_PULL], [LAMBDA_PULL], [TLS_GUARD, ORGANIZATION_PULL]],
                         ids=["everyone in the organization", "a service", "a Deny guard for everyone"])
def test_repository_policies_that_name_their_callers_reach_the_templates(statements: list[dict[str, Any]]) -> None:
    """A repository policy (no Resource, as ECR's examples) may name a service, and "*" under a condition on the
    caller's organization; a Deny for "*" only narrows access."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    [template] = replicate(RepositorySettingsArgs(repository_policy=policy)).of_type(TEMPLATE)
    assert json.loads(template.inputs["repositoryPolicy"])["Statement"] == statements


def test_a_destination_override_replaces_the_whole_encryption_group() -> None:
    run = replicate(
        RepositorySettingsArgs(encryption_type="KMS", kms_key=KEY_WEST, image_tag_mutability="IMMUTABLE"),
        destination_settings=RepositorySettingsArgs(encryption_type="AES256"),
    )
    (template,) = run.of_type(TEMPLATE)
    assert template.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert template.inputs["imageTagMutability"] == "IMMUTABLE"
    assert run.of_type(ROLE) == []


def test_template_and_repository_names_are_unique_for_look_alike_prefixes() -> None:
    run = replicate(
        RepositorySettingsArgs(image_tag_mutability="IMMUTABLE", repositories=["a-b/x", "a/b/x"]),
        prefixes=["root/", "prod", "a-b/", "a/b/"],
    )
    templates = run.of_type(TEMPLATE)
    assert sorted(t.inputs["prefix"] for t in templates) == ["ROOT", "a-b", "a/b", "root"]
    names = [r.name for r in run.resources]
    assert len(names) == len(set(names))

