"""Destination repository settings: merge the component's and a destination's, and validate them. Pure, no Pulumi.

The settings reach replicated repositories through creation templates. ECR applies to a repository it creates the
template whose prefix matches the name with an implicit trailing '/', the longest such prefix winning, else the
``ROOT`` template, else none (:func:`applied_template`; ECR API reference, ``CreateRepositoryCreationTemplate``,
``prefix``: "There is always an assumed / applied to the end of the prefix", ``ROOT`` for "all repositories in
your registry that don't have an associated creation template"; ECR user guide, "Templates to control
repositories created during a pull through cache, create on push, or replication action"). Replication filters
(``PREFIX_MATCH``) are plain string prefixes. :func:`template_prefixes` maps one onto the other so that no
replicated repository is left unconfigured: a filter ``prod/`` becomes the template ``prod`` (repositories
``prod/...``); any filter that is not a whole path segment (``prod`` also matches ``prod-api``), or no filter at
all, adds the ``ROOT`` template, which configures every other repository that replication creates in that registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from replication import limits
from replication.args import RepositorySettingsArgs
from replication.argument_names import declared_fields
from replication.ecr_semantics import canonical_json
from replication.errors import ReplicationConfigError
from replication.iam_policy import PolicyDocumentError, PolicyKind, parse_policy, policy_statements, principal_problems
from replication.lifecycle_policy import check_lifecycle_length, check_lifecycle_policy

ROOT_TEMPLATE = "ROOT"
"""The creation template prefix that matches every repository."""

SETTING_NAMES = frozenset(declared_fields(RepositorySettingsArgs))
"""The fields of ``RepositorySettingsArgs`` (a setting given under another name is refused before these settings are
read: ``replication.argument_names``)."""

SETTING_GROUPS = (
    frozenset({"encryption_type", "kms_key", "kms_keys"}),
    frozenset({"image_tag_mutability", "image_tag_mutability_exclusion_filters"}),
    frozenset({"lifecycle_policy", "expire_untagged_after_days", "keep_last_images"}),
)
"""Settings that only make sense together: a destination that overrides one field of a group replaces the whole
group (e.g. ``encryption_type="AES256"`` drops an inherited ``kms_key``)."""


@dataclass(frozen=True)
class RepositorySettings:
    """Validated settings of one destination's replicated repositories (``documents`` renders them)."""

    image_tag_mutability: str | None = None
    mutability_exclusion_filters: tuple[str, ...] = ()
    scan_on_push: bool = False
    encryption_type: str | None = None
    kms_key: str | None = None
    kms_keys: Mapping[str, str] = field(default_factory=dict)
    lifecycle_policy: str | None = None
    """The given lifecycle policy document, as canonical JSON."""
    expire_untagged_after_days: int | None = None
    keep_last_images: int | None = None
    repository_policy: str | None = None
    """Canonical JSON."""
    tags: Mapping[str, str] = field(default_factory=dict)
    repositories: tuple[str, ...] = ()
    allow_repository_creation: bool = True
    fields: Mapping[str, str] = field(default_factory=dict)
    """Setting name -> the argument path it came from, for error messages."""

    @property
    def uses_kms(self) -> bool:
        """Whether repositories are encrypted with a KMS key."""
        return self.encryption_type in limits.KMS_ENCRYPTION_TYPES

    @property
    def has_lifecycle(self) -> bool:
        """Whether replicated repositories get a lifecycle policy (given, or from the helpers)."""
        helpers = (self.expire_untagged_after_days, self.keep_last_images)
        return self.lifecycle_policy is not None or any(value is not None for value in helpers)

    @property
    def needs_template(self) -> bool:
        """Whether creation templates are worth creating (replication may create repositories and a setting
        other than scanning is set)."""
        configured = (self.image_tag_mutability, self.encryption_type, self.repository_policy)
        set_here = self.has_lifecycle or bool(self.tags) or any(value is not None for value in configured)
        return self.allow_repository_creation and set_here

    @property
    def needs_role(self) -> bool:
        """Whether templates need ``custom_role_arn`` (KMS encryption or resource tags)."""
        return self.needs_template and (self.uses_kms or bool(self.tags))

    def kms_key_for(self, region: str) -> str | None:
        """The KMS key of repositories in ``region`` (``None`` without KMS); raises unless there is one for the
        region and it lives there. The model resolves it once per destination registry."""
        if not self.uses_kms:
            return None
        key = self.kms_keys.get(region, self.kms_key)
        if key is None:
            raise ReplicationConfigError(
                self.fields["encryption_type"],
                self.encryption_type,
                f"needs a KMS key for {region}: set kms_key, or kms_keys[{region!r}]",
            )
        key_region = key.split(":")[3]  # the ARN's format was checked with the settings
        if key_region != region:
            source = f"{self.fields['kms_keys']}[{region!r}]" if region in self.kms_keys else self.fields["kms_key"]
            raise ReplicationConfigError(source, key, f"the key is in {key_region} but the destination region is {region}")
        return key


