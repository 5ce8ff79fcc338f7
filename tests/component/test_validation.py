"""Bad arguments raise ReplicationConfigError naming the field and the value, before any resource exists."""

from __future__ import annotations

import asyncio
import gc
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from replication import EcrReplicationArgs, ReplicationConfigError, ReplicationDestinationArgs, limits
from replication.preview.runner import OfflineLookupError
from tests.component.helpers import PROVIDERS, DESTINATION_REGIONS, attempt, rejected_before_any_resource
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, THIRD_ACCOUNT, destination_provider, replicate_from_source


def dest(dst: aws.Provider, **fields: Any) -> ReplicationDestinationArgs:
    return ReplicationDestinationArgs(**{"provider": dst, "account_id": DEST_ACCOUNT, "regions": ["us-west-2"], **fields})


PULL_STATEMENT = {
    "Sid": "OrgPulls",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444444444444:root"},
    "Action": "ecr:BatchImportUpstreamImage",
    "Resource": "*",
}


def deny(account: str, action: str, repositories: str, region: str = "us-west-2", **extra: Any) -> dict[str, Any]:
    """A Deny statement for ``account`` (its root ARN) on ``repositories`` of the 222222222222 registry."""
    return {
        "Sid": "NoReplication",
        "Effect": "Deny",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": action,
        "Resource": f"arn:aws:ecr:{region}:{DEST_ACCOUNT}:repository/{repositories}",
        **extra,
    }


def base(src: aws.Provider, destinations: list[ReplicationDestinationArgs], **fields: Any) -> EcrReplicationArgs:
    return EcrReplicationArgs(
        source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1", destinations=destinations, **fields
    )


many_regions = DESTINATION_REGIONS[:26]

