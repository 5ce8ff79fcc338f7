"""What ECR replication means, with no Pulumi and no boto3: registries, rules, what they replicate, which
repositories a registry scanning filter scans, canonical JSON.

The component renders with it, ``ecr-replication check``, ``import`` and ``verify`` compare live state with it,
and the policy pack judges with it. A published pack installs only its own folder, so this file is copied byte
for byte to ``policies/ecr_guardrails/``; ``tests/test_shared_copies.py`` fails when the copies differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .limits import ACCOUNT_ID_PATTERN

PREFIX_MATCH = "PREFIX_MATCH"
"""The only repository filter type of a replication rule (botocore ECR model, ``RepositoryFilterType``)."""

EVERY_REPOSITORY = ""
"""The prefix that stands for a rule without filters: it replicates every repository."""


@dataclass(frozen=True)
class Partition:
    """An AWS partition: the ARN prefix and the DNS suffix of its endpoints."""

    name: str
    dns_suffix: str


_PARTITIONS = (
    ("cn-", Partition("aws-cn", "amazonaws.com.cn")),
    ("us-gov-", Partition("aws-us-gov", "amazonaws.com")),
    ("us-iso-", Partition("aws-iso", "c2s.ic.gov")),
    ("us-isob-", Partition("aws-iso-b", "sc2s.sgov.gov")),
    ("us-isof-", Partition("aws-iso-f", "csp.hci.ic.gov")),
    ("eu-isoe-", Partition("aws-iso-e", "cloud.adc-e.uk")),
    ("eusc-", Partition("aws-eusc", "amazonaws.eu")),
)
"""Region name prefixes of the partitions other than ``aws`` (botocore's ``endpoints.json``, ``regionRegex``, and
``partitions.json``, ``dnsSuffix``; tests/component/test_regions.py compares them for every ECR region)."""


def partition_of(region: str) -> Partition:
    """The partition a region belongs to: China and GovCloud regions are partitions of their own."""
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return Partition("aws", "amazonaws.com")


@dataclass(frozen=True, order=True)
class Registry:
    """A private ECR registry: exactly one per account and region.

    It is also what a replication destination names: ``{"region": ..., "registryId": <account id>}``.
    """

    account_id: str
    region: str

    @property
    def partition(self) -> str:
        """The ARN partition (``aws``, ``aws-cn``, ``aws-us-gov``)."""
        return partition_of(self.region).name

    @property
    def host(self) -> str:
        """The registry's hostname, as image references use it (``<account>.dkr.ecr.<region>.<dns suffix>``)."""
        return f"{self.account_id}.dkr.ecr.{self.region}.{partition_of(self.region).dns_suffix}"

    @property
    def account_root_arn(self) -> str:
        """The principal ARN of the registry's whole account."""
        return account_root_arn(self.account_id, self.partition)

    def repository_arn(self, name_pattern: str) -> str:
        """The ARN of the repositories matching ``name_pattern`` (may end with ``*``) in this registry."""
        return f"arn:{self.partition}:ecr:{self.region}:{self.account_id}:repository/{name_pattern}"

    def as_api(self) -> dict[str, str]:
        """The registry as a replication destination in AWS JSON."""
        return {"region": self.region, "registryId": self.account_id}

    def __str__(self) -> str:
        """``<account>/<region>``: how every command and finding names a registry."""
        return f"{self.account_id}/{self.region}"


def account_root_arn(account_id: str, partition: str) -> str:
    """``arn:<partition>:iam::<account>:root``: the principal that stands for a whole account."""
    return f"arn:{partition}:iam::{account_id}:root"


REPLICATION_ROLE_NAME = "AWSServiceRoleForECRReplication"
REPLICATION_SERVICE = "replication.ecr.amazonaws.com"
"""The service-linked role ECR replicates as, and the service that assumes it (ECR user guide, "Amazon ECR
service-linked role for replication": "Amazon ECR uses a service-linked role named AWSServiceRoleForECRReplication
that allows Amazon ECR to replicate images across multiple accounts"; it trusts ``replication.ecr.amazonaws.com``).
The first ``PutReplicationConfiguration`` creates it in the source account."""


