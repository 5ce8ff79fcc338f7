"""What a repository that replication creates should carry, per the plan, and how its live settings compare.

The declared side comes from ``ecr-replication plan --json``: per registry (``registries[].accountId/region``), the
creation templates (``aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate`` applied for ``REPLICATION``)
and the registry scanning configuration. ECR applies the template whose prefix matches the repository name with
an implicit trailing ``/``, the longest such prefix winning, else the ``ROOT`` template (ECR user guide,
"Templates to control repositories created during a pull through cache, create on push, or replication action").
Templates can't set scanning: scan on push comes from the registry scanning configuration, whose ``WILDCARD``
filters match a name containing a filter without ``*``, or matching it with ``*`` standing for any characters
(ECR user guide, "Filters to choose which repositories are scanned in Amazon ECR").

The live side is read in the destination registry with that account's verified credentials: ``DescribeRepositories``
(tag mutability, exclusion filters, encryption, the repository's own scan-on-push flag),
``BatchGetRepositoryScanningConfiguration`` (the registry scanning rule that applies), ``GetLifecyclePolicy``,
``GetRepositoryPolicy`` and ``ListTagsForResource``. A setting whose live value can't be read is not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.exceptions

from replication.cli.errors import CliError
from replication.cli.sessions import AccountSession, describe_client_error, error_code
from replication.ecr_semantics import Registry, canonical_json
from replication.limits import KMS_ENCRYPTION_TYPES, SCAN_ON_PUSH_FREQUENCIES
from replication.repository_settings import ROOT_TEMPLATE

TEMPLATE_TYPE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING_TYPE = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
"""The plan's resource types that declare replicated repositories' settings."""

REPLICATION = "REPLICATION"
"""The ``appliedFor`` value of templates that act on repositories replication creates."""

OK, MISMATCH, NOT_CHECKED = "ok", "mismatch", "not checked"
"""The outcome of comparing one setting."""


@dataclass(frozen=True)
class Plan:
    """The parts of a ``plan --json`` document ``verify`` reads."""

    source_registry_id: str | None
    source_region: str | None
    resources: Mapping[Registry, tuple[Mapping[str, Any], ...]]
    """Each registry's declared resources (``type``, ``name``, ``inputs``)."""
    secret: str
    """How the plan prints a secret value (such a value can't be compared)."""

    def declared(self, registry: Registry, repository: str) -> Declared:
        """What the plan declares for ``repository`` when replication creates it in ``registry``."""
        resources = self.resources.get(registry, ())
        templates = [r for r in resources if r.get("type") == TEMPLATE_TYPE
                     and REPLICATION in (_inputs(r).get("appliedFors") or [])]
        template = matching_template(templates, repository)
        scanning = [r for r in resources if r.get("type") == SCANNING_TYPE]
        scan_on_push = any(scans_on_push(_inputs(r), repository) for r in scanning) if scanning else None
        return Declared(template, scan_on_push, self.secret)


def load_plan(path: Path) -> Plan:
    """The plan document at ``path``; ``CliError`` when it can't be read or isn't a JSON object."""
    from replication.preview.runner import SECRET  # only with --expected: it imports the Pulumi SDK

    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CliError(f"cannot read expected plan {path}: {error}") from error
    if not isinstance(document, dict):
        raise CliError(f"{path} is not a JSON object (expected the output of `ecr-replication plan --json`)")
    resources: dict[Registry, tuple[Mapping[str, Any], ...]] = {}
    for entry in document.get("registries") or []:
        if isinstance(entry, dict) and isinstance(entry.get("accountId"), str) and isinstance(entry.get("region"), str):
            listed = tuple(r for r in entry.get("resources") or [] if isinstance(r, dict))
            registry = Registry(entry["accountId"], entry["region"])
            resources[registry] = resources.get(registry, ()) + listed
    source, region = document.get("sourceRegistryId"), document.get("sourceRegion")
    return Plan(source if isinstance(source, str) else None, region if isinstance(region, str) else None,
                resources, SECRET)


def _inputs(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    inputs = resource.get("inputs")
    return inputs if isinstance(inputs, Mapping) else {}


def template_matches(prefix: str, repository: str) -> bool:
    """Whether a creation template prefix applies to ``repository``: ``ROOT`` to every one, ``prod`` to
    ``prod/...`` (the implicit trailing ``/``), not to ``prod-api``."""
    return prefix == ROOT_TEMPLATE or repository.startswith(prefix.rstrip("/") + "/")


def matching_template(templates: Sequence[Mapping[str, Any]], repository: str) -> Mapping[str, Any] | None:
    """The template ECR applies to ``repository``: the longest matching prefix, else ``ROOT``, else none."""
    matching = [t for t in templates if isinstance(_inputs(t).get("prefix"), str)
                and template_matches(_inputs(t)["prefix"], repository)]
    named = [t for t in matching if _inputs(t)["prefix"] != ROOT_TEMPLATE]
    if named:
        return max(named, key=lambda t: len(_inputs(t)["prefix"]))
    return matching[0] if matching else None


def scanning_filter_matches(pattern: str, repository: str) -> bool:
    """Whether a registry scanning ``WILDCARD`` filter matches ``repository`` (module docstring)."""
    if "*" not in pattern:
        return pattern in repository
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), repository) is not None


