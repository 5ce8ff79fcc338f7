"""Config errors of the example stack: every one names the key as the stack file spells it (issue 12, 1-4)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from replication import ReplicationConfigError
from replication.errors import ReplicationWarning, render_value, warning_text, warnings_told_as
from replication.preview.runner import OfflineRun, is_secret, provider_setting, run_program_file
from replication.preview.stack_files import load_stack
from tests.stack.test_example_stack import ROOT, run_dev


def run_stack_file(folder: Path, stack_yaml: str) -> OfflineRun:
    """The example program with ``stack_yaml`` as its ``Pulumi.test.yaml``, loaded as ``plan`` loads it."""
    for name in ("Pulumi.yaml", "__main__.py"):
        (folder / name).write_text((ROOT / name).read_text())
    (folder / "Pulumi.test.yaml").write_text(textwrap.dedent(stack_yaml))
    files = load_stack(folder, "test")
    return run_program_file(files.program, files.project, files.stack, files.config, files.secret_keys)


def config_error(**overrides: object) -> str:
    with pytest.raises(ReplicationConfigError) as raised:
        run_dev(**overrides)
    return str(raised.value)


DEST = {"accountId": "222222222222", "regions": ["us-west-2"]}


# 1. Unknown keys at every level, with the closest valid key.
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"repositoryPrefix": ["prod/"]},
            "ecr-replication:repositoryPrefix: unknown key; did you mean repositoryPrefixes?",
        ),
        (
            {"source": {"accountId": "111111111111", "region": "us-east-1", "rolearn": "arn:aws:iam::111111111111:role/x"}},
            "ecr-replication:source.rolearn: unknown key; did you mean roleArn?",
        ),
        (
            {"destinations": [{**DEST, "profle": "ops"}]},
            "ecr-replication:destinations[0].profle: unknown key; did you mean profile?",
        ),
        (
            {"repositorySettings": {"scanOnPull": True}},
            "ecr-replication:repositorySettings.scanOnPull: unknown key; did you mean scanOnPush?",
        ),
        (
            {"destinations": [{**DEST, "repositorySettings": {"keepLastImage": 5}}]},
            "ecr-replication:destinations[0].repositorySettings.keepLastImage: unknown key; did you mean keepLastImages?",
        ),
        (
            {"widgets": "3"},
            "ecr-replication:widgets: unknown key; the keys here are source, destinations, pullThroughDestinations, "
            "manageSourceRegistryPolicy, sourceRegistryPolicyStatements, repositoryPrefixes, repositorySettings, adopt",
        ),
    ],
)
def test_unknown_keys_are_errors_naming_the_closest_key(overrides: dict[str, object], message: str) -> None:
    assert config_error(**overrides) == message


def test_unknown_top_level_key_passed_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program may get its config as the language host's ``PULUMI_CONFIG`` variable only."""
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"ecr-replication:repositoryPrefix": "[]"}))
    assert config_error() == "ecr-replication:repositoryPrefix: unknown key; did you mean repositoryPrefixes?"


def test_a_typo_never_widens_replication_to_every_repository() -> None:
    """The issue's case: the misspelt prefixes key used to plan ``repositoryFilters: []``."""
    with pytest.raises(ReplicationConfigError, match="repositoryPrefix: unknown key"):
        run_dev(repositoryPrefixes=None, repositoryPrefix=["prod/"])


# 2. Account ids given as YAML numbers.
STACK_WITH_NUMBERS = """
    config:
      pulumi:disable-default-providers: [aws]
      ecr-replication:source: {{accountId: {source}, region: us-east-1}}
      ecr-replication:destinations:
        - accountId: {destination}
          regions: [us-west-2]
    """


def test_a_twelve_digit_number_is_an_account_id(tmp_path: Path) -> None:
    """What ``pulumi config set --path 'ecr-replication:source.accountId' 111111111111`` writes (a number)."""
    run = run_stack_file(tmp_path, STACK_WITH_NUMBERS.format(source=111111111111, destination=222222222222))
    providers = {p.name: provider_setting(p.inputs, "allowedAccountIds") for p in run.of_type("pulumi:providers:aws")}
    assert providers == {"source": ["111111111111"], "destination-222222222222": ["222222222222"]}
    assert run.exports["sourceRegistryId"] == "111111111111"


def test_a_number_that_lost_its_leading_zeros_says_to_quote_it(tmp_path: Path) -> None:
    """``011111111111`` set with ``--path`` is stored as the number 11111111111, which is also what a typo a digit
    short reads as: the message shows the number the file holds, its 11 digits, and the id quoted."""
    with pytest.raises(ReplicationConfigError) as raised:
        run_stack_file(tmp_path, STACK_WITH_NUMBERS.format(source=11111111111, destination=222222222222))
    assert str(raised.value) == (
        "ecr-replication:source.accountId: is 11111111111, a number of 11 digits: an AWS account id is 12 digits, "
        'written as text: quote it (accountId: "011111111111" if leading zeros were dropped), or set it with pulumi '
        "config set --path --type string")