def is_repository_name(name: object) -> bool:
    """Whether ``name`` is a repository name ECR accepts (also what a creation template prefix must be)."""
    return (
        isinstance(name, str)
        and limits.REPOSITORY_NAME_MIN_LENGTH <= len(name) <= limits.REPOSITORY_NAME_MAX_LENGTH
        and limits.REPOSITORY_NAME_PATTERN.match(name) is not None
    )


def template_prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """Creation template prefixes that together cover every repository the filters replicate (module docs)."""
    templates: list[str] = []
    needs_root = not prefixes
    for prefix in prefixes:
        segment = prefix[:-1]
        if prefix.endswith("/") and is_repository_name(segment):
            templates.append(segment)
        else:
            needs_root = True
    return tuple(dict.fromkeys(templates + ([ROOT_TEMPLATE] if needs_root else [])))


def template_applies(prefix: str, repository: str) -> bool:
    """Whether the creation template ``prefix`` may apply to ``repository``: ``ROOT`` to every one, ``prod`` to
    ``prod/...`` (the implicit trailing '/'), not to ``prod-api``."""
    return prefix == ROOT_TEMPLATE or repository.startswith(prefix.rstrip("/") + "/")


def applied_template(prefixes: Iterable[str], repository: str) -> str | None:
    """The prefix of the template ECR applies when it creates ``repository``, among templates with ``prefixes``:
    the longest that applies, else ``ROOT``, else none."""
    applying = [prefix for prefix in prefixes if template_applies(prefix, repository)]
    named = [prefix for prefix in applying if prefix != ROOT_TEMPLATE]
    if named:
        return max(named, key=len)
    return ROOT_TEMPLATE if applying else None


def scanning_filters(prefixes: tuple[str, ...]) -> list[str]:
    """Registry scanning WILDCARD filters for the replicated prefixes (``*`` for everything): ``<prefix>*`` matches
    exactly the names that start with the prefix (``ecr_semantics.scanning_filter_matches``), the repositories a
    ``PREFIX_MATCH`` filter replicates."""
    return [f"{prefix}*" for prefix in prefixes] or ["*"]


