"""The whole ECR lifecycle policy grammar ("Lifecycle policy properties in Amazon ECR", ECR user guide), checked
before anything is created, with errors naming the property."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from replication import ReplicationConfigError
from replication.documents import lifecycle_policy
from replication.lifecycle_policy import check_lifecycle_policy
from replication.repository_settings import RepositorySettings
from tests.component.helpers import rejected_before_any_resource
from tests.component.test_repository_settings import replication_args

EXPIRE_UNTAGGED = {
    "rulePriority": 1,
    "description": "Expire untagged images 14 days after push",
    "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14},
    "action": {"type": "expire"},
}
ARCHIVE_UNPULLED = {
    "rulePriority": 2,
    "selection": {"tagStatus": "tagged", "tagPatternList": ["*-sha-*"], "countType": "sinceImagePulled",
                  "countUnit": "days", "countNumber": 90},
    "action": {"type": "transition", "targetStorageClass": "archive"},
}
EXPIRE_ARCHIVED = {
    "rulePriority": 3,
    "selection": {"tagStatus": "tagged", "tagPrefixList": ["release"], "storageClass": "archive",
                  "countType": "sinceImageTransitioned", "countUnit": "days", "countNumber": 365},
    "action": {"type": "expire"},
}
KEEP_LAST = {
    "rulePriority": 10,
    "selection": {"tagStatus": "any", "storageClass": "standard", "countType": "imageCountMoreThan", "countNumber": 100},
    "action": {"type": "expire"},
}
VALID = {"rules": [EXPIRE_UNTAGGED, ARCHIVE_UNPULLED, EXPIRE_ARCHIVED, KEEP_LAST]}
"""Every count type, both actions, both tag lists and both storage classes, as the guide describes them."""


def test_a_policy_using_the_whole_grammar_passes() -> None:
    check_lifecycle_policy("p", VALID)


def test_the_helpers_make_a_policy_of_the_grammar() -> None:
    both = lifecycle_policy(RepositorySettings(expire_untagged_after_days=7, keep_last_images=50))
    assert both is not None
    check_lifecycle_policy("p", json.loads(both))


def changed(rule: int, path: str, value: Any) -> dict[str, Any]:
    """``VALID`` with ``rules[rule]``'s property at the dotted ``path`` set to ``value`` (``DELETE`` removes it)."""
    document = copy.deepcopy(VALID)
    target = document["rules"][rule]
    *parents, key = path.split(".")
    for parent in parents:
        target = target[parent]
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return document


DELETE = object()