def test_a_number_of_a_leading_zero_read_as_octal_says_what_it_was_written_as() -> None:
    """What the Pulumi CLI hands the program for ``accountId: 022222222222`` (octal to go-yaml v3): the number
    it got, and the spelling that gives it (``plan`` stops earlier, at the line: test_stack_files.py)."""
    message = config_error(destinations=[{"accountId": 0o22222222222, "regions": ["us-west-2"]}])
    assert message == (
        "ecr-replication:destinations[0].accountId: is 2454267026, a number of 10 digits: an AWS account id is 12 "
        'digits, written as text: an unquoted 022222222222 is read as octal, as 2454267026; quote it (accountId: '
        '"022222222222"), or set it with pulumi config set --path --type string')


def test_a_number_of_more_digits_is_no_account_id(tmp_path: Path) -> None:
    with pytest.raises(ReplicationConfigError) as raised:
        run_stack_file(tmp_path, STACK_WITH_NUMBERS.format(source=111111111111, destination=2222222222222))
    assert str(raised.value) == (
        "ecr-replication:destinations[0].accountId: an AWS account id is exactly 12 digits (got '2222222222222')"
    )


# 4. Errors name config keys, the component's included; values in YAML's spelling.
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": None}, "ecr-replication:source: is required: set it in Pulumi.<stack>.yaml"),
        ({"destinations": "null"}, "ecr-replication:destinations: is required: set it in Pulumi.<stack>.yaml"),
        ({"destinations": "not json"}, "ecr-replication:destinations: must be a list (got 'not json')"),
        ({"repositoryPrefixes": "prod/"}, "ecr-replication:repositoryPrefixes: must be a list (got 'prod/')"),
        ({"destinations": [{**DEST, "regions": "us-west-2"}]}, "ecr-replication:destinations[0].regions: must be a list (got 'us-west-2')"),
        ({"destinations": [{"regions": ["us-west-2"]}]}, "ecr-replication:destinations[0].accountId: is required"),
        ({"source": {"accountId": "111111111111", "region": None}}, "ecr-replication:source.region: is required"),
        ({"destinations": [{**DEST, "regions": []}]}, "ecr-replication:destinations[0].regions: must not be empty (got [])"),
        ({"source": ["111111111111"]}, "ecr-replication:source: must be an object (got ['111111111111'])"),
        (
            {"destinations": [{"accountId": "2222", "regions": ["us-west-2"]}]},
            "ecr-replication:destinations[0].accountId: an AWS account id is exactly 12 digits (got '2222')",
        ),
        (
            {"source": {"accountId": "111111111111", "region": "us-east-1", "roleArn": "arn:aws:iam::999999999999:role/x"}},
            "ecr-replication:source.roleArn: must be a role ARN in the account of accountId "
            "(got 'arn:aws:iam::999999999999:role/x')",
        ),
        (  # names the account, but isn't a role's ARN: a role can't be assumed from it
            {"source": {"accountId": "111111111111", "region": "us-east-1", "roleArn": "deployer:111111111111:role/x"}},
            "ecr-replication:source.roleArn: must be a role ARN in the account of accountId "
            "(got 'deployer:111111111111:role/x')",
        ),
        ({"source": {"accountId": "111111111111", "region": "US East"}}, "ecr-replication:source.region: a region is"),
        ({"destinations": [{**DEST, "regions": ["us-west-2", "Mars"]}]}, "ecr-replication:destinations[0].regions[1]: a region is"),
        ({"repositoryPrefixes": ["Prod"]}, "ecr-replication:repositoryPrefixes[0]: a prefix uses lowercase"),
        (
            {"destinations": [{**DEST, "repositoryPrefixes": ["prod/", "prod/"]}]},
            "ecr-replication:destinations[0].repositoryPrefixes[1]: duplicate prefix (got 'prod/')",
        ),
        (
            {"destinations": [{**DEST, "manageRegistryPolicy": "yes"}]},
            "ecr-replication:destinations[0].manageRegistryPolicy: must be true or false (got 'yes')",
        ),
        (
            {"repositorySettings": {"keepLastImages": 0}},
            "ecr-replication:repositorySettings.keepLastImages: must be a whole number of at least 1 (got 0)",
        ),
        (
            {"destinations": [{**DEST, "repositorySettings": {"keepLastImages": "200"}}]},
            "ecr-replication:destinations[0].repositorySettings.keepLastImages: must be a whole number of at least 1 (got '200')",
        ),
        (
            {"repositorySettings": {"encryptionType": "KMS"}},
            "ecr-replication:repositorySettings.encryptionType: needs kmsKey (or kmsKeys by region) (got 'KMS')",
        ),
        (
            {"repositorySettings": {"encryptionType": "KMS", "kmsKeys": {"us-west-2": "arn:aws:kms:eu-west-1:222222222222:key/k"}}},
            'ecr-replication:repositorySettings.kmsKeys["us-west-2"]: the key is in eu-west-1 but the destination '
            "region is us-west-2 (got 'arn:aws:kms:eu-west-1:222222222222:key/k')",
        ),
        (
            {"repositorySettings": {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}},
            "ecr-replication:repositorySettings.imageTagMutability: needs imageTagMutabilityExclusionFilters",
        ),
        (
            {"repositorySettings": {"allowRepositoryCreation": False}},
            "ecr-replication:repositorySettings.allowRepositoryCreation: without repository creation, list the "
            "pre-created repositories (got false)",
        ),
    ],
)
def test_config_errors_name_the_config_key(overrides: dict[str, object], message: str) -> None:
    error = config_error(**overrides)
    assert error.startswith(message)
    field = error.split(": ", 1)[0]
    assert "_" not in field, "a Python argument name instead of the config key"
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", error.split(" (got ")[0]), "a Python argument name in the problem"
    assert not re.search(r"\b(True|False|None)\b", error), "Python's spelling of a value"
    assert "(got None)" not in error and "must be JSON object" not in error


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (True, "true"),
        (None, "null"),
        ("it's", "'it''s'"),
        ({"AWS": [5, False]}, "{'AWS': [5, false]}"),
        (object(), "<object>"),
    ],
)
def test_values_render_in_yaml_spelling(value: object, rendered: str) -> None:
    assert render_value(value) == rendered