def scans_on_push(configuration: Mapping[str, Any], repository: str) -> bool:
    """Whether a registry scanning configuration scans ``repository``'s images when they arrive."""
    return any(
        rule.get("scanFrequency") in SCAN_ON_PUSH_FREQUENCIES
        and any(isinstance(f, dict) and isinstance(f.get("filter"), str) and scanning_filter_matches(f["filter"], repository)
                for f in rule.get("repositoryFilters") or [])
        for rule in configuration.get("rules") or [] if isinstance(rule, dict)
    )


@dataclass(frozen=True)
class SettingCheck:
    """One setting of a replicated repository: declared, live, and whether they agree."""

    setting: str
    expected: str
    live: str | None
    state: str
    hint: str | None = None


@dataclass(frozen=True)
class Declared:
    """The declared settings of one replicated repository: from the matching template, and scan on push (``None``
    when the plan declares no scanning configuration for that registry)."""

    template: Mapping[str, Any] | None
    scan_on_push: bool | None
    secret: str
    """How the plan prints a secret value."""

    @property
    def template_prefix(self) -> str | None:
        """The matching template's prefix."""
        return _inputs(self.template)["prefix"] if self.template else None

    @property
    def role_arn(self) -> str | None:
        """The matching template's ``customRoleArn``: the role ECR uses to apply KMS encryption and tags."""
        role = _inputs(self.template).get("customRoleArn") if self.template else None
        return role if isinstance(role, str) else None

    def values(self) -> dict[str, Any]:
        """Each declared setting in the form its live value is compared in (``None`` values: not declared)."""
        values: dict[str, Any] = {}
        if self.template:
            inputs = _inputs(self.template)
            values["imageTagMutability"] = inputs.get("imageTagMutability", "MUTABLE")
            values["imageTagMutabilityExclusionFilters"] = _filters(inputs.get("imageTagMutabilityExclusionFilters"))
            encryption = (inputs.get("encryptionConfigurations") or [{}])[0]
            encryption = encryption if isinstance(encryption, dict) else {}
            values["encryptionType"] = encryption.get("encryptionType", "AES256")
            values["kmsKey"] = encryption.get("kmsKey")  # None: AWS's managed key, which is not compared
            values["lifecyclePolicy"] = _document(inputs.get("lifecyclePolicy"))
            values["repositoryPolicy"] = _document(inputs.get("repositoryPolicy"))
            values["resourceTags"] = dict(inputs.get("resourceTags") or {})
        if self.scan_on_push is not None:
            values["scanOnPush"] = self.scan_on_push
        return values


def _filters(value: Any) -> list[str] | Any:
    """Exclusion filters as a sorted list of their patterns (``WILDCARD`` is their only type)."""
    if not isinstance(value, list):
        return [] if value is None else value
    return sorted(f.get("filter") for f in value if isinstance(f, dict))


def _document(text: Any) -> Any:
    """A JSON policy document as data (``None`` for none); text that isn't JSON stays text."""
    if text is None or text == "":
        return None
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text


def shown(value: Any) -> str:
    """A setting's value in a report line."""
    if value is None:
        return "none"
    if isinstance(value, (dict, list)):
        return canonical_json(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


@dataclass
class LiveSettings:
    """A replicated repository's live settings, and why those that could not be read weren't."""

    values: dict[str, Any] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)


