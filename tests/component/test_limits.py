"""Every limit and pattern ``replication/limits.py`` takes from the API is the one botocore's ECR model states.

botocore ships the service model AWS publishes; when AWS changes a limit (the rule maximum went from 10 to 25),
upgrading botocore makes this test fail instead of a user's ``pulumi up``.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest

from replication import limits
from tests.component import provider_schema_oracle

ECR = botocore.session.get_session().get_service_model("ecr")


def shape(name: str) -> Any:
    """A shape of the ECR model, by name."""
    return ECR.shape_for(name)


def whole(pattern: str) -> str:
    """A model pattern as limits.py compiles it: AWS matches a value as a whole."""
    return pattern if pattern.startswith("^") and pattern.endswith("$") else f"^(?:{pattern})$"


@pytest.mark.parametrize(
    ("ours", "shape_name", "bound"),
    [
        (limits.MAX_FILTERS_PER_RULE, "RepositoryFilterList", "max"),
        (limits.FILTER_MIN_LENGTH, "RepositoryFilterValue", "min"),
        (limits.FILTER_MAX_LENGTH, "RepositoryFilterValue", "max"),
        (limits.MAX_REGISTRY_POLICY_CHARS, "RegistryPolicyText", "max"),
        (limits.MAX_REPOSITORY_POLICY_CHARS, "RepositoryPolicyText", "max"),
        (limits.LIFECYCLE_POLICY_MIN_CHARS, "LifecyclePolicyText", "min"),
        (limits.LIFECYCLE_POLICY_MAX_CHARS, "LifecyclePolicyText", "max"),
        (limits.REPOSITORY_NAME_MIN_LENGTH, "RepositoryName", "min"),
        (limits.REPOSITORY_NAME_MAX_LENGTH, "RepositoryName", "max"),
        (limits.MAX_TAG_FILTERS, "ImageTagMutabilityExclusionFilters", "max"),
        (limits.KMS_KEY_MAX_LENGTH, "KmsKeyForRepositoryCreationTemplate", "max"),
        (limits.SCANNING_FILTER_MAX_LENGTH, "ScanningRepositoryFilterValue", "max"),
    ],
)
def test_limit_is_the_models(ours: int, shape_name: str, bound: str) -> None:
    assert ours == shape(shape_name).metadata[bound], f"{shape_name} {bound} in botocore's ECR model"


@pytest.mark.parametrize(
    ("ours", "shape_name"),
    [
        (limits.FILTER_PATTERN, "RepositoryFilterValue"),
        (limits.ACCOUNT_ID_PATTERN, "RegistryId"),
        (limits.REGION_PATTERN, "Region"),
        (limits.REPOSITORY_NAME_PATTERN, "RepositoryName"),
        (limits.TAG_FILTER_PATTERN, "ImageTagMutabilityExclusionFilterValue"),
        (limits.SCANNING_FILTER_PATTERN, "ScanningRepositoryFilterValue"),
    ],
)
def test_pattern_is_the_models(ours: re.Pattern[str], shape_name: str) -> None:
    assert ours.pattern == whole(shape(shape_name).metadata["pattern"])


@pytest.mark.parametrize(
    ("ours", "shape_name"),
    [
        (limits.IMAGE_TAG_MUTABILITIES, "ImageTagMutability"),
        (limits.ENCRYPTION_TYPES, "EncryptionType"),
    ],
)
def test_choices_are_the_models(ours: tuple[str, ...], shape_name: str) -> None:
    assert sorted(ours) == sorted(shape(shape_name).enum)


def test_defaults_are_the_ones_the_model_documents() -> None:
    """What a creation template (or CreateRepository) gives a repository when it names no tag mutability or
    encryption, as the model's documentation states it."""
    for operation in ("CreateRepositoryCreationTemplate", "CreateRepository"):
        documentation = ECR.operation_model(operation).input_shape.members["imageTagMutability"].documentation
        assert f"the default setting of <code>{limits.DEFAULT_IMAGE_TAG_MUTABILITY}</code>" in documentation
    assert (f"By default, when no encryption configuration is set or the <code>{limits.DEFAULT_ENCRYPTION_TYPE}"
            "</code> encryption type is used") in shape("EncryptionConfiguration").documentation
    assert {limits.DEFAULT_IMAGE_TAG_MUTABILITY, limits.DEFAULT_ENCRYPTION_TYPE} <= {
        *limits.IMAGE_TAG_MUTABILITIES, *limits.ENCRYPTION_TYPES}


