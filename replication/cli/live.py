"""Reading a source registry's live replication configuration, and the repositories its rules match."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from replication.cli.aws_errors import translated_errors
from replication.cli.errors import CliError
from replication.cli.sessions import AccountSession
from replication.ecr_semantics import Registry, Rule, UnsupportedRuleError, rules_from_api


def source_registry(session: AccountSession) -> Registry:
    """The registry the source session reads: its verified account in its region."""
    return Registry(session.account_id, str(session.region))


def read_rules(session: AccountSession) -> tuple[Rule, ...]:
    """The source registry's live replication rules (``DescribeRegistry``); none when it has no configuration.
    ``CliError`` when it can't be read (caused by the botocore error) or holds a rule this package can't model
    (caused by the ``UnsupportedRuleError``)."""
    with translated_errors(session.account_id, "ecr"):
        response = session.client("ecr").describe_registry()
    try:
        return rules_from_api(response.get("replicationConfiguration"))
    except UnsupportedRuleError as error:
        raise CliError(f"registry {source_registry(session)}: {error}") from error


def read_live_rules(session: AccountSession) -> tuple[Rule, ...]:
    """The source registry's live replication rules; ``CliError`` when it has no replication configuration."""
    rules = read_rules(session)
    if not rules:
        raise CliError(f"registry {source_registry(session)} has no replication configuration; "
                       "deploy the EcrReplication component (pulumi up) first")
    return rules


def matched_repositories(session: AccountSession, rules: Sequence[Rule]) -> Iterator[str]:
    """Names of the source repositories some rule replicates, listed page by page."""
    with translated_errors(session.account_id, "ecr"):
        for page in session.client("ecr").get_paginator("describe_repositories").paginate():
            for repository in page["repositories"]:
                if any(rule.matches(repository["repositoryName"]) for rule in rules):
                    yield repository["repositoryName"]