def test_a_missing_value_ends_without_got() -> None:
    assert str(ReplicationConfigError("source_provider", None, "pass an explicit aws.Provider")) == (
        "source_provider: pass an explicit aws.Provider"
    )


# Pull-through spokes: errors name their keys too, the component's included.
SPOKE = {"accountId": "444444444444", "regions": ["ap-south-1"], "upstream": "222222222222/us-west-2"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"pullThroughDestinations": [{**SPOKE, "upstrem": "x"}]},
         "ecr-replication:pullThroughDestinations[0].upstrem: unknown key; did you mean upstream?"),
        ({"pullThroughDestinations": [{"accountId": "444444444444"}]},
         "ecr-replication:pullThroughDestinations[0].regions: is required"),
        ({"pullThroughDestinations": [{**SPOKE, "upstream": "999999999999/eu-west-1"}]},
         "ecr-replication:pullThroughDestinations[0].upstream: a spoke caches from the source registry or one of this "
         "component's replication destinations (111111111111/us-east-1, 222222222222/us-west-2, 222222222222/eu-west-1, "
         "111111111111/us-west-2): a registry that replication doesn't fill never receives the images "
         "(got '999999999999/eu-west-1')"),
        ({"pullThroughDestinations": [{**SPOKE, "regions": ["ap-south-1", "us-gov-west-1"]}]},
         "ecr-replication:pullThroughDestinations[0].regions[1]: ECR creates no pull-through cache rules in this region "
         "(ECR user guide, considerations for pull through cache: not in cn-north-1, cn-northwest-1, us-gov-east-1, "
         "us-gov-west-1); nor can this component replicate to it: the source registry is in partition aws, and ECR "
         "replicates only within a partition, so a registry here gets the images only from a source registry in "
         "aws-us-gov (a stack of its own) (got 'us-gov-west-1')"),
        ({"repositoryPrefixes": ["prod/", "shared"]},
         "ecr-replication:repositoryPrefixes[1]: pullThroughDestinations[0] caches it, and a pull-through cache rule's "
         "prefix is a whole path segment (ECR assumes a '/' after it): a rule for 'shared' would serve shared/... but "
         "not the other names replication copies under this prefix; end the prefix with '/' (got 'shared')"),
        ({"pullThroughDestinations": [{**SPOKE, "repositorySettings": {"imageTagMutability": "SOMETIMES"}}]},
         "ecr-replication:pullThroughDestinations[0].repositorySettings.imageTagMutability: must be one of MUTABLE, "
         "IMMUTABLE, MUTABLE_WITH_EXCLUSION, IMMUTABLE_WITH_EXCLUSION (got 'SOMETIMES')"),
        ({"manageSourceRegistryPolicy": "sometimes"},
         "ecr-replication:manageSourceRegistryPolicy: must be a boolean (got 'sometimes')"),
    ],
)
def test_spoke_errors_name_config_keys(overrides: dict[str, object], message: str) -> None:
    assert config_error(**overrides) == message


