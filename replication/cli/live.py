"""Reading a source registry's live replication configuration and the repositories its rules match."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from replication.cli.sessions import Clients, translated_errors
from replication.cli.errors import CliError


@dataclass(frozen=True, order=True)
class Destination:
    """One replication destination: a registry (account id) in a region."""

    region: str
    registry_id: str

    def __str__(self) -> str:
        """``REGION:ACCOUNT``, the form ``--destination`` accepts."""
        return f"{self.region}:{self.registry_id}"

    def as_api(self) -> dict[str, str]:
        """The AWS JSON shape ``{"region", "registryId"}``."""
        return {"region": self.region, "registryId": self.registry_id}


@dataclass(frozen=True)
class Rule:
    """One replication rule: where to copy, and which repository-name prefixes (none means every repository)."""

    destinations: tuple[Destination, ...]
    prefixes: tuple[str, ...]

    def matches(self, repository: str) -> bool:
        """Whether the rule replicates ``repository``: PREFIX_MATCH is a plain string prefix."""
        return not self.prefixes or any(repository.startswith(prefix) for prefix in self.prefixes)


def parse_rules(configuration: dict[str, Any] | None) -> list[Rule]:
    """Rules from the AWS JSON ``replicationConfiguration`` (``{"rules": [...]}``); ``None`` gives none."""
    return [
        Rule(
            destinations=tuple(Destination(d["region"], d["registryId"]) for d in rule.get("destinations", [])),
            prefixes=tuple(f["filter"] for f in rule.get("repositoryFilters", []) if f.get("filterType") == "PREFIX_MATCH"),
        )
        for rule in (configuration or {}).get("rules", [])
    ]


def destinations_of(rules: Iterable[Rule], repository: str | None = None) -> list[Destination]:
    """The distinct destinations of ``rules`` (only those replicating ``repository`` when given), sorted."""
    return sorted({d for rule in rules if repository is None or rule.matches(repository) for d in rule.destinations})


def read_live_rules(clients: Clients) -> list[Rule]:
    """The source registry's replication rules; also records the registry (account) id on ``clients``.

    Raises ``CliError`` when the registry has no replication configuration.
    """
    with translated_errors(clients.account, "ecr"):
        response = clients.client("ecr").describe_registry()
    clients.account = response["registryId"]
    rules = parse_rules(response.get("replicationConfiguration"))
    if not rules:
        raise CliError(
            f"registry {clients.account} in {clients.default_region} has no replication configuration; "
            "deploy the EcrReplication component (pulumi up) first"
        )
    return rules


def matched_repositories(clients: Clients, rules: list[Rule]) -> Iterator[str]:
    """Names of the source repositories some rule replicates, listed page by page."""
    with translated_errors(clients.account, "ecr"):
        for page in clients.client("ecr").get_paginator("describe_repositories").paginate():
            for repository in page["repositories"]:
                if any(rule.matches(repository["repositoryName"]) for rule in rules):
                    yield repository["repositoryName"]
