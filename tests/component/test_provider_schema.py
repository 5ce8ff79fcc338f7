"""The deploying provider's schema as a second contract (issue 19): every resource type the component declares has its
pulumi-aws constraints listed with their source, the component's inputs pass them at the limits, and the component
refuses, with its own error, what the schema would refuse one step past them.

The installed pulumi-aws states some of its limits in its SDK docstrings; they are compared here, so an upgrade that
changes one fails a test instead of a user's ``pulumi preview``.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import botocore.session
import pulumi_aws as aws
import pytest

from replication import EcrReplicationArgs, ReplicationConfigError, ReplicationDestinationArgs, limits, provider_schema
from replication.preview.runner import OfflineRun, run_offline
from tests.component.helpers import attempt, rejected_before_any_resource
from tests.component.provider_schema_oracle import CHECKS, schema_problems
from tests.component.test_aws_requests import largest_replication, largest_spokes, longest_values
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT

ROOT = Path(__file__).resolve().parents[2]
ECR_MODEL = botocore.session.get_session().get_service_model("ecr")


def docstring_number(owner: object, sentence: str) -> int:
    """The number in ``sentence`` (``{n}`` marks it) as the installed pulumi-aws's docstrings of ``owner`` (an input
    type of its SDK) state it."""
    pattern = re.escape(sentence).replace(re.escape("{n}"), r"(\d+)")
    match = re.search(pattern, inspect.getsource(owner))
    assert match, f"pulumi-aws's docstring of {owner} no longer says {sentence!r}: read its schema again"
    return int(match.group(1))


def test_the_rule_limit_is_the_stricter_of_the_api_and_the_installed_pulumi_aws() -> None:
    """Issue 19, item 1. botocore's model allows 25 rules; pulumi-aws 7.51.1 says 10."""
    provider = docstring_number(aws.ecr.ReplicationConfigurationReplicationConfigurationArgs,
                                "A maximum of {n} are allowed per `replication_configuration`")
    api = ECR_MODEL.shape_for("ReplicationRuleList").metadata["max"]
    assert limits.MAX_RULES == min(api, provider) == 10


def test_destinations_per_rule_stay_within_the_installed_pulumi_aws() -> None:
    provider = docstring_number(aws.ecr.ReplicationConfigurationReplicationConfigurationRuleArgs,
                                "A maximum of {n} are allowed per `rule`")
    assert limits.MAX_UNIQUE_DESTINATIONS <= min(provider, ECR_MODEL.shape_for("ReplicationDestinationList").metadata["max"])


def test_tag_filter_limits_are_the_installed_pulumi_aws() -> None:
    """The API allows any wildcards in a tag mutability exclusion filter; pulumi-aws at most 2 (binding)."""
    for owner in (aws.ecr.RepositoryImageTagMutabilityExclusionFilterArgs,
                  aws.ecr.RepositoryCreationTemplateImageTagMutabilityExclusionFilterArgs):
        assert docstring_number(owner, "can contain a maximum of {n} wildcards") == limits.MAX_TAG_FILTER_WILDCARDS
        length = docstring_number(owner, "Each filter can be up to {n} characters long")
        assert limits.TAG_FILTER_PATTERN.pattern.endswith(f"{{1,{length}}}$")


def test_iam_name_rules_are_iams() -> None:
    iam = botocore.session.get_session().get_service_model("iam")
    for shape, longest in (("roleNameType", provider_schema.ROLE_NAME_MAX_LENGTH),
                           ("policyNameType", provider_schema.ROLE_POLICY_NAME_MAX_LENGTH)):
        metadata = iam.shape_for(shape).metadata
        assert metadata["max"] == longest
        assert provider_schema.IAM_NAME_PATTERN.pattern == f"^{metadata['pattern']}$"


def test_limits_md_shows_every_constraint() -> None:
    text = (ROOT / "docs" / "limits.md").read_text()
    assert provider_schema.markdown_table() in text, (
        "docs/limits.md's provider schema table differs: paste `python -m replication.provider_schema` into it"
    )


@pytest.fixture(scope="module", params=[largest_replication, longest_values, largest_spokes], ids=lambda p: p.__name__)
def at_the_limits(request: pytest.FixtureRequest) -> OfflineRun:
    """The two configurations that between them reach every limit (``test_aws_requests``)."""
    return run_offline(request.param)


def test_every_resource_type_the_component_declares_is_listed(at_the_limits: OfflineRun) -> None:
    declared = {r.type for r in at_the_limits.resources if r.custom and not r.type.startswith("pulumi:providers:")}
    assert declared <= set(provider_schema.CONSTRAINTS) == set(CHECKS)