def read_live(session: AccountSession, registry: Registry, repository: str) -> LiveSettings:
    """Read the repository's settings in ``registry`` with ``session`` (that registry's account)."""
    ecr = session.client("ecr", registry.region)
    live = LiveSettings()

    def read(settings: tuple[str, ...], action: str, call: Callable[[], dict[str, Any]],
             absent: str | None = None) -> dict[str, Any] | None:
        try:
            return call()
        except botocore.exceptions.ClientError as error:
            if absent is not None and error_code(error) == absent:
                return {}
            reason = describe_client_error(error, registry.account_id, action)
        except botocore.exceptions.BotoCoreError as error:
            reason = f"{action}: {' '.join(str(error).split())}"
        for setting in settings:
            live.unread[setting] = reason
        return None

    described = read(("imageTagMutability", "imageTagMutabilityExclusionFilters", "encryptionType", "kmsKey",
                      "resourceTags", "scanOnPush"), "ecr:DescribeRepositories",
                     lambda: ecr.describe_repositories(repositoryNames=[repository])["repositories"][0])
    if described is not None:
        encryption = described.get("encryptionConfiguration") or {}
        live.values.update({
            "imageTagMutability": described.get("imageTagMutability"),
            "imageTagMutabilityExclusionFilters": _filters(described.get("imageTagMutabilityExclusionFilters")),
            "encryptionType": encryption.get("encryptionType"),
            "kmsKey": encryption.get("kmsKey"),
            "scanOnPush": bool((described.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        })
        tags = read(("resourceTags",), "ecr:ListTagsForResource",
                    lambda: ecr.list_tags_for_resource(resourceArn=described["repositoryArn"]))
        if tags is not None:
            live.values["resourceTags"] = {t["Key"]: t["Value"] for t in tags.get("tags", [])}
        scanning = read(("scanOnPush",), "ecr:BatchGetRepositoryScanningConfiguration",
                        lambda: ecr.batch_get_repository_scanning_configuration(repositoryNames=[repository]))
        if scanning is not None:
            for configuration in scanning.get("scanningConfigurations", []):
                if configuration.get("scanOnPush") or configuration.get("scanFrequency") in SCAN_ON_PUSH_FREQUENCIES:
                    live.values["scanOnPush"] = True
    lifecycle = read(("lifecyclePolicy",), "ecr:GetLifecyclePolicy",
                     lambda: ecr.get_lifecycle_policy(repositoryName=repository), "LifecyclePolicyNotFoundException")
    if lifecycle is not None:
        live.values["lifecyclePolicy"] = _document(lifecycle.get("lifecyclePolicyText"))
    policy = read(("repositoryPolicy",), "ecr:GetRepositoryPolicy",
                  lambda: ecr.get_repository_policy(repositoryName=repository), "RepositoryPolicyNotFoundException")
    if policy is not None:
        live.values["repositoryPolicy"] = _document(policy.get("policyText"))
    return live


def compare(declared: Declared, live: LiveSettings, registry: Registry, repository: str,
            existed_before: bool | None) -> list[SettingCheck]:
    """Every declared setting against its live value, in the order of :meth:`Declared.values`."""
    checks = []
    for setting, expected in declared.values().items():
        if setting == "kmsKey" and expected is None:
            continue  # KMS with AWS's managed key, or no KMS at all: the key is not declared
        if _holds_secret(expected, declared.secret):
            checks.append(SettingCheck(setting, declared.secret, None, NOT_CHECKED, "the plan shows it as a secret"))
            continue
        if setting in live.unread:
            checks.append(SettingCheck(setting, shown(expected), None, NOT_CHECKED, live.unread[setting]))
            continue
        value = live.values.get(setting)
        if _agrees(setting, expected, value):
            checks.append(SettingCheck(setting, shown(expected), shown(value), OK))
        else:
            checks.append(SettingCheck(setting, shown(expected), shown(value), MISMATCH,
                                       _hint(setting, declared, registry, repository, existed_before)))
    return checks


def _holds_secret(value: Any, secret: str) -> bool:
    if isinstance(value, dict):
        return any(_holds_secret(v, secret) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secret(v, secret) for v in value)
    return value == secret


def _agrees(setting: str, expected: Any, live: Any) -> bool:
    """Whether a live value carries the declared one."""
    if setting == "resourceTags":
        # ECR may tag on its own; every declared tag must be there with its value.
        return isinstance(live, dict) and all(live.get(k) == v for k, v in expected.items())
    if setting == "kmsKey" and isinstance(live, str) and isinstance(expected, str):
        # A key may be declared by id; ECR reports the key ARN.
        return live == expected or live.endswith(f":key/{expected}")
    return bool(expected == live)


def _hint(setting: str, declared: Declared, registry: Registry, repository: str, existed_before: bool | None) -> str:
    """Where to look for a mismatch: the template role for KMS and tags, else the template, or the repository's age."""
    if setting == "scanOnPush":
        # Registry scanning rules apply to existing repositories too.
        return f"the registry scanning configuration of {registry} (aws ecr get-registry-scanning-configuration)"
    template = f"creation template {declared.template_prefix!r} of {registry}"
    if existed_before:
        return (f"{repository} existed in {registry} before this push, and templates act only when replication "
                f"creates a repository: delete it (aws ecr delete-repository --repository-name {repository} --force "
                f"--region {registry.region}, in account {registry.account_id}) and verify again")
    uses_kms = setting in ("encryptionType", "kmsKey") and declared.values().get("encryptionType") in KMS_ENCRYPTION_TYPES
    if uses_kms or setting == "resourceTags":
        what = "KMS encryption" if uses_kms else "resource tags"
        if declared.role_arn is None:
            return f"the {template} has no customRoleArn, which ECR needs to apply {what}"
        needs = "kms:CreateGrant and kms:DescribeKey on the key" if uses_kms else "ecr:TagResource"
        return (f"ECR applies {what} through the template role {declared.role_arn} of the {template}: check that "
                f"it exists, trusts ecr.amazonaws.com and allows {needs}")
    return f"the {template} (aws ecr describe-repository-creation-templates --region {registry.region})"