def _json_document(path: str, value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ReplicationConfigError(path, value, f"must be a {what} JSON document (a string)")
    try:
        document = json.loads(value)
    except json.JSONDecodeError as error:
        raise ReplicationConfigError(path, value[:60], f"is not valid JSON: {error.msg} at line {error.lineno}") from None
    if not isinstance(document, dict):
        raise ReplicationConfigError(path, value[:60], f"a {what} is a JSON object")
    return document


def _check_lifecycle(path: str, value: object) -> str:
    document = _json_document(path, value, "lifecycle policy")
    check_lifecycle_policy(path, document)
    text = canonical_json(document)
    check_lifecycle_length(path, text)
    return text


def check_repository_policy(path: str, value: object) -> str:
    """A repository policy IAM can evaluate whose principals pass ``iam_policy.principal_problems`` (the rule the
    registry policy statements, ``import`` and the policy pack use), as canonical JSON within ECR's size limit."""
    document = _json_document(path, value, "repository policy")
    try:
        statements = parse_policy(document, PolicyKind.REPOSITORY)
    except PolicyDocumentError as error:
        raise ReplicationConfigError(path, str(value)[:60], f"IAM can't evaluate this repository policy: {error}") from None
    raw = policy_statements(document)
    for i, statement in enumerate(statements):
        problems = principal_problems(statement, PolicyKind.REPOSITORY)
        if problems:
            element = "Principal" if statement.principals is not None else "NotPrincipal"
            where = f"{path}.Statement[{i}]" if isinstance(document.get("Statement"), list) else f"{path}.Statement"
            raise ReplicationConfigError(f"{where}.{element}", raw[i][element], problems[0])
    text = canonical_json(document)
    if len(text) > limits.MAX_REPOSITORY_POLICY_CHARS:
        raise ReplicationConfigError(
            path, f"{len(text)} characters", f"a repository policy is at most {limits.MAX_REPOSITORY_POLICY_CHARS} characters"
        )
    return text


def _check_choice(path: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ReplicationConfigError(path, value, f"must be one of {', '.join(choices)}")
    return str(value)


def _check_positive_int(path: str, value: object) -> int:
    """A whole number of at least 1. A whole float counts: programs in other languages send every number as one."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ReplicationConfigError(path, value, "must be a whole number of at least 1")
    return value


def _check_kms_key(path: str, value: object) -> None:
    """A KMS key ARN as a creation template takes it (the key's region is checked per destination registry)."""
    valid = isinstance(value, str) and len(value) <= limits.KMS_KEY_MAX_LENGTH
    if not valid or not limits.KMS_KEY_ARN_PATTERN.match(value):
        raise ReplicationConfigError(
            path, value, "must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id> (not an alias)"
        )


def _check_string_map(path: str, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ReplicationConfigError(path, value, "must map strings to strings")
    return dict(value)


def _check_tag_filters(path: str, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or len(value) > limits.MAX_TAG_FILTERS:
        raise ReplicationConfigError(path, value, f"must be a list of 1 to {limits.MAX_TAG_FILTERS} tag filters")
    for i, tag_filter in enumerate(value):
        valid = isinstance(tag_filter, str) and limits.TAG_FILTER_PATTERN.match(tag_filter)
        if not valid or tag_filter.count("*") > limits.MAX_TAG_FILTER_WILDCARDS:
            raise ReplicationConfigError(
                f"{path}[{i}]", tag_filter, "a tag filter is 1-128 of letters, digits, '._-*' with at most 2 '*'"
            )
    return tuple(value)


def _check_repositories(path: str, value: object, prefixes: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ReplicationConfigError(path, value, "must be a list of repository names")
    for i, name in enumerate(value):
        if not is_repository_name(name):
            raise ReplicationConfigError(
                f"{path}[{i}]", name, "a repository name is 2-256 characters of a-z, 0-9 and '._-' separated by '/'"
            )
        if prefixes and not any(name.startswith(prefix) for prefix in prefixes):
            raise ReplicationConfigError(
                f"{path}[{i}]", name, f"no replicated prefix matches it ({', '.join(prefixes)}): it would never receive images"
            )
    if len(set(value)) != len(value):
        raise ReplicationConfigError(path, value, "lists a repository twice")
    return tuple(value)


def normalize_settings(
    defaults: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None,
    destination_field: str,
    prefixes: tuple[str, ...],
) -> RepositorySettings | None:
    """Merge component-level and destination-level settings field by field and validate the result.

    ``prefixes`` are the destination's replicated prefixes, which pre-created repositories must match.
    """
    paths: dict[str, str] = {}
    merged: dict[str, Any] = {}
    for base, values in (("repository_settings", defaults), (f"{destination_field}.repository_settings", overrides)):
        if values is None:
            continue
        if not isinstance(values, Mapping):
            raise ReplicationConfigError(base, values, "must be a RepositorySettingsArgs")
        for group in SETTING_GROUPS:
            if group & set(values):
                for key in group:
                    merged.pop(key, None)
                    paths.pop(key, None)
        for key, value in values.items():
            merged[key] = value
            paths[key] = f"{base}.{key}"
    if not merged:
        return None
    for key in SETTING_NAMES - set(paths):
        paths[key] = f"repository_settings.{key}"

    mutability = merged.get("image_tag_mutability")
    if mutability is not None:
        _check_choice(paths["image_tag_mutability"], mutability, limits.IMAGE_TAG_MUTABILITIES)
    filters: tuple[str, ...] = ()
    if "image_tag_mutability_exclusion_filters" in merged:
        filters = _check_tag_filters(
            paths["image_tag_mutability_exclusion_filters"], merged["image_tag_mutability_exclusion_filters"]
        )
    with_exclusion = isinstance(mutability, str) and mutability.endswith("_WITH_EXCLUSION")
    if filters and not with_exclusion:
        raise ReplicationConfigError(
            paths["image_tag_mutability_exclusion_filters"],
            list(filters),
            "exclusion filters need image_tag_mutability MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION",
        )
    if with_exclusion and not filters:
        raise ReplicationConfigError(
            paths["image_tag_mutability"], mutability, "needs image_tag_mutability_exclusion_filters"
        )

    encryption = merged.get("encryption_type")
    if encryption is not None:
        _check_choice(paths["encryption_type"], encryption, limits.ENCRYPTION_TYPES)
    kms_key = merged.get("kms_key")
    kms_keys = _check_string_map(paths["kms_keys"], merged.get("kms_keys", {}))
    if (kms_key is not None or kms_keys) and encryption not in limits.KMS_ENCRYPTION_TYPES:
        raise ReplicationConfigError(
            paths["kms_key" if kms_key is not None else "kms_keys"],
            kms_key or kms_keys,
            "a KMS key needs encryption_type KMS or KMS_DSSE",
        )
    if encryption in limits.KMS_ENCRYPTION_TYPES and kms_key is None and not kms_keys:
        raise ReplicationConfigError(paths["encryption_type"], encryption, "needs kms_key (or kms_keys by region)")
    if kms_key is not None:
        _check_kms_key(paths["kms_key"], kms_key)
    for region, key in kms_keys.items():
        _check_kms_key(f"{paths['kms_keys']}[{region!r}]", key)

    helpers = {
        k: _check_positive_int(paths[k], merged[k]) for k in ("expire_untagged_after_days", "keep_last_images") if k in merged
    }
    lifecycle: str | None = None
    if "lifecycle_policy" in merged:
        if helpers:
            raise ReplicationConfigError(
                paths[next(iter(helpers))], next(iter(helpers.values())), "give either lifecycle_policy or the lifecycle helpers"
            )
        lifecycle = _check_lifecycle(paths["lifecycle_policy"], merged["lifecycle_policy"])

    repository_policy = None
    if "repository_policy" in merged:
        repository_policy = check_repository_policy(paths["repository_policy"], merged["repository_policy"])

    scan_on_push = merged.get("scan_on_push", False)
    allow_creation = merged.get("allow_repository_creation", True)
    for key, flag in (("scan_on_push", scan_on_push), ("allow_repository_creation", allow_creation)):
        if not isinstance(flag, bool):
            raise ReplicationConfigError(paths[key], flag, "must be true or false")
    if scan_on_push:
        for scan_filter in scanning_filters(prefixes):
            valid = limits.SCANNING_FILTER_PATTERN.match(scan_filter)
            if not valid or len(scan_filter) > limits.SCANNING_FILTER_MAX_LENGTH:
                raise ReplicationConfigError(
                    paths["scan_on_push"],
                    scan_filter,
                    "this replicated prefix can't be a scanning filter (AWS allows a-z, 0-9, '._-/*' without doubled "
                    "separators, at most 255 characters); scan these repositories another way",
                )
    repositories = _check_repositories(paths["repositories"], merged.get("repositories", []), prefixes)
    if not allow_creation and not repositories:
        raise ReplicationConfigError(
            paths["allow_repository_creation"], False, "without repository creation, list the pre-created repositories"
        )

    return RepositorySettings(
        image_tag_mutability=mutability,
        mutability_exclusion_filters=filters,
        scan_on_push=scan_on_push,
        encryption_type=encryption,
        kms_key=kms_key,
        kms_keys=kms_keys,
        lifecycle_policy=lifecycle,
        expire_untagged_after_days=helpers.get("expire_untagged_after_days"),
        keep_last_images=helpers.get("keep_last_images"),
        repository_policy=repository_policy,
        tags=_check_string_map(paths["tags"], merged.get("tags", {})),
        repositories=repositories,
        allow_repository_creation=allow_creation,
        fields=paths,
    )