CASES: dict[str, tuple[Any, str, str]] = {
    "too many destinations": (
        lambda s, d: base(s, [ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT, regions=many_regions)]),
        "destinations",
        "26 destination registries",
    ),
    "too many filters": (
        lambda s, d: base(s, [dest(d)], repository_prefixes=[f"p{i:03}/" for i in range(101)]),
        "repository_prefixes",
        "101 prefixes",
    ),
    "filter too short": (lambda s, d: base(s, [dest(d)], repository_prefixes=["prod/", "a"]), "repository_prefixes[1]", "'a'"),
    "filter too long": (lambda s, d: base(s, [dest(d)], repository_prefixes=["a" * 257]), "repository_prefixes[0]", "aaaa"),
    "filter pattern": (lambda s, d: base(s, [dest(d)], repository_prefixes=["Prod/"]), "repository_prefixes[0]", "'Prod/'"),
    "destination filter pattern": (
        lambda s, d: base(s, [dest(d, repository_prefixes=["team a/"])]),
        "destinations[0].repository_prefixes[0]",
        "'team a/'",
    ),
    "duplicate prefixes": (
        lambda s, d: base(s, [dest(d)], repository_prefixes=["prod/", "prod/"]),
        "repository_prefixes[1]",
        "'prod/'",
    ),
    "short account id": (
        lambda s, d: base(s, [ReplicationDestinationArgs(provider=d, account_id="22222", regions=["us-west-2"])]),
        "destinations[0].account_id",
        "'22222'",
    ),
    "source account id": (
        lambda s, d: EcrReplicationArgs(source_provider=s, source_account_id="abc", destinations=[dest(d)]),
        "source_account_id",
        "'abc'",
    ),
    "malformed region": (lambda s, d: base(s, [dest(d, regions=["US West 2"])]), "destinations[0].regions[0]", "'US West 2'"),
    "malformed source region": (
        lambda s, d: EcrReplicationArgs(source_provider=s, source_region="us_east_1", destinations=[dest(d)]),
        "source_region",
        "'us_east_1'",
    ),
    "destination is source": (
        lambda s, d: base(s, [ReplicationDestinationArgs(provider=s, regions=["us-east-1"])]),
        "destinations[0].regions[0]",
        "'us-east-1'",
    ),
    "destination listed twice": (
        lambda s, d: base(s, [dest(d), dest(d, regions=["eu-west-1", "us-west-2"])]),
        "destinations[1]",
        "already a destination at destinations[0].regions[0]",
    ),
    "missing source provider": (
        lambda s, d: EcrReplicationArgs(destinations=[dest(d)]),  # type: ignore[typeddict-item]
        "source_provider",
        "pass an explicit aws.Provider",
    ),
    "missing destination provider": (
        lambda s, d: base(s, [{"regions": ["us-west-2"]}]),  # type: ignore[list-item]
        "destinations[0].provider",
        "pass an explicit aws.Provider",
    ),
    "no destinations": (lambda s, d: base(s, []), "destinations", "[]"),
    "empty regions": (lambda s, d: base(s, [dest(d, regions=[])]), "destinations[0].regions", "[]"),
    "wildcard principal": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[
            {"Effect": "Allow", "Principal": "*", "Action": "ecr:*", "Resource": "*"}])]),
        "destinations[0].registry_policy_statements[0].Principal",
        "'*'",
    ),
    "source provider used with another account id": (
        lambda s, d: base(s, [ReplicationDestinationArgs(provider=s, account_id=DEST_ACCOUNT, regions=["us-west-2"])]),
        "destinations[0].account_id",
        DEST_ACCOUNT,
    ),
    "duplicate region": (lambda s, d: base(s, [dest(d, regions=["us-west-2", "us-west-2"])]), "destinations[0].regions[1]", "'us-west-2'"),
    "Allow to every account but one": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[
            {"Effect": "Allow", "NotPrincipal": {"AWS": THIRD_ACCOUNT}, "Action": "ecr:BatchGetImage", "Resource": "*"}])]),
        "destinations[0].registry_policy_statements[0].NotPrincipal",
        "an Allow with NotPrincipal grants every principal except those it names",
    ),
    "Allow to a service": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[
            {"Effect": "Allow", "Principal": {"Service": "ecr.amazonaws.com"}, "Action": "ecr:ReplicateImage",
             "Resource": "*"}])]),
        "destinations[0].registry_policy_statements[0].Principal",
        "a registry policy may allow only AWS accounts (account ids or IAM ARNs in them); this Allow names Service",
    ),
    "principal that is not a string": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[{"Effect": "Allow", "Principal": {"AWS": 5}}])]),
        "destinations[0].registry_policy_statements[0].Principal",
        "{'AWS': 5}",
    ),
    "another partition": (lambda s, d: base(s, [dest(d, regions=["cn-north-1"])]), "destinations[0].regions[0]", "'cn-north-1'"),
    "statements for an unmanaged policy": (
        lambda s, d: base(
            s, [dest(d, manage_registry_policy=False, registry_policy_statements=[{"Effect": "Deny", "Principal": {"AWS": DEST_ACCOUNT}}])]
        ),
        "destinations[0].registry_policy_statements",
        "1 statement(s)",
    ),
    "policy too large": (
        lambda s, d: base(
            s,
            [
                dest(
                    d,
                    registry_policy_statements=[
                        {"Sid": f"S{i}", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{DEST_ACCOUNT}:root"},
                         "Action": ["ecr:ReplicateImage"], "Resource": "x" * 200}
                        for i in range(60)
                    ],
                )
            ],
        ),
        "destinations[0]",
        "characters",
    ),
    "statements for a same-account destination": (
        lambda s, d: base(
            s,
            [ReplicationDestinationArgs(provider=s, regions=["us-west-2"], registry_policy_statements=[PULL_STATEMENT])],
        ),
        "destinations[0].registry_policy_statements",
        "1 statement(s)",
    ),
    "statement IAM can't evaluate": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[{"Effect": "Allow", "Principal": {"AWS": DEST_ACCOUNT}}])]),
        "destinations[0].registry_policy_statements[0]",
        "needs exactly one of Action and NotAction",
    ),
    "misspelled destination region": (
        lambda s, d: base(s, [dest(d, regions=["us-west-2", "eu-wset-1"])]),
        "destinations[0].regions[1]",
        "did you mean 'eu-west-1'?",
    ),
    "misspelled source region": (
        lambda s, d: EcrReplicationArgs(source_provider=s, source_region="us-east-11", destinations=[dest(d)]),
        "source_region",
        "'us-east-11'",
    ),
    "deny of the replication grant": (
        lambda s, d: base(s, [dest(d, registry_policy_statements=[deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "prod/*")])],
                          repository_prefixes=["prod/"]),
        "destinations[0].registry_policy_statements[0]",
        "'NoReplication'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_invalid_arguments_are_rejected_before_any_resource(case: str) -> None:
    build, field, value = CASES[case]
    error = rejected_before_any_resource(build)
    assert str(error).startswith(f"{field}: "), str(error)
    assert value in str(error)
    assert error.field == field


def test_error_is_a_value_error_with_a_readable_message() -> None:
    error, _ = attempt(lambda s, d: base(s, [dest(d)], repository_prefixes=["Prod/"]))
    assert isinstance(error, ValueError)
    assert str(error) == (
        "repository_prefixes[0]: a prefix uses lowercase letters, digits, '.', '_', '-' and '/' "
        "as repository names do (got 'Prod/')"
    )


