"""From live state to stack config (``replication.stack.importer``) and its YAML (``replication.stack.writer``):
what is declared, how destinations are grouped, what is refused, and the same bytes for the same live state."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import yaml

from replication.ecr_semantics import Registry
from replication.stack.importer import LiveRegistry, LiveSetup, config_from_live
from replication.stack.writer import stack_file_text
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT, THIRD_ACCOUNT

SOURCE = Registry(SOURCE_ACCOUNT, "us-east-1")
WEST, EU = Registry(DEST_ACCOUNT, "us-west-2"), Registry(DEST_ACCOUNT, "eu-west-1")
BASIC: dict[str, Any] = {"scanType": "BASIC", "rules": []}


def rule(destinations: list[Registry], *prefixes: str, filter_type: str = "PREFIX_MATCH") -> dict[str, Any]:
    found: dict[str, Any] = {"destinations": [d.as_api() for d in destinations]}
    if prefixes:
        found["repositoryFilters"] = [{"filter": p, "filterType": filter_type} for p in prefixes]
    return found


def grant(registry: Registry, sid: str, principal: str = SOURCE_ACCOUNT) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}, "Action": "ecr:ReplicateImage",
            "Resource": registry.repository_arn("*")}


def registry(where: Registry, *statements: dict[str, Any], templates: tuple[dict[str, Any], ...] = (),
             scanning: dict[str, Any] = BASIC) -> LiveRegistry:
    text = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}) if statements else None
    return LiveRegistry(where, text, templates, scanning)


def template(prefix: str, mutability: str = "IMMUTABLE") -> dict[str, Any]:
    return {"prefix": prefix, "appliedFor": ["REPLICATION"], "imageTagMutability": mutability,
            "encryptionConfiguration": {"encryptionType": "AES256"}}


def test_regions_of_an_account_share_an_entry_only_when_their_statements_agree() -> None:
    """Statements name their own region's ARNs, so each cross-account region is an entry of its own; a
    same-account destination has no registry policy, so its regions share one. Live order is kept."""
    same_west, same_eu = Registry(SOURCE_ACCOUNT, "us-west-2"), Registry(SOURCE_ACCOUNT, "eu-west-1")
    live = LiveSetup(SOURCE, (rule([WEST, same_west, EU, same_eu], "prod/"),), (
        registry(WEST, grant(WEST, "a")), registry(EU, grant(EU, "a")), registry(same_west), registry(same_eu)))
    imported = config_from_live(live)
    assert imported.refusals == ()
    assert imported.values["destinations"] == [
        {"accountId": DEST_ACCOUNT, "regions": ["us-west-2"], "registryPolicyStatements": [grant(WEST, "a")]},
        {"accountId": SOURCE_ACCOUNT, "regions": ["us-west-2", "eu-west-1"]},
        {"accountId": DEST_ACCOUNT, "regions": ["eu-west-1"], "registryPolicyStatements": [grant(EU, "a")]},
    ]
    assert imported.entries == ((WEST,), (Registry(SOURCE_ACCOUNT, "us-west-2"), Registry(SOURCE_ACCOUNT, "eu-west-1")),
                                (EU,))
    assert imported.values["repositoryPrefixes"] == ["prod/"]


def test_what_each_destination_receives_not_the_rule_layout() -> None:
    """WEST in two rules receives prod/ and shared/; EU only shared/: per-entry prefixes, none at the top level.
    `prod` covers `prod-api` and `prod/`, so only `prod` is declared."""
    live = LiveSetup(SOURCE, (rule([WEST], "prod", "prod/"), rule([WEST, EU], "shared/")),
                     (registry(WEST, grant(WEST, "a")), registry(EU, grant(WEST, "a"))))
    values = config_from_live(live).values
    assert [(e["regions"], e["repositoryPrefixes"]) for e in values["destinations"]] == [
        (["us-west-2"], ["prod", "shared/"]), (["eu-west-1"], ["shared/"])]
    assert "repositoryPrefixes" not in values


def test_the_components_own_statement_is_not_repeated() -> None:
    """A statement with the component's Sid is the component's to write (the offline comparison checks it is
    the same); every other statement is kept, in order."""
    live = LiveSetup(SOURCE, (rule([WEST]),), (registry(
        WEST, grant(WEST, "b"), grant(WEST, "AllowEcrReplicationFromSourceAccount"), grant(WEST, "a", THIRD_ACCOUNT)),))
    [entry] = config_from_live(live).values["destinations"]
    assert entry["registryPolicyStatements"] == [grant(WEST, "b"), grant(WEST, "a", THIRD_ACCOUNT)]


def test_a_deny_guard_naming_everyone_is_adopted() -> None:
    """A Deny for "*" (or NotPrincipal) narrows access: the component keeps it, so import declares it."""
    guards = [{"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "ecr:DeleteRepository",
               "Resource": WEST.repository_arn("*")},
              {"Sid": "OnlyOurs", "Effect": "Deny", "NotPrincipal": {"AWS": [SOURCE_ACCOUNT, THIRD_ACCOUNT]},
               "Action": "ecr:BatchGetImage", "Resource": WEST.repository_arn("*")}]
    imported = config_from_live(LiveSetup(SOURCE, (rule([WEST], "prod/"),), (registry(WEST, grant(WEST, "a"), *guards),)))
    assert imported.refusals == ()
    assert imported.values["destinations"][0]["registryPolicyStatements"] == [grant(WEST, "a"), *guards]


OPEN_PULLS = {"Sid": "Pulls", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
              "Condition": {"Bool": {"aws:SecureTransport": "true"}}}


@pytest.mark.parametrize(
    ("rules", "registries", "refusal"),
    [
        ((rule([WEST], "prod/", filter_type="EXACT_MATCH"),), (registry(WEST, grant(WEST, "a")),),
         "registry 111111111111/us-east-1: rule 1 has a 'EXACT_MATCH' filter 'prod/'; only PREFIX_MATCH is modelled "
         "(the component declares PREFIX_MATCH filters only)"),
        ((rule([WEST], "prod/"),), (registry(WEST, grant(WEST, "a"), templates=(template("prod"), template("shared"))),),
         None),
        ((rule([WEST], "prod/", "shared/"),),
         (registry(WEST, grant(WEST, "a"), templates=(template("prod"), template("shared", "MUTABLE"))),),
         "registry 222222222222/us-west-2: its replication templates set different repository settings (prod: "
         "IMMUTABLE; shared: MUTABLE); the component applies one set of settings to every replicated prefix of a "
         "registry"),
        ((rule([WEST], "prod"),), (registry(WEST, grant(WEST, "a"), templates=(template("prod"),)),),
         "registry 222222222222/us-west-2: the replicated prefixes (prod) need creation templates ROOT as well, "
         "which don't exist: the component's settings would reach repositories that live replication creates with "
         "the defaults"),
        ((), (), "registry 111111111111/us-east-1 has no replication configuration: there is nothing to adopt"),
        ((rule([WEST], "prod/"),), (registry(WEST, {**grant(WEST, "x"), "Principal": {"AWS": ["*"]}}),),
         "registry 222222222222/us-west-2: registry policy statement x: an Allow for the '*' principal opens the "
         "registry to every AWS account; name the accounts, e.g. {\"AWS\": \"arn:aws:iam::<account>:root\"}"),
        ((rule([WEST], "prod/"),), (registry(WEST, grant(WEST, "a"), {
            "Sid": "AllButOne", "Effect": "Allow", "NotPrincipal": {"AWS": THIRD_ACCOUNT},
            "Action": "ecr:BatchGetImage", "Resource": WEST.repository_arn("*")}),),
         "registry 222222222222/us-west-2: registry policy statement AllButOne: an Allow with NotPrincipal grants "
         "every principal except those it names (IAM supports NotPrincipal only with Deny); name the principals in "
         "Principal"),
        ((rule([WEST], "prod/"),), (registry(WEST, grant(WEST, "a"), {**grant(WEST, "Svc"), "Principal": {
            "Service": "ecr.amazonaws.com"}}),),
         "registry 222222222222/us-west-2: registry policy statement Svc: a registry policy may allow only AWS "
         "accounts (account ids or IAM ARNs in them); this Allow names Service"),
        ((rule([WEST], "prod/"),), (registry(WEST, grant(WEST, "a"), templates=(
            {**template("prod"), "repositoryPolicy": json.dumps({"Statement": [OPEN_PULLS]})},)),),
         "registry 222222222222/us-west-2: creation template prod has a repository policy the component rejects: "
         "repositoryPolicy.Statement[0].Principal: an Allow for the '*' principal opens the repositories to every "
         "AWS account unless a "
         "Condition lets only your principals through: StringEquals or StringLike on aws:PrincipalOrgID, "
         "aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:PrincipalArn, naming your organization, accounts or roles"),
    ],
    ids=["filter type", "a template for no replicated prefix", "templates differing by prefix",
         "a prefix needing ROOT", "no replication", "wildcard principal", "all but one account", "a service",
         "a template's open repository policy"],
)
def test_refusals(rules: tuple[dict[str, Any], ...], registries: tuple[LiveRegistry, ...], refusal: str | None) -> None:
    imported = config_from_live(LiveSetup(SOURCE, rules, registries))
    if refusal is None:
        assert imported.refusals == ()
        assert imported.notes == (f"registry {WEST}: creation template shared (REPLICATION) is for no replicated "
                                  "prefix: the stack leaves it as it is",)
        assert imported.values["repositorySettings"] == {"imageTagMutability": "IMMUTABLE", "encryptionType": "AES256"}
    else:
        assert imported.refusals == (refusal,)
        assert imported.values == {}


def test_the_written_stack_reads_back_as_written() -> None:
    """Account ids with a leading zero, strings YAML would read as booleans, JSON documents: all come back as the
    same strings; a key the schema doesn't declare can't be written."""
    values = {"source": {"accountId": "011111111111", "region": "us-east-1"},
              "destinations": [{"accountId": "022222222222", "regions": ["us-west-2"],
                                "repositorySettings": {"tags": {"on": "true", "n": "1"},
                                                       "repositoryPolicy": '{"Statement":[{"Sid":"it\'s"}]}'}}],
              "adopt": True}
    assert yaml.safe_load(stack_file_text(values))["config"] == {
        "pulumi:disable-default-providers": ["aws"], **{f"ecr-replication:{k}": v for k, v in values.items()}}
    with pytest.raises(ValueError, match="not in the stack schema: repositoryPrefix"):
        stack_file_text({**values, "repositoryPrefix": ["prod/"]})
    with pytest.raises(ValueError, match="not in the stack schema: region"):
        stack_file_text({**values, "destinations": [{"accountId": "022222222222", "region": "us-west-2"}]})


WRITE_IN_A_NEW_PROCESS = """
import json, sys
from replication.ecr_semantics import Registry
from replication.stack.importer import LiveRegistry, LiveSetup, config_from_live
from replication.stack.writer import stack_file_text
live = json.loads(sys.stdin.read())
registries = tuple(LiveRegistry(Registry(*r["registry"]), r["policy"], tuple(r["templates"]), r["scanning"])
                   for r in live["registries"])