def test_a_secret_spoke_profile_reaches_its_provider_as_a_secret(tmp_path: Path) -> None:
    stack = """
        config:
          pulumi:disable-default-providers: [aws]
          ecr-replication:source: {accountId: "111111111111", region: us-east-1}
          ecr-replication:destinations:
            - accountId: "222222222222"
              regions: [us-west-2]
          ecr-replication:pullThroughDestinations:
            - accountId: "444444444444"
              regions: [ap-south-1]
              profile:
                secure: v1:abc
        """
    run = run_stack_file(tmp_path, stack)
    (spoke,) = [p for p in run.of_type("pulumi:providers:aws") if p.name == "spoke-444444444444"]
    assert is_secret(spoke.inputs["profile"])


# The component's warnings name config keys too, like its errors.
def test_component_warnings_name_config_keys() -> None:
    """The component warns in argument paths (``pull_through_destinations[0]...``); the example program tells them
    in the keys of the stack file, as it tells the component's errors."""
    run = run_dev(pullThroughDestinations=[SPOKE])  # the top-level IMMUTABLE reaches the spoke
    assert run.warnings == (
        "ecr-replication:pullThroughDestinations[0]: imageTagMutability IMMUTABLE (from "
        "repositorySettings.imageTagMutability) reaches the spoke's cached repositories, where ECR can't refresh a "
        "cached tag that moves upstream (only tags in the exclusion filters stay mutable); set "
        "pullThroughDestinations[0].repositorySettings.imageTagMutability to MUTABLE, or to IMMUTABLE_WITH_EXCLUSION "
        "with the tags that move upstream in pullThroughDestinations[0].repositorySettings."
        "imageTagMutabilityExclusionFilters",)


def test_a_warning_wording_holds_only_inside_its_block() -> None:
    warning = ReplicationWarning("repository_settings", "a problem")
    with pytest.raises(RuntimeError), warnings_told_as(lambda w: f"told: {w.problem}"):
        assert warning_text(warning) == "told: a problem"
        raise RuntimeError("the program failed")
    assert warning_text(warning) == "repository_settings: a problem"


SOURCE_SPOKE = {"accountId": "444444444444", "regions": ["ap-south-1"],
                "repositorySettings": {"imageTagMutability": "MUTABLE"}}
"""A spoke in another account than the source that caches from it: the stack declares the source registry's policy."""

WORKLOADS = {"Sid": "WorkloadsPull", "Effect": "Allow", "Principal": {"AWS": "555555555555"},
             "Action": "ecr:BatchGetImage", "Resource": "arn:aws:ecr:us-east-1:111111111111:repository/*"}


def test_the_source_registry_policy_warning_names_the_config_keys_that_answer_it() -> None:
    run = run_dev(pullThroughDestinations=[SOURCE_SPOKE])
    assert run.warnings == (
        "ecr-replication:pullThroughDestinations[0]: caches from the source registry across accounts, so the "
        "component declares the source registry's policy to grant the spokes; a registry has one policy, so this one "
        "replaces any other policy of the source registry at the next pulumi up, other accounts' grants included: "
        "keep those in sourceRegistryPolicyStatements (given, even empty, it ends this warning), or set "
        "manageSourceRegistryPolicy to false and grant the spoke accounts yourself",)


def test_source_registry_policy_statements_reach_the_source_registry_policy() -> None:
    run = run_dev(pullThroughDestinations=[SOURCE_SPOKE], sourceRegistryPolicyStatements=[WORKLOADS])
    (source_policy,) = [r for r in run.of_type("aws:ecr/registryPolicy:RegistryPolicy")
                        if r.name == "images-registry-policy-source"]
    statements = json.loads(source_policy.inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["WorkloadsPull", "AllowPullThroughCacheToSpokeAccounts"]
    assert run.warnings == ()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sourceRegistryPolicyStatements": [WORKLOADS, {"Effect": "Deny", "Principal": "*",
                                                         "Action": "ecr:GetImageCopyStatus", "Resource": "*"}]},
         "ecr-replication:sourceRegistryPolicyStatements[1]: takes ecr:GetImageCopyStatus on "
         "arn:aws:ecr:us-east-1:111111111111:repository/prod/* away from account 444444444444"),
        ({"sourceRegistryPolicyStatements": "null"},
         "ecr-replication:sourceRegistryPolicyStatements: has no value (were its items commented out?): list the "
         "statements the source registry's policy keeps besides the spokes' grants, or write [] for none"),
        ({"sourceRegistryPolicyStatements": [WORKLOADS], "manageSourceRegistryPolicy": False},
         "ecr-replication:sourceRegistryPolicyStatements: are only used when the component manages the source "
         "registry's policy (manageSourceRegistryPolicy is false) (got '1 statement(s)')"),
    ],
)
def test_source_registry_policy_statement_errors_name_config_keys(overrides: dict[str, object], message: str) -> None:
    assert config_error(pullThroughDestinations=[SOURCE_SPOKE], **overrides).startswith(message)