def lookup_run(account_output: str, second_provider_account: str | None = None) -> None:
    """A destination whose account id is an output, so validation waits for it."""
    replicate_from_source(
        lambda src: [
            ReplicationDestinationArgs(
                provider=destination_provider(second_provider_account),
                account_id=pulumi.Output.from_input(account_output),
            )
        ]
    )


def test_output_account_id_is_checked_when_it_resolves_with_the_same_text() -> None:
    with pytest.raises(ReplicationConfigError, match=r"^destinations\[0\]\.account_id: an AWS account id is exactly 12 digits \(got '2222'\)$"):
        lookup_run("2222")


def test_looked_up_account_equal_to_source_through_another_provider_is_rejected() -> None:
    with pytest.raises(ReplicationConfigError, match=r"destinations\[0\]\.provider: this provider reaches the source account"):
        lookup_run(SOURCE_ACCOUNT, second_provider_account=SOURCE_ACCOUNT)


def test_looked_up_duplicates_are_rejected() -> None:
    def destinations(src: aws.Provider) -> list[ReplicationDestinationArgs]:
        return [ReplicationDestinationArgs(provider=destination_provider(name=name)) for name in ("first", "second")]

    with pytest.raises(ReplicationConfigError, match=r"^destinations\[1\]: .*already a destination at destinations\[0\]\.regions"):
        replicate_from_source(destinations)


def test_offline_lookup_names_the_provider_setting_it_needs() -> None:
    with pytest.raises(OfflineLookupError, match="aws provider 'unpinned': .*allowed_account_ids"):
        replicate_from_source(lambda src: [ReplicationDestinationArgs(provider=destination_provider(None, name="unpinned"))])


def test_kms_key_region_is_checked_when_the_looked_up_region_resolves() -> None:
    key = f"arn:aws:kms:eu-west-1:{DEST_ACCOUNT}:key/1234"

    with pytest.raises(ReplicationConfigError, match=r"^repository_settings\.kms_key: the key is in eu-west-1 but the destination region is us-west-2"):
        replicate_from_source(
            lambda src: [ReplicationDestinationArgs(provider=destination_provider())],
            repository_settings={"encryption_type": "KMS", "kms_key": key},
        )


def test_source_provider_destination_with_another_account_is_rejected_once_the_source_resolves() -> None:
    with pytest.raises(ReplicationConfigError, match=r"^destinations\[0\]\.account_id: this destination uses source_provider"):
        replicate_from_source(
            lambda src: [ReplicationDestinationArgs(provider=src, account_id=DEST_ACCOUNT, regions=["us-west-2"])]
        )


def test_resource_names_stay_unique_when_regions_are_looked_up() -> None:
    run = replicate_from_source(
        lambda src: [
            ReplicationDestinationArgs(provider=destination_provider(region=region, name=name), account_id=DEST_ACCOUNT)
            for name, region in (("west", "us-west-2"), ("europe", "eu-west-1"))
        ],
        repository_settings={"tags": {"team": "platform"}},
    )
    names = [r.name for r in run.resources]
    assert len(names) == len(set(names))
    policies = sorted(r.name for r in run.of_type("aws:ecr/registryPolicy:RegistryPolicy"))
    assert policies == [
        "images-registry-policy-destination0-provider-region",
        "images-registry-policy-destination1-provider-region",
    ]
    assert len(run.of_type("aws:iam/role:Role")) == 1, "one template role per account"


def eleven_rules(s: aws.Provider, d: aws.Provider, rules: int = limits.MAX_RULES + 1) -> EcrReplicationArgs:
    """One destination registry per region, each with a prefix set of its own: one rule each."""
    return base(s, [dest(d, regions=[r], repository_prefixes=[f"team-{i}/"]) for i, r in enumerate(DESTINATION_REGIONS[:rules])])


def test_more_rules_than_pulumi_aws_takes_are_refused_before_any_resource() -> None:
    """Issue 19, item 1: the API takes 25 rules, pulumi-aws's Terraform schema 10 (``MaxItems: 10``)."""
    error = rejected_before_any_resource(eleven_rules)
    assert (error.field, error.value) == ("destinations", "11 distinct prefix sets")
    assert "pulumi-aws takes at most 10 rules" in error.problem
    assert "rule 11 would replicate team-10/ to destinations[10].regions[0]" in error.problem
    error, registered = attempt(lambda s, d: eleven_rules(s, d, limits.MAX_RULES))
    assert error is None, str(error)
    (configuration,) = [r for r in registered if r.type == "aws:ecr/replicationConfiguration:ReplicationConfiguration"]
    assert len(configuration.inputs["replicationConfiguration"]["rules"]) == 10


