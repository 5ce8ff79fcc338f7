"""`ecr-replicated-repositories-hardened`: immutable tags, KMS, scan on push in the destination."""

from functools import partial
from typing import Optional

import pytest

from policies.ecr_guardrails.hardening import replicated_repositories_hardened as hardened
from replication.preview.analyzer import UNKNOWN
from tests.policies.policy_args import run_policy, violation_messages
from tests.policies.policy_stacks import (creation_template, destination, destination_provider, guarded_stack,
                                          provider, replication_configuration, repository, rule,
                                          scanning_configuration)


messages = partial(violation_messages, hardened)


def test_a_hardened_stack_passes() -> None:
    assert messages(guarded_stack()) == []


@pytest.mark.parametrize("mutability, reported", [("IMMUTABLE", False), ("IMMUTABLE_WITH_EXCLUSION", False),
                                                  ("MUTABLE", True), (None, True)])
def test_replication_templates_need_immutable_tags(mutability: Optional[str], reported: bool) -> None:
    template = creation_template(mutability=mutability)
    found = messages([template])
    assert any("imageTagMutability" in m and "IMMUTABLE" in m for m in found) == reported


@pytest.mark.parametrize("encryption, reported", [("KMS", False), ("KMS_DSSE", False), ("AES256", True),
                                                  (None, True)])
def test_replication_templates_need_kms(encryption: Optional[str], reported: bool) -> None:
    found = messages([creation_template(encryption=encryption)])
    assert any("encryptionConfigurations" in m for m in found) == reported


def test_aes256_can_be_made_to_count() -> None:
    assert messages([creation_template(encryption="AES256")], {"aes256Counts": True}) == []
    assert messages([creation_template(encryption=None)], {"aes256Counts": True}) == []


@pytest.mark.parametrize("encryption, tags, reported", [("KMS", {}, True), ("AES256", {"team": "a"}, True),
                                                       ("AES256", {}, False), ("KMS", UNKNOWN, True)])
def test_templates_with_kms_or_tags_need_a_custom_role(encryption: str, tags: object, reported: bool) -> None:
    template = creation_template(encryption=encryption)
    del template["props"]["customRoleArn"]
    template["props"]["resourceTags"] = tags
    found = messages([template], {"aes256Counts": True})
    assert any("no customRoleArn" in m for m in found) == reported


def test_templates_applied_for_neither_replication_nor_pull_through_cache_are_ignored() -> None:
    create_on_push = creation_template(mutability="MUTABLE", encryption=None, applied_fors=["CREATE_ON_PUSH"])
    assert messages([create_on_push]) == []


CACHE_ADVICE = (
    "pull-through cache template for prefix 'prod' has imageTagMutability {shown}, so whoever may push in this registry "
    "can move a cached tag to another image; {remedy}: those tags still refresh from the upstream and the others can't "
    "be moved (IMMUTABLE alone would stop ECR from refreshing any cached tag that moves upstream: ECR user guide, "
    "\"Sync an upstream registry with an Amazon ECR private registry\").")


@pytest.mark.parametrize("mutability, shown", [("MUTABLE", "MUTABLE"), (None, "MUTABLE (default)"),
                                               ("MUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"),
                                               ("IMMUTABLE", None), ("IMMUTABLE_WITH_EXCLUSION", None)])
def test_pull_through_templates_hear_the_cache_s_trade_off_about_tags(mutability: Optional[str],
                                                                      shown: Optional[str]) -> None:
    """Spokes' templates are checked too, but a cache's tags can't simply be made immutable: ECR would no longer
    refresh a cached tag that moves upstream (ECR user guide, "Sync an upstream registry with an Amazon ECR private
    registry"). The advice is the middle way, never IMMUTABLE alone; immutable tags aren't reported."""
    for applied_fors in (["PULL_THROUGH_CACHE"], ["REPLICATION", "PULL_THROUGH_CACHE"]):
        found = messages([creation_template(mutability=mutability, applied_fors=applied_fors)])
        assert found == ([] if shown is None else [CACHE_ADVICE.format(
            shown=shown, remedy="set it to IMMUTABLE_WITH_EXCLUSION with the tags that move upstream in "
                                "imageTagMutabilityExclusionFilters")])


@pytest.mark.parametrize("encryption, reported", [("KMS", False), ("KMS_DSSE", False), ("AES256", True), (None, True)])
def test_pull_through_templates_need_kms_and_a_role_for_it(encryption: Optional[str], reported: bool) -> None:
    template = creation_template(encryption=encryption, applied_fors=["PULL_THROUGH_CACHE"])
    found = messages([template])
    assert found == ([f"pull-through cache template for prefix 'prod' is encrypted with {encryption or 'AES256 (default)'};"
                      " set encryptionConfigurations to [{encryptionType: 'KMS', kmsKey: <key in the same region>}] "
                      "(or KMS_DSSE)."] if reported else [])
    del template["props"]["customRoleArn"]
    assert any("no customRoleArn" in m for m in messages([template])) == (encryption in ("KMS", "KMS_DSSE"))