def test_every_listed_input_is_an_input_of_the_resource() -> None:
    """No constraint names an input pulumi-aws doesn't have (top-level inputs, engine names)."""
    for token, constraints in provider_schema.CONSTRAINTS.items():
        module, name = token.split(":")[1].split("/")[0], token.rsplit(":", 1)[-1]
        args = inspect.signature(getattr(getattr(aws, module), name)._internal_init).parameters
        for constraint in constraints:
            top = constraint.argument.split(".")[0].split("[")[0]
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", top).lower()
            if top in ("rules",) and token.endswith("ReplicationConfiguration"):
                continue  # nested under replicationConfiguration
            assert snake in args, f"{name} has no input {top}"


def test_the_inputs_at_the_limits_pass_pulumi_aws_s_schema(at_the_limits: OfflineRun) -> None:
    assert schema_problems(at_the_limits) == {}


def test_the_oracle_catches_what_the_schema_refuses() -> None:
    """The oracle is not vacuous: the same program with a schema violation planted is caught."""
    run = run_offline(longest_values)
    (configuration,) = [r for r in run.resources if r.type.endswith("ReplicationConfiguration")]
    configuration.inputs["replicationConfiguration"]["rules"] *= 11
    configuration.inputs["replicationConfiguration"]["rules"][0]["destinations"][0]["region"] = "eusc-de-east-1"
    (problems,) = schema_problems(run).values()
    assert "replicationConfiguration.rules: 11 not within 1..10" in problems
    assert "rules[0].destinations[0].region: 'eusc-de-east-1'" in problems


def base(src: aws.Provider, dst: aws.Provider, **destination: Any) -> EcrReplicationArgs:
    return EcrReplicationArgs(
        source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
        destinations=[ReplicationDestinationArgs(**{"provider": dst, "account_id": DEST_ACCOUNT,
                                                    "regions": ["us-west-2"], **destination})],
    )


PAST_THE_BOUNDS = {
    "a destination region the schema's regex refuses": (
        lambda s, d: EcrReplicationArgs(source_provider=s, source_account_id=SOURCE_ACCOUNT, source_region="eusc-de-east-1",
                                        destinations=[ReplicationDestinationArgs(provider=d, account_id=DEST_ACCOUNT,
                                                                                 regions=["eusc-de-east-1"])]),
        "destinations[0].regions[0]", "eusc-de-east-1",
    ),
    "a tag filter with 3 wildcards": (
        lambda s, d: base(s, d, repository_settings={"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                                                     "image_tag_mutability_exclusion_filters": ["a*b*c*"]}),
        "destinations[0].repository_settings.image_tag_mutability_exclusion_filters[0]", "a*b*c*",
    ),
    "a tag filter of 129 characters": (
        lambda s, d: base(s, d, repository_settings={"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                                                     "image_tag_mutability_exclusion_filters": ["a" * 129]}),
        "destinations[0].repository_settings.image_tag_mutability_exclusion_filters[0]", "a" * 129,
    ),
    "a scanning filter of 256 characters": (
        lambda s, d: base(s, d, repository_prefixes=["a" * 255], repository_settings={"scan_on_push": True}),
        "destinations[0].repository_settings.scan_on_push", "a" * 255 + "*",
    ),
}


@pytest.mark.parametrize("case", list(PAST_THE_BOUNDS))
def test_one_past_a_schema_bound_is_the_component_s_own_error(case: str) -> None:
    build, field, value = PAST_THE_BOUNDS[case]
    error = rejected_before_any_resource(build)
    assert (error.field, error.value) == (field, value)


def test_at_the_bounds_the_component_accepts() -> None:
    at_bounds = [
        lambda s, d: base(s, d, repository_settings={"image_tag_mutability": "IMMUTABLE_WITH_EXCLUSION",
                                                     "image_tag_mutability_exclusion_filters": ["a*" + "b" * 125 + "*"]}),
        lambda s, d: base(s, d, repository_prefixes=["a" * 254], repository_settings={"scan_on_push": True}),
    ]
    for build in at_bounds:
        error, registered = attempt(build)
        assert error is None, str(error)


@pytest.mark.parametrize(("longest", "what"), [(provider_schema.ROLE_NAME_MAX_LENGTH, "role"),
                                               (provider_schema.ROLE_POLICY_NAME_MAX_LENGTH, "role policy")])
def test_an_autonamed_iam_name_is_checked_at_its_bound(longest: int, what: str) -> None:
    fitting = "n" * (longest - provider_schema.AUTONAME_SUFFIX_LENGTH)
    provider_schema.check_autonamed_iam_name("n", fitting, longest, f"a {what}")
    with pytest.raises(ReplicationConfigError, match="1 character\\(s\\) shorter") as raised:
        provider_schema.check_autonamed_iam_name("n", fitting + "n", longest, f"a {what}")
    assert (raised.value.field, raised.value.value) == ("name", "n")
    with pytest.raises(ReplicationConfigError, match="take only letters"):
        provider_schema.check_autonamed_iam_name("n m", "n m", longest, f"a {what}")