def registry_policy_with(statement: dict[str, Any], **fields: Any) -> list[str]:
    """The Sids of the registry policy registered for one destination with an extra statement (prefix ``prod/``)."""
    error, registered = attempt(lambda s, d: base(s, [dest(d, registry_policy_statements=[statement], **fields)],
                                                  repository_prefixes=["prod/"]))
    assert error is None, str(error)
    (policy,) = [r for r in registered if r.type == "aws:ecr/registryPolicy:RegistryPolicy"]
    return [s.get("Sid") for s in json.loads(policy.inputs["policy"])["Statement"]]


@pytest.mark.parametrize(
    "statement",
    [
        deny(THIRD_ACCOUNT, "ecr:ReplicateImage", "prod/*"),
        deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "dev/*"),
        deny(SOURCE_ACCOUNT, "ecr:DeleteRepository", "*"),
        deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "prod/*", region="eu-west-1"),
    ],
    ids=["another account", "another prefix", "another action", "another registry"],
)
def test_a_deny_that_leaves_replication_alone_is_kept(statement: dict[str, Any]) -> None:
    assert registry_policy_with(statement) == ["AllowEcrReplicationFromSourceAccount", "NoReplication"]


@pytest.mark.parametrize("principal", [{"Principal": "*"}, {"Principal": {"AWS": "*"}}, {"NotPrincipal": {"AWS": THIRD_ACCOUNT}}],
                         ids=["everyone", "every AWS account", "all but one account"])
def test_a_deny_guard_naming_everyone_is_kept(principal: dict[str, Any]) -> None:
    """A Deny for "*" narrows access (a common guard): it opens nothing, whatever it names."""
    guard = {"Sid": "NoDeletes", "Effect": "Deny", **principal, "Action": "ecr:DeleteRepository", "Resource": "*"}
    assert registry_policy_with(guard) == ["AllowEcrReplicationFromSourceAccount", "NoDeletes"]


@pytest.mark.parametrize(
    ("statement", "explained"),
    [
        (deny(SOURCE_ACCOUNT, "ecr:CreateRepository", "prod/api*"), "explicitly denied by statement NoReplication"),
        ({**deny(SOURCE_ACCOUNT, "ecr:*", "*"), "Sid": None}, "explicitly denied by statement #3"),
        ({k: v for k, v in deny(SOURCE_ACCOUNT, "", "*").items() if k != "Action"} | {"NotAction": "ecr:BatchGetImage"},
         "explicitly denied"),
        (deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "*", Condition={"Bool": {"aws:SecureTransport": "false"}}),
         "depends on the Condition of statement NoReplication"),
    ],
    ids=["part of a prefix", "every action, no Sid", "NotAction", "conditional"],
)
def test_a_deny_that_takes_replication_away_is_rejected(statement: dict[str, Any], explained: str) -> None:
    error = rejected_before_any_resource(
        lambda s, d: base(s, [dest(d, registry_policy_statements=[PULL_STATEMENT, statement])], repository_prefixes=["prod/"])
    )
    assert error.field == "destinations[0].registry_policy_statements[1]"
    assert explained in str(error)
    assert f"away from the source account {SOURCE_ACCOUNT}, whose role {REPLICATION_ROLE} is what ECR replicates as (" \
        in str(error)


REPLICATION_ROLE = (f"arn:aws:iam::{SOURCE_ACCOUNT}:role/aws-service-role/replication.ecr.amazonaws.com/"
                    "AWSServiceRoleForECRReplication")
"""The role ECR replicates cross-account as (ECR user guide, "Amazon ECR service-linked role for replication")."""


def test_a_deny_naming_the_replication_role_is_rejected() -> None:
    """The account's root is granted, but ECR replicates as the service-linked role: a Deny naming it blocks
    replication (an explicit deny wins), so the component refuses it like a Deny naming the account."""
    statement = {**deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "*"), "Principal": {"AWS": REPLICATION_ROLE}}
    error = rejected_before_any_resource(
        lambda s, d: base(s, [dest(d, registry_policy_statements=[statement])], repository_prefixes=["prod/"]))
    assert (error.field, error.value) == ("destinations[0].registry_policy_statements[0]", "NoReplication")
    assert error.problem.startswith(f"takes ecr:ReplicateImage on arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/prod/* "
                                    "away from the source account")
    assert "explicitly denied by statement NoReplication" in error.problem


