"""Arguments are checked by name at every level (issue 19, item 4): a TypedDict accepts any key at run time, so a
misspelled argument would silently mean something else. Other languages get the same check through the plugin
(``tests/plugin/test_plugin_process.py``)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.provider.experimental.util import camel_case

from replication import EcrReplicationArgs, PullThroughDestinationArgs, ReplicationDestinationArgs
from replication.argument_names import unknown_arguments
from tests.component.helpers import rejected_before_any_resource
from tests.conftest import DEST_ACCOUNT, SOURCE_ACCOUNT


def args(src: aws.Provider, dst: aws.Provider, destination: dict[str, Any] | None = None, **fields: Any) -> Any:
    return EcrReplicationArgs(
        source_provider=src, source_account_id=SOURCE_ACCOUNT, source_region="us-east-1",
        destinations=[ReplicationDestinationArgs(provider=dst, account_id=DEST_ACCOUNT, regions=["us-west-2"],
                                                 **(destination or {}))],
        **fields,
    )


CASES = {
    "a top-level argument": (
        lambda s, d: args(s, d, repository_prefix=["prod/"]),
        "repository_prefix", ["prod/"], "EcrReplicationArgs has no argument of this name; did you mean 'repository_prefixes'?",
    ),
    "a destination argument": (
        lambda s, d: args(s, d, {"manage_registry_policies": False}),
        "destinations[0].manage_registry_policies", False,
        "ReplicationDestinationArgs has no argument of this name; did you mean 'manage_registry_policy'?",
    ),
    "a repository setting": (
        lambda s, d: args(s, d, repository_settings={"scan_on_pushes": True}),
        "repository_settings.scan_on_pushes", True, "did you mean 'scan_on_push'?",
    ),
    "a pull-through spoke argument": (
        lambda s, d: args(s, d, pull_through_destinations=[PullThroughDestinationArgs(  # type: ignore[typeddict-unknown-key]
            provider=d, account_id="444444444444", regions=["ap-south-1"], upstreams="222222222222/us-west-2")]),
        "pull_through_destinations[0].upstreams", "222222222222/us-west-2",
        "PullThroughDestinationArgs has no argument of this name; did you mean 'upstream'?",
    ),
    "a name nothing resembles": (
        lambda s, d: args(s, d, {"zzz": 1}),
        "destinations[0].zzz", 1, "its arguments are account_id, manage_registry_policy, provider,",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_misspelled_argument_is_refused_before_any_resource(case: str) -> None:
    build, field, value, problem = CASES[case]
    error = rejected_before_any_resource(build)
    assert (error.field, error.value) == (field, value)
    assert problem in error.problem


class Inner(TypedDict):
    """A nested args type, declared nowhere else."""

    prefix: NotRequired[str]


class Outer(TypedDict):
    """Args holding nested args directly, as a list, and as a list inside ``pulumi.Input``."""

    one: NotRequired[Inner]
    many: NotRequired[list[Inner]]
    inputs: NotRequired[pulumi.Input[list[Inner]]]
    plain: NotRequired[dict[str, Any]]


def test_every_args_typed_dict_is_covered_from_its_declaration_alone() -> None:
    """Nothing lists the args types: a new TypedDict used in a field's type is checked as soon as it is declared."""
    given = {"one": {"prefx": "a"}, "many": [{"prefix": "a"}, {"prefixes": "b"}], "inputs": [{"refix": "c"}],
             "plain": {"anything": 1}}
    found = [(u.path, u.suggestion) for u in unknown_arguments(given, Outer)]
    assert found == [("one.prefx", "prefix"), ("many[1].prefixes", "prefix"), ("inputs[0].refix", "prefix")]


def test_other_languages_get_the_names_of_the_schema() -> None:
    found = unknown_arguments({"destinations": [{"manageRegistryPolicies": False}]}, EcrReplicationArgs, camel_case)
    assert [(u.path, u.problem) for u in found] == [
        ("destinations[0].manageRegistryPolicies",
         "ReplicationDestinationArgs has no argument of this name; did you mean 'manageRegistryPolicy'?")]