def replication_role_arn(account_id: str, partition: str) -> str:
    """The ARN of the role ECR replicates as out of ``account_id``: its service-linked role, whose path is
    ``/aws-service-role/<service principal>/`` (IAM user guide, "Using service-linked roles"; e.g.
    ``arn:aws:iam::123456789012:role/aws-service-role/replication.ecr.amazonaws.com/AWSServiceRoleForECRReplication``).
    A destination registry policy that denies this ARN denies replication, whatever it grants the account."""
    return f"arn:{partition}:iam::{account_id}:role/aws-service-role/{REPLICATION_SERVICE}/{REPLICATION_ROLE_NAME}"


def parse_registry(text: str) -> Registry | None:
    """A registry written ``<account>/<region>`` (how :class:`Registry` prints), or ``None``."""
    account, slash, region = text.partition("/")
    if not slash or not ACCOUNT_ID_PATTERN.match(account) or not region:
        return None
    return Registry(account, region)


def registry_of_host(host: str) -> Registry | None:
    """The registry a registry hostname (``<account>.dkr.ecr.<region>.<dns suffix>``) names, or ``None``."""
    parts = host.split(".")
    if len(parts) >= 5 and ACCOUNT_ID_PATTERN.match(parts[0]) and parts[1:3] == ["dkr", "ecr"]:
        return Registry(parts[0], parts[3])
    return None