def test_kms_key_pattern_is_the_models_with_the_region_and_account_named() -> None:
    model = shape("KmsKeyForRepositoryCreationTemplate").metadata["pattern"]
    unnamed = re.sub(r"\(\?P<\w+>([^)]*)\)", r"\1", limits.KMS_KEY_ARN_PATTERN.pattern)
    assert unnamed == "^" + model.removeprefix("^$|").replace("\\/", "/") + "$"


def test_stricter_limits_stay_within_the_models() -> None:
    """The 25 destinations are a service quota (ECR user guide) and the 255-character template description the
    Terraform provider's: both are stricter than what the API model accepts, never looser."""
    assert limits.MAX_UNIQUE_DESTINATIONS <= shape("ReplicationDestinationList").metadata["max"]
    assert limits.MAX_TEMPLATE_DESCRIPTION_CHARS < shape("RepositoryTemplateDescription").metadata["max"]
    assert limits.MAX_ROLE_INLINE_POLICY_CHARS < botocore.session.get_session().get_service_model("iam").shape_for(
        "policyDocumentType"
    ).metadata["max"]


def test_pull_through_prefix_bounds_and_pattern_are_the_models_and_the_terraform_schemas() -> None:
    """A pull-through cache prefix must pass both contracts: botocore's model and the Terraform provider's schema
    (tests/component/provider_schema_oracle.py holds the latter as terraform-provider-aws declares it)."""
    model = shape("PullThroughCacheRuleRepositoryPrefix")
    for operation in ("CreatePullThroughCacheRule", "ValidatePullThroughCacheRule"):
        assert ECR.operation_model(operation).input_shape.members["ecrRepositoryPrefix"].name == model.name
    assert ECR.operation_model("CreatePullThroughCacheRule").input_shape.members[
        "upstreamRepositoryPrefix"].name == model.name
    bounds = (limits.PULL_THROUGH_PREFIX_MIN_LENGTH, limits.PULL_THROUGH_PREFIX_MAX_LENGTH)
    assert bounds == (model.metadata["min"], model.metadata["max"])
    assert not list(provider_schema_oracle.pull_through_rule_problems({"ecrRepositoryPrefix": "p" * bounds[1]}))
    assert list(provider_schema_oracle.pull_through_rule_problems({"ecrRepositoryPrefix": "p" * (bounds[1] + 1)}))
    assert limits.PULL_THROUGH_PREFIX_PATTERN.pattern == whole(model.metadata["pattern"])
    assert limits.PULL_THROUGH_PREFIX_TERRAFORM_PATTERN.pattern == provider_schema_oracle.PULL_THROUGH_PREFIX.pattern
    assert limits.PULL_THROUGH_PREFIX_PATTERN.match(limits.PULL_THROUGH_ROOT_PREFIX)


@pytest.mark.parametrize(("prefix", "api", "terraform"), [
    ("prod", True, True), ("team/prod", True, True), ("a.b-c_d", True, True), ("ROOT", True, True),
    ("a__b", True, False), ("a--b", True, False),  # the API's doubled separators: the Terraform schema refuses them
    ("Prod", False, False), ("p", True, True), ("p" * 31, True, True), ("prod//x", False, False),
])
def test_a_pull_through_prefix_must_pass_the_stricter_of_both(prefix: str, api: bool, terraform: bool) -> None:
    assert bool(limits.PULL_THROUGH_PREFIX_PATTERN.match(prefix)) is api
    assert bool(limits.PULL_THROUGH_PREFIX_TERRAFORM_PATTERN.match(prefix)) is terraform
    fits = limits.PULL_THROUGH_PREFIX_MIN_LENGTH <= len(prefix) <= limits.PULL_THROUGH_PREFIX_MAX_LENGTH
    assert limits.is_pull_through_prefix(prefix) is (api and terraform and fits)


def test_pull_through_template_value_and_regions_are_ones_botocore_knows() -> None:
    assert limits.APPLIED_FOR_PULL_THROUGH_CACHE in shape("RCTAppliedFor").enum
    session = botocore.session.get_session()
    china_and_govcloud = {region for partition in ("aws-cn", "aws-us-gov")
                          for region in session.get_available_regions("ecr", partition)}
    assert set(limits.PULL_THROUGH_UNSUPPORTED_REGIONS) <= china_and_govcloud