imported = config_from_live(LiveSetup(Registry(*live["source"]), tuple(live["rules"]), registries))
sys.stdout.write(stack_file_text(imported.values))
"""


def test_the_same_live_state_gives_the_same_bytes_whatever_the_hash_seed() -> None:
    """Sets of prefixes and registries are involved on the way (replicated_prefixes): the output must not depend
    on their iteration order, which changes with PYTHONHASHSEED from one process to the next."""
    regions = ["us-west-2", "eu-west-1", "ap-south-1", "eu-central-1", "ca-central-1"]
    destinations = [Registry(account, region) for account in (DEST_ACCOUNT, THIRD_ACCOUNT) for region in regions]
    prefixes = [f"team-{n}/" for n in range(12)]
    live = {
        "source": [SOURCE_ACCOUNT, "us-east-1"],
        "rules": [rule(destinations[:6], *prefixes[:8]), rule(destinations[4:], *prefixes[5:])],
        "registries": [{"registry": [d.account_id, d.region], "policy": json.dumps({"Statement": [grant(d, "a")]}),
                        "templates": [template(p[:-1]) for p in prefixes], "scanning": BASIC} for d in destinations],
    }
    outputs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", WRITE_IN_A_NEW_PROCESS], input=json.dumps(live), text=True,
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, timeout=60)
        outputs.add(done.stdout)
    [text] = outputs
    assert "team-11/" in text