def registry_of_arn(arn: str) -> Registry | None:
    """The registry an ECR ARN (``arn:<partition>:ecr:<region>:<account>:...``) lies in, or ``None``."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "ecr" and parts[3] and ACCOUNT_ID_PATTERN.match(parts[4]):
        return Registry(parts[4], parts[3])
    return None


def account_of_principal(principal: str) -> str | None:
    """The account an ``AWS`` principal belongs to: a bare account id, or any IAM or STS ARN in that account."""
    if ACCOUNT_ID_PATTERN.match(principal):
        return principal
    parts = principal.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] in ("iam", "sts") and ACCOUNT_ID_PATTERN.match(parts[4]):
        return parts[4]
    return None


def account_of_role(arn: str) -> str | None:
    """The account of an IAM role ARN (``arn:<partition>:iam::<account>:role/<path/name>``, IAM user guide, "IAM
    identifiers"); ``None`` for anything else, a principal that is not a role (a user, the root, an STS session)
    included."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[2] == "iam" and parts[5].startswith("role/"):
        return account_of_principal(arn)
    return None


ALLOWED_ACCOUNT_IDS, ASSUME_ROLES = "allowedAccountIds", "assumeRoles"
"""The aws provider inputs (engine names) that say which account it deploys into."""


@dataclass(frozen=True)
class DeploymentAccount:
    """The account an aws provider deploys into, as its configuration decides it, or why that can't be named (in
    words that repeat no value: a provider's settings may be secrets)."""

    account_id: str | None
    decided_by: str | None = None
    """:data:`ALLOWED_ACCOUNT_IDS` or :data:`ASSUME_ROLES`: the input the account comes from."""
    reason: str = ""
    """Why there is no account (empty when there is one)."""


def deployment_account(allowed_account_ids: Sequence[object], role_arns: Sequence[object]) -> DeploymentAccount:
    """The account a provider with these ``allowedAccountIds`` and assumed roles (its ``assumeRoles``, in order; an
    unreadable ARN as anything but a string) deploys into.

    * Roles are assumed in the order listed, each with the credentials of the one before (IAM user guide, "role
      chaining"; pulumi-aws 7 made ``assumeRole`` the list ``assumeRoles`` for it, pulumi/pulumi-aws#4459, #5563,
      after terraform-provider-aws#22728: "assume the roles in the order that they are listed"), so the identity
      that deploys is the *last* role's: its ARN's account.
    * ``allowedAccountIds`` is checked against that identity, and the provider refuses to run anywhere else
      (terraform-provider-aws, ``allowed_account_ids``). A single entry therefore names the account even when the
      last role's ARN can't be read; with several entries, the last role says which one.
    * When both are known and disagree, the provider can't run at all: no account, with the reason. An entry that
      is no 12-digit account id gives no account either: no account is guessed from a list that can't be right.
    """
    allowed = list(allowed_account_ids)
    if not all(isinstance(entry, str) and ACCOUNT_ID_PATTERN.match(entry) for entry in allowed):
        return DeploymentAccount(None, reason=f"an {ALLOWED_ACCOUNT_IDS} entry is no 12-digit account id")
    last = role_arns[-1] if role_arns else None
    role_account = account_of_principal(last) if isinstance(last, str) and last.startswith("arn:") else None
    if role_account is not None and allowed and role_account not in allowed:
        return DeploymentAccount(None, reason=f"the last assumed role is in an account {ALLOWED_ACCOUNT_IDS} doesn't "
                                              "allow, so the provider refuses to run")
    if len(allowed) == 1:
        return DeploymentAccount(allowed[0], ALLOWED_ACCOUNT_IDS)
    if role_account is not None:
        return DeploymentAccount(role_account, ASSUME_ROLES)
    if role_arns:
        return DeploymentAccount(None, reason="the last assumed role's ARN names no account")
    if allowed:
        return DeploymentAccount(None, reason=f"{ALLOWED_ACCOUNT_IDS} names {len(allowed)} accounts and no assumed "
                                              "role says which one")
    return DeploymentAccount(None, reason=f"neither {ALLOWED_ACCOUNT_IDS} nor {ASSUME_ROLES} names it")


@dataclass(frozen=True)
class Rule:
    """One replication rule: the destinations it copies to and the prefixes it copies (none: every repository).

    ``delete_replication`` is the rule's ``deleteReplication.enabled`` (deletions and tag removals replicate too).
    """

    destinations: tuple[Registry, ...]
    prefixes: tuple[str, ...] = ()
    delete_replication: bool = False

    def matches(self, repository: str) -> bool:
        """Whether the rule replicates ``repository``: ``PREFIX_MATCH`` is a plain string prefix."""
        return not self.prefixes or any(repository.startswith(prefix) for prefix in self.prefixes)

    def as_api(self) -> dict[str, Any]:
        """The rule in AWS JSON, as ``DescribeRegistry`` shows it (no filter list for a rule without filters)."""
        rule: dict[str, Any] = {"destinations": [d.as_api() for d in self.destinations]}
        if self.prefixes:
            rule["repositoryFilters"] = [{"filter": p, "filterType": PREFIX_MATCH} for p in self.prefixes]
        if self.delete_replication:
            rule["deleteReplication"] = {"enabled": True}
        return rule


class UnsupportedRuleError(ValueError):
    """A rule this package can't model: the message names the rule and what it holds."""


def rule_from_api(rule: Mapping[str, Any], number: int = 1) -> Rule:
    """A rule from AWS JSON. Raises :class:`UnsupportedRuleError` for a filter type other than ``PREFIX_MATCH``
    (ignoring it would widen the rule to every repository)."""
    prefixes = []
    for item in rule.get("repositoryFilters") or ():
        if item.get("filterType") != PREFIX_MATCH:
            raise UnsupportedRuleError(
                f"rule {number} has a {item.get('filterType')!r} filter {item.get('filter')!r}; "
                "only PREFIX_MATCH is modelled"
            )
        prefixes.append(str(item["filter"]))
    destinations = tuple(Registry(str(d["registryId"]), str(d["region"])) for d in rule.get("destinations") or ())
    delete = bool((rule.get("deleteReplication") or {}).get("enabled", False))
    return Rule(destinations, tuple(prefixes), delete)


def rules_from_api(configuration: Mapping[str, Any] | None) -> tuple[Rule, ...]:
    """The rules of a ``replicationConfiguration`` in AWS JSON (``{"rules": [...]}``); ``None`` has none."""
    return tuple(rule_from_api(rule, number) for number, rule in enumerate((configuration or {}).get("rules") or (), 1))


def minimal_prefixes(prefixes: Iterable[str]) -> frozenset[str]:
    """The prefixes that no other prefix of the set already covers (``prod`` covers ``prod/``; ``""`` covers all)."""
    ordered = sorted(set(prefixes), key=len)
    kept: list[str] = []
    for prefix in ordered:
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return frozenset(kept)


# Registry scanning filters (``WILDCARD``, the only ``ScanningRepositoryFilterType``) match repository names as the
# ECR user guide says ("Filters to choose which repositories are scanned in Amazon ECR",
# https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-filters.html): a filter with no wildcard
# matches every repository name that contains it; a filter with `*` matches a name where each `*` stands for zero
# or more characters. Unlike IAM's glob, `prod` matches `repo-prod`; `prod*` doesn't.


def _as_wildcard(scanning_filter: str) -> str:
    """The filter as a whole-name wildcard pattern: one without ``*`` matches wherever it is contained."""
    return scanning_filter if "*" in scanning_filter else f"*{scanning_filter}*"


@lru_cache(maxsize=256)
def _scanning_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def scanning_filter_matches(scanning_filter: str, repository: str) -> bool:
    """Whether a registry scanning filter matches the repository name ``repository`` (rule above)."""
    return _scanning_regex(_as_wildcard(scanning_filter)).fullmatch(repository) is not None


def scanning_filter_covers(scanning_filter: str, prefix: str) -> bool:
    """Whether a registry scanning filter matches every repository whose name starts with ``prefix`` (a
    replicated prefix; ``""`` for every repository).

    A pattern matches every continuation of ``prefix`` exactly when it ends with ``*`` and matches ``prefix``
    itself: that ``*`` absorbs any continuation, and a pattern ending in a literal can't end both ``...a`` and
    ``...b``. A filter without ``*`` is ``*filter*``, so it covers the prefix exactly when the prefix contains it.
    """
    pattern = _as_wildcard(scanning_filter)
    return pattern.endswith("*") and _scanning_regex(pattern).fullmatch(prefix) is not None


def replicated_prefixes(rules: Iterable[Rule]) -> dict[Registry, frozenset[str]]:
    """What each destination receives, whatever the rule layout: its minimal set of replicated prefixes.

    Two configurations replicate the same images exactly when these are equal: one destination listed in two
    rules with different filters receives the same as one rule with both filters.
    """
    by_destination: dict[Registry, set[str]] = {}
    for rule in rules:
        for destination in rule.destinations:
            by_destination.setdefault(destination, set()).update(rule.prefixes or (EVERY_REPOSITORY,))
    return {destination: minimal_prefixes(prefixes) for destination, prefixes in by_destination.items()}


@dataclass(frozen=True)
class ReplicationDifference:
    """How one destination fares in one configuration against another, by coverage: ``missing`` are the other's
    prefixes this one doesn't replicate to it (no prefix of its covers them), ``extra`` are this one's prefixes the
    other doesn't cover (``""`` is every repository)."""

    destination: Registry
    missing: frozenset[str]
    extra: frozenset[str]

    def __str__(self) -> str:
        def named(prefixes: frozenset[str]) -> str:
            return ", ".join("every repository" if p == EVERY_REPOSITORY else repr(p) for p in sorted(prefixes))

        parts = [f"does not receive {named(self.missing)}"] if self.missing else []
        parts += [f"also receives {named(self.extra)}"] if self.extra else []
        return f"{self.destination} " + " and ".join(parts)


def replication_differences(rules: Iterable[Rule], against: Iterable[Rule]) -> list[ReplicationDifference]:
    """Every destination that ``rules`` replicate to other than ``against`` do, whatever the rule layouts."""
    have, want = replicated_prefixes(rules), replicated_prefixes(against)
    differences = []
    for destination in sorted(set(have) | set(want)):
        mine, theirs = have.get(destination, frozenset()), want.get(destination, frozenset())
        missing = frozenset(p for p in theirs if not any(p.startswith(q) for q in mine))
        extra = frozenset(p for p in mine if not any(p.startswith(q) for q in theirs))
        if missing or extra:
            differences.append(ReplicationDifference(destination, missing, extra))
    return differences


def rule_layout(rules: Iterable[Rule]) -> list[tuple[tuple[Registry, ...], tuple[str, ...]]]:
    """Rules as an order-free value: which destinations share which filters (equal for the same rules listed in
    another order, or with their destinations or filters in another order)."""
    return sorted((tuple(sorted(r.destinations)), tuple(sorted(r.prefixes))) for r in rules)


def destinations_of(rules: Iterable[Rule], repository: str | None = None) -> list[Registry]:
    """The distinct destinations of ``rules`` (only those replicating ``repository`` when given), sorted."""
    return sorted({d for rule in rules if repository is None or rule.matches(repository) for d in rule.destinations})


def canonical_json(document: Any) -> str:
    """A document serialized canonically: sorted keys, no insignificant white space (same input, same bytes)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))