def test_a_run_that_failed_in_an_output_leaves_nothing_for_asyncio_to_log(caplog: pytest.LogCaptureFixture) -> None:
    """Checked inside an output (the destination's region is looked up), a Deny fails the run, which raises the
    error; the copies of it the SDK leaves in futures of resources that never registered are not logged again when
    the garbage collector finds them (on Python 3.11, a traceback formatted while an import compiles fails that
    import with "SystemError: AST constructor recursion depth mismatch")."""
    with pytest.raises(ReplicationConfigError):
        replicate_from_source(lambda src: [ReplicationDestinationArgs(
            provider=destination_provider(), account_id=DEST_ACCOUNT,
            registry_policy_statements=[deny(SOURCE_ACCOUNT, "ecr:*", "*")])])
    gc.collect()
    left = [o for o in gc.get_objects() if isinstance(o, asyncio.Future) and o.done() and not o.cancelled()
            and o.exception() is not None]
    assert left, "the SDK left no failed future: nothing to test"
    for future in left:  # what asyncio does when such a future is collected
        future.get_loop().call_exception_handler(
            {"message": "Future exception was never retrieved", "exception": future.exception(), "future": future})
    assert [record.getMessage() for record in caplog.records if record.name == "asyncio"] == []


def test_a_deny_naming_another_role_of_the_source_account_is_kept() -> None:
    """A Deny naming some other role of the source account doesn't concern the role ECR replicates as."""
    statement = {**deny(SOURCE_ACCOUNT, "ecr:*", "*"),
                 "Principal": {"AWS": f"arn:aws:iam::{SOURCE_ACCOUNT}:role/aws-service-role/other/AWSServiceRoleForECRReplication"}}
    assert registry_policy_with(statement) == ["AllowEcrReplicationFromSourceAccount", "NoReplication"]


def test_a_deny_of_a_pre_created_repository_in_least_privilege_mode_is_rejected() -> None:
    settings = {"repositories": ["prod/api"], "allow_repository_creation": False}
    error = rejected_before_any_resource(
        lambda s, d: base(s, [dest(d, registry_policy_statements=[deny(SOURCE_ACCOUNT, "ecr:ReplicateImage", "prod/api")])],
                          repository_prefixes=["prod/"], repository_settings=settings)
    )
    assert error.field == "destinations[0].registry_policy_statements[0]"
    assert f"takes ecr:ReplicateImage on arn:aws:ecr:us-west-2:{DEST_ACCOUNT}:repository/prod/api away" in str(error)


def test_a_looked_up_registry_policy_is_checked_for_denies_when_the_region_resolves() -> None:
    with pytest.raises(ReplicationConfigError, match=r"^destinations\[0\]\.registry_policy_statements\[0\]: "):
        replicate_from_source(
            lambda src: [ReplicationDestinationArgs(provider=destination_provider(), account_id=DEST_ACCOUNT,
                                                    registry_policy_statements=[deny(SOURCE_ACCOUNT, "ecr:*", "*")])]
        )


def test_a_component_name_too_long_for_the_template_role_is_rejected() -> None:
    name = "platform-images-replication-prod"
    error, registered = attempt(
        lambda s, d: base(s, [dest(d)], repository_settings={"tags": {"team": "platform"}}), name=name
    )
    assert error is not None and error.field == "name"
    assert error.value == name and f"('{name}-template-role-{DEST_ACCOUNT}')" in error.problem
    assert "3 character(s) shorter" in str(error)
    assert {r.type for r in registered} == {PROVIDERS}
    error, _ = attempt(lambda s, d: base(s, [dest(d)], repository_settings={"tags": {"team": "platform"}}), name=name[:-3])
    assert error is None


@pytest.mark.parametrize("name", ["ecr images", "images/prod", "imágenes"], ids=["space", "slash", "not ASCII"])
def test_a_component_name_iam_can_not_spell_is_refused_when_templates_need_a_role(name: str) -> None:
    """Issue 19, item 2: the role and role policy pulumi-aws names after the component must match IAM's (and the
    Terraform schema's) ``[\\w+=,.@-]``, ASCII only."""
    error, registered = attempt(lambda s, d: base(s, [dest(d)], repository_settings={"tags": {"team": "platform"}}),
                                name=name)
    assert error is not None and (error.field, error.value) == ("name", name)
    assert f"named after the component ('{name}-template-role-{DEST_ACCOUNT}')" in error.problem
    assert "take only letters, digits and '+=,.@_-'" in error.problem
    assert {r.type for r in registered} == {PROVIDERS}


def test_a_component_name_with_a_space_is_fine_when_no_role_is_needed() -> None:
    error, _ = attempt(lambda s, d: base(s, [dest(d)], repository_settings={"scan_on_push": True}), name="ecr images")
    assert error is None