CASES: dict[str, tuple[dict[str, Any], str, object, str]] = {
    "tagged without a tag list": (
        changed(2, "selection.tagPrefixList", DELETE), "p.rules[2].selection.tagStatus", "tagged",
        "needs a tagPatternList or a tagPrefixList",
    ),
    "both tag lists": (
        changed(1, "selection.tagPrefixList", ["v"]), "p.rules[1].selection.tagPrefixList", ["v"], "not both",
    ),
    "untagged with a tag list": (
        changed(0, "selection.tagPrefixList", ["v"]), "p.rules[0].selection.tagPrefixList", ["v"], "only a tagged rule",
    ),
    "too many wildcards": (
        changed(1, "selection.tagPatternList", ["a*b*c*d*e*f"]), "p.rules[1].selection.tagPatternList[0]",
        "a*b*c*d*e*f", "at most 4 wildcards",
    ),
    "empty tag list": (changed(2, "selection.tagPrefixList", []), "p.rules[2].selection.tagPrefixList", [], "non-empty"),
    "unknown tag status": (changed(0, "selection.tagStatus", "TAGGED"), "p.rules[0].selection.tagStatus", "TAGGED",
                           "tagged, untagged, any"),
    "age without days": (
        changed(0, "selection.countUnit", DELETE), "p.rules[0].selection.countUnit", None, "countUnit 'days'",
    ),
    "age in hours": (changed(1, "selection.countUnit", "hours"), "p.rules[1].selection.countUnit", "hours", "'days'"),
    "count with a unit": (
        changed(3, "selection.countUnit", "days"), "p.rules[3].selection.countUnit", "days", "takes no countUnit",
    ),
    "unknown count type": (
        changed(3, "selection.countType", "imageCountLessThan"), "p.rules[3].selection.countType", "imageCountLessThan",
        "must be one of",
    ),
    "zero count": (changed(3, "selection.countNumber", 0), "p.rules[3].selection.countNumber", 0, "at least 1"),
    "count as text": (changed(3, "selection.countNumber", "5"), "p.rules[3].selection.countNumber", "5", "whole number"),
    "transitioned without archive": (
        changed(2, "selection.storageClass", DELETE), "p.rules[2].selection.storageClass", None, "'archive'",
    ),
    "archive with another count type": (
        changed(3, "selection.storageClass", "archive"), "p.rules[3].selection.storageClass", "archive", "'standard'",
    ),
    "transition without target": (
        changed(1, "action.targetStorageClass", DELETE), "p.rules[1].action.targetStorageClass", None, "'archive'",
    ),
    "expire with a target": (
        changed(0, "action.targetStorageClass", "archive"), "p.rules[0].action.targetStorageClass", "archive",
        "only a transition",
    ),
    "unknown action": (changed(0, "action.type", "delete"), "p.rules[0].action.type", "delete", "expire, transition"),
    "missing priority": (changed(0, "rulePriority", DELETE), "p.rules[0].rulePriority", None, "at least 1"),
    "priority zero": (changed(0, "rulePriority", 0), "p.rules[0].rulePriority", 0, "at least 1"),
    "duplicate priority": (changed(2, "rulePriority", 2), "p.rules[2].rulePriority", 2, "rules[1] has it too"),
    "priority not whole": (changed(3, "rulePriority", 2.5), "p.rules[3].rulePriority", 2.5, "whole number"),
    "two any rules": (
        {"rules": [*VALID["rules"], {**KEEP_LAST, "rulePriority": 11}]}, "p.rules[3].rulePriority", 10,
        "rules[4] has 11",
    ),
    "any before another rule": (
        changed(0, "rulePriority", 20), "p.rules[3].rulePriority", 10, "must have the highest rulePriority",
    ),
    "misspelled property": (
        changed(2, "selection.tagPrefixlist", ["v"]), "p.rules[2].selection.tagPrefixlist", ["v"], "not a selection property",
    ),
    "unknown rule property": (changed(0, "priority", 1), "p.rules[0].priority", 1, "not a lifecycle rule property"),
    "description not text": (changed(0, "description", 5), "p.rules[0].description", 5, "must be a string"),
    "no selection": (changed(0, "selection", DELETE), "p.rules[0].selection", None, "is a JSON object"),
    "no action": (changed(0, "action", DELETE), "p.rules[0].action", None, "is a JSON object"),
    "top-level property": (VALID | {"version": 1}, "p.version", 1, "has only 'rules'"),
    "no rules": ({"rules": []}, "p.rules", [], "non-empty list of rules"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_what_ecr_rejects_is_named_by_property(case: str) -> None:
    document, field, value, message = CASES[case]
    with pytest.raises(ReplicationConfigError) as raised:
        check_lifecycle_policy("p", document)
    assert (raised.value.field, raised.value.value) == (field, value)
    assert message in raised.value.problem


def test_a_component_rejects_a_tagged_rule_without_tags_before_any_resource() -> None:
    document = json.dumps(changed(2, "selection.tagPrefixList", DELETE))
    error = rejected_before_any_resource(
        lambda src, dst: replication_args(src, dst, destination_settings={"lifecycle_policy": document})
    )
    assert error.field == "destinations[0].repository_settings.lifecycle_policy.rules[2].selection.tagStatus"


def test_a_component_rejects_an_age_rule_without_days_before_any_resource() -> None:
    document = json.dumps(changed(0, "selection.countUnit", DELETE))
    error = rejected_before_any_resource(lambda src, dst: replication_args(src, dst, {"lifecycle_policy": document}))
    assert error.field == "repository_settings.lifecycle_policy.rules[0].selection.countUnit"
