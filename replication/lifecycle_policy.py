"""The ECR lifecycle policy grammar: validate a document rule by rule, with errors naming the property.

Every rule here is from the ECR user guide, "Lifecycle policy properties in Amazon ECR" (and the template in
"Examples of lifecycle policies in Amazon ECR"); the document's length bounds are the API model's
(``limits.LIFECYCLE_POLICY_MIN_CHARS`` / ``MAX_CHARS``).
"""

from collections.abc import Mapping
from typing import Any

from replication import limits
from replication.errors import ReplicationConfigError

RULE_PROPERTIES = ("rulePriority", "description", "selection", "action")
SELECTION_PROPERTIES = (
    "tagStatus", "tagPatternList", "tagPrefixList", "storageClass", "countType", "countUnit", "countNumber",
)
ACTION_PROPERTIES = ("type", "targetStorageClass")
"""The properties the guide's lifecycle policy template lists."""

TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
AGE_COUNT_TYPES = ("sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
"""Count types that measure an age, in ``countUnit`` days."""
ACTION_TYPES = ("expire", "transition")


def check_lifecycle_policy(path: str, document: object) -> None:
    """Raise :class:`ReplicationConfigError` naming the property (``<path>.rules[1].selection.countUnit``) of the
    first thing in ``document`` (a parsed lifecycle policy) that ECR would reject."""
    if not isinstance(document, Mapping):
        raise ReplicationConfigError(path, document, "a lifecycle policy is a JSON object with a 'rules' list")
    _only(path, document, ("rules",), "a lifecycle policy has only 'rules'")
    rules = document.get("rules")
    if not isinstance(rules, list) or not rules:
        raise ReplicationConfigError(f"{path}.rules", rules, "a lifecycle policy needs a non-empty list of rules")
    priorities: dict[int, int] = {}
    for index, rule in enumerate(rules):
        field = f"{path}.rules[{index}]"
        priority = _check_rule(field, rule)
        if priority in priorities:
            raise ReplicationConfigError(
                f"{field}.rulePriority", priority, f"rule priorities are unique; rules[{priorities[priority]}] has it too"
            )
        priorities[priority] = index
    for index, rule in enumerate(rules):
        highest = max(priorities)
        if rule["selection"]["tagStatus"] == "any" and rule["rulePriority"] != highest:
            raise ReplicationConfigError(
                f"{path}.rules[{index}].rulePriority",
                rule["rulePriority"],
                f"a rule with tagStatus 'any' must have the highest rulePriority, and rules[{priorities[highest]}] has "
                f"{highest}",
            )


def check_lifecycle_length(path: str, text: str) -> None:
    """The document as sent must be within the API's length bounds."""
    if not limits.LIFECYCLE_POLICY_MIN_CHARS <= len(text) <= limits.LIFECYCLE_POLICY_MAX_CHARS:
        raise ReplicationConfigError(
            path,
            f"{len(text)} characters",
            f"a lifecycle policy is {limits.LIFECYCLE_POLICY_MIN_CHARS} to {limits.LIFECYCLE_POLICY_MAX_CHARS} "
            "characters long",
        )


def _only(field: str, value: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    for key in value:
        if key not in allowed:
            raise ReplicationConfigError(f"{field}.{key}", value[key], f"{what} ({', '.join(allowed)})")


def _choice(field: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ReplicationConfigError(field, value, f"must be one of {', '.join(choices)}")
    return str(value)


def _positive_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ReplicationConfigError(field, value, "must be a whole number of at least 1")
    return value


def _object(field: str, value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ReplicationConfigError(field, value, f"{what} is a JSON object")
    return value


def _check_rule(field: str, rule: object) -> int:
    """Check one rule and return its priority."""
    rule = _object(field, rule, "a lifecycle rule")
    _only(field, rule, RULE_PROPERTIES, "is not a lifecycle rule property")
    priority = _positive_int(f"{field}.rulePriority", rule.get("rulePriority"))
    if "description" in rule and not isinstance(rule["description"], str):
        raise ReplicationConfigError(f"{field}.description", rule["description"], "must be a string")
    _check_selection(f"{field}.selection", rule.get("selection"))
    _check_action(f"{field}.action", rule.get("action"))
    return priority


def _check_selection(field: str, selection: object) -> None:
    selection = _object(field, selection, "a rule's selection")
    _only(field, selection, SELECTION_PROPERTIES, "is not a selection property")
    tag_status = _choice(f"{field}.tagStatus", selection.get("tagStatus"), TAG_STATUSES)
    lists = [key for key in ("tagPatternList", "tagPrefixList") if key in selection]
    if tag_status == "tagged" and not lists:
        raise ReplicationConfigError(
            f"{field}.tagStatus", tag_status, "a tagged rule needs a tagPatternList or a tagPrefixList"
        )
    if tag_status != "tagged" and lists:
        raise ReplicationConfigError(
            f"{field}.{lists[0]}", selection[lists[0]], f"only a tagged rule takes tag lists (tagStatus is {tag_status!r})"
        )
    if len(lists) > 1:
        raise ReplicationConfigError(f"{field}.tagPrefixList", selection["tagPrefixList"],
                                     "give a tagPatternList or a tagPrefixList, not both")
    for key in lists:
        _check_tag_list(f"{field}.{key}", selection[key], key == "tagPatternList")

    count_type = _choice(f"{field}.countType", selection.get("countType"), COUNT_TYPES)
    if count_type in AGE_COUNT_TYPES:
        if selection.get("countUnit") != "days":
            raise ReplicationConfigError(
                f"{field}.countUnit", selection.get("countUnit"), f"countType {count_type} counts in countUnit 'days'"
            )
    elif "countUnit" in selection:
        raise ReplicationConfigError(
            f"{field}.countUnit", selection["countUnit"], f"countType {count_type} takes no countUnit"
        )
    _positive_int(f"{field}.countNumber", selection.get("countNumber"))

    storage_class = "archive" if count_type == "sinceImageTransitioned" else "standard"
    if count_type == "sinceImageTransitioned" or "storageClass" in selection:
        if selection.get("storageClass") != storage_class:
            raise ReplicationConfigError(
                f"{field}.storageClass",
                selection.get("storageClass"),
                f"with countType {count_type} the storage class is {storage_class!r}",
            )


def _check_tag_list(field: str, value: object, patterns: bool) -> None:
    if not isinstance(value, list) or not value or not all(isinstance(tag, str) and tag for tag in value):
        raise ReplicationConfigError(field, value, "must be a non-empty list of image tag strings")
    if patterns:
        for index, pattern in enumerate(value):
            if pattern.count("*") > limits.LIFECYCLE_MAX_TAG_PATTERN_WILDCARDS:
                raise ReplicationConfigError(
                    f"{field}[{index}]", pattern, f"a tag pattern has at most {limits.LIFECYCLE_MAX_TAG_PATTERN_WILDCARDS} wildcards (*)"
                )


def _check_action(field: str, action: object) -> None:
    action = _object(field, action, "a rule's action")
    _only(field, action, ACTION_PROPERTIES, "is not an action property")
    action_type = _choice(f"{field}.type", action.get("type"), ACTION_TYPES)
    if action_type == "transition" and action.get("targetStorageClass") != "archive":
        raise ReplicationConfigError(
            f"{field}.targetStorageClass", action.get("targetStorageClass"), "a transition goes to storage class 'archive'"
        )
    if action_type == "expire" and "targetStorageClass" in action:
        raise ReplicationConfigError(
            f"{field}.targetStorageClass", action["targetStorageClass"], "only a transition action takes a storage class"
        )