def test_a_spoke_s_template_hears_the_spoke_s_settings() -> None:
    """A pull-through template the component declares carries a spoke's settings: the remedy names the spoke's own
    repository settings, and for tags only those (inherited, exclusion filters were chosen for the destinations)."""
    template = component_child(creation_template(mutability="MUTABLE", encryption="AES256",
                                                 applied_fors=["PULL_THROUGH_CACHE"]))
    assert messages([template]) == [
        CACHE_ADVICE.format(shown="MUTABLE", remedy=(
            "set pull_through_destinations[].repository_settings.image_tag_mutability to 'IMMUTABLE_WITH_EXCLUSION' "
            "with the tags that move upstream in image_tag_mutability_exclusion_filters in the EcrReplication "
            "component's arguments (stack config: pullThroughDestinations[].repositorySettings.imageTagMutability: "
            "IMMUTABLE_WITH_EXCLUSION with those tags in imageTagMutabilityExclusionFilters)")),
        "pull-through cache template for prefix 'prod' is encrypted with AES256; set repository_settings.encryption_type "
        "to 'KMS' (or 'KMS_DSSE') with kms_key, or kms_keys by region in the EcrReplication component's arguments or a "
        "spoke's (pull_through_destinations[].repository_settings) (stack config: repositorySettings.encryptionType: "
        "KMS with repositorySettings.kmsKeys, or under pullThroughDestinations[].repositorySettings)."]


def test_repositories_that_a_rule_replicates_are_checked() -> None:
    replicated = repository("prod/api", mutability="MUTABLE", encryption=None)
    ignored = repository("dev/api", mutability="MUTABLE", encryption=None)
    resources = [replication_configuration(), scanning_configuration(), replicated, ignored]
    violations = run_policy(hardened, resources)
    assert {urn for _, urn in violations} == {replicated["urn"]}
    assert len(violations) == 2


def test_a_rule_without_filters_replicates_every_repository() -> None:
    everything = replication_configuration(rules=[{"destinations": [destination()]}])
    found = messages([everything, scanning_configuration(patterns=["*"]), repository("any/name", encryption="AES256")])
    assert len(found) == 1 and "'any/name'" in found[0]


def test_replicated_prefixes_without_scan_on_push_in_the_destination_are_reported() -> None:
    config = replication_configuration()
    [(message, urn)] = run_policy(hardened, [config])
    assert urn == config["urn"]
    assert "rule 1 replicates 'prod/' to 222222222222/us-west-2" in message and "filter(s) 'prod/*'" in message


def test_uncovered_prefixes_are_reported_once_per_destination() -> None:
    config = replication_configuration(rules=[rule([destination(), destination(region="eu-west-1")],
                                                   ["prod/", "shared/", "team/"])])
    found = messages([config, scanning_configuration(patterns=["shared/*"])])
    assert found == [
        "rule 1 replicates 'prod/', 'team/' to 222222222222/us-west-2, where no RegistryScanningConfiguration in "
        "this stack scans it on push; add one in that registry with a SCAN_ON_PUSH rule with the WILDCARD "
        "filter(s) 'prod/*', 'team/*'.",
        "rule 1 replicates 'prod/', 'shared/', 'team/' to 222222222222/eu-west-1, where no "
        "RegistryScanningConfiguration in this stack scans it on push; add one in that registry with a "
        "SCAN_ON_PUSH rule with the WILDCARD filter(s) 'prod/*', 'shared/*', 'team/*'."]


@pytest.mark.parametrize("patterns, frequency, covered", [
    (["prod/*"], "SCAN_ON_PUSH", True), (["*"], "SCAN_ON_PUSH", True), (["pr*"], "CONTINUOUS_SCAN", True),
    (["prod*"], "SCAN_ON_PUSH", True), (["prod/api*"], "SCAN_ON_PUSH", False), (["prod"], "SCAN_ON_PUSH", True),
    (["rod"], "SCAN_ON_PUSH", True), (["prod/api"], "SCAN_ON_PUSH", False), (["*prod"], "SCAN_ON_PUSH", False),
    (["prod/*"], "MANUAL", False)])
def test_scan_filters_must_cover_the_whole_prefix(patterns: list, frequency: str, covered: bool) -> None:
    """The rule replicates 'prod/'. A filter without a wildcard scans every repository whose name contains it
    (ECR user guide, "Filters to choose which repositories are scanned in Amazon ECR"), so 'prod' and 'rod' cover
    'prod/...'; '*prod' only names that end in 'prod'."""
    found = messages([replication_configuration(), scanning_configuration(patterns=patterns, frequency=frequency)])
    assert (found == []) == covered


def test_scanning_in_another_registry_does_not_count() -> None:
    source_scanning = scanning_configuration(resource_provider=provider("source"), region="us-east-1")
    assert len(messages([replication_configuration(), source_scanning])) == 1


def test_scan_on_push_can_be_switched_off() -> None:
    assert messages([replication_configuration()], {"requireScanOnPush": False}) == []


def test_unknown_values_are_skipped() -> None:
    template = creation_template()
    template["props"] = {"appliedFors": ["REPLICATION"], "imageTagMutability": UNKNOWN,
                         "encryptionConfigurations": UNKNOWN}
    scanning = scanning_configuration()
    scanning["props"] = {"region": "us-west-2", "rules": UNKNOWN}
    unnamed = repository(mutability="MUTABLE")
    unnamed["props"] = {"name": UNKNOWN, "imageTagMutability": "MUTABLE"}
    assert messages([replication_configuration(), template, scanning, unnamed, destination_provider()]) == []


def test_an_unknown_first_encryption_configuration_is_skipped() -> None:
    template = creation_template()
    template["props"]["encryptionConfigurations"] = [UNKNOWN, {"encryptionType": "AES256"}]
    assert messages([template]) == []


def test_an_unknown_filter_list_covers_nothing_known() -> None:
    config = replication_configuration(rules=[{"destinations": [destination()], "repositoryFilters": UNKNOWN}])
    assert messages([config, repository("prod/api", mutability="MUTABLE")]) == []


def component_child(resource: dict) -> dict:
    """``resource`` as the EcrReplication component declares it: its URN's type chain starts with the component."""
    head, name = resource["urn"].rsplit("::", 1)
    prefix, resource_type = head.rsplit("::", 1)
    return {**resource, "urn": f"{prefix}::ecr-replication:index:EcrReplication${resource_type}::{name}"}


def test_a_component_s_children_hear_the_component_s_argument_and_stack_key() -> None:
    """Issue 19, item 8: a component user sets repository_settings, not encryptionConfigurations."""
    template = component_child(creation_template(mutability="MUTABLE", encryption="AES256"))
    repository_found = messages([component_child(replication_configuration()),
                                 component_child(repository("prod/api", mutability="MUTABLE"))])
    found = messages([template]) + repository_found
    assert ("replication template for prefix 'prod' has imageTagMutability MUTABLE; set "
            "repository_settings.image_tag_mutability to 'IMMUTABLE' (or 'IMMUTABLE_WITH_EXCLUSION' with "
            "image_tag_mutability_exclusion_filters) in the EcrReplication component's arguments or a destination's "
            "(stack config: repositorySettings.imageTagMutability: IMMUTABLE) so a replicated tag can't be moved to "
            "another image.") in found
    assert ("replication template for prefix 'prod' is encrypted with AES256; set repository_settings.encryption_type "
            "to 'KMS' (or 'KMS_DSSE') with kms_key, or kms_keys by region in the EcrReplication component's arguments "
            "or a destination's (stack config: repositorySettings.encryptionType: KMS with "
            "repositorySettings.kmsKeys).") in found
    assert any(m.startswith("replicated repository 'prod/api' has imageTagMutability MUTABLE; set "
                            "repository_settings.image_tag_mutability") for m in repository_found)
    assert ("rule 1 replicates 'prod/' to 222222222222/us-west-2, where no RegistryScanningConfiguration in this "
            "stack scans it on push; set repository_settings.scan_on_push to True in the EcrReplication component's "
            "arguments or a destination's (stack config: repositorySettings.scanOnPush: true).") in repository_found
    assert not any("encryptionConfigurations" in m or "add one in that registry" in m for m in found)


def test_the_settings_remedies_name_are_the_component_s_and_the_stack_schema_s() -> None:
    from policies.ecr_guardrails.component_children import OWNERS, SETTINGS
    from replication import EcrReplicationArgs, RepositorySettingsArgs
    from replication.stack.schema import ARG_NAMES

    for setting in SETTINGS:
        assert setting.argument in RepositorySettingsArgs.__annotations__
        assert ARG_NAMES[setting.argument] == setting.config_key
    for owner in OWNERS:
        assert owner.argument in EcrReplicationArgs.__annotations__
        assert ARG_NAMES[owner.argument] == owner.config_key
