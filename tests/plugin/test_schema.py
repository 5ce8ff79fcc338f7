"""The schema other languages' SDKs are generated from, inferred in-process from the component's hints and docstrings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib import metadata
from typing import Any

import pytest

from replication import plugin

TOKEN = "ecr-replication:index:EcrReplication"
DESTINATION = "ecr-replication:index:ReplicationDestinationArgs"
SETTINGS = "ecr-replication:index:RepositorySettingsArgs"
SPOKE = "ecr-replication:index:PullThroughDestinationArgs"
AWS_VERSION = metadata.version("pulumi-aws")
AWS_PROVIDER_REF = f"/aws/v{AWS_VERSION}/schema.json#/resources/pulumi:providers:aws"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema inferred in this process, as the plugin would serve it."""
    return plugin.inferred_schema()


def properties(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every (owner, name, property) of the component's inputs and outputs and of the named types."""
    resource = schema["resources"][TOKEN]
    for owner, props in [("inputs", resource["inputProperties"]), ("outputs", resource["properties"])]:
        for name, prop in props.items():
            yield owner, name, prop
    for token, type_ in schema["types"].items():
        for name, prop in type_.get("properties", {}).items():
            yield token, name, prop


def test_package_name_and_version_are_the_distribution_s(schema: dict[str, Any]) -> None:
    assert schema["name"] == "ecr-replication"
    assert schema["version"] == plugin.package_version() == metadata.version("pulumi-ecr-replication")
    assert schema["dependencies"] == [{"name": "aws", "version": AWS_VERSION}]


def test_component_inputs_outputs_and_required(schema: dict[str, Any]) -> None:
    resource = schema["resources"][TOKEN]
    assert resource["isComponent"] is True
    assert set(resource["inputProperties"]) == {
        "sourceProvider",
        "destinations",
        "repositoryPrefixes",
        "sourceAccountId",
        "sourceRegion",
        "repositorySettings",
        "adoptExisting",
        "pullThroughDestinations",
        "manageSourceRegistryPolicy",
        "sourceRegistryPolicyStatements",
    }
    assert resource["requiredInputs"] == ["destinations", "sourceProvider"]
    assert set(resource["properties"]) == {
        "sourceRegistry",
        "destinationRegistries",
        "replicationRules",
        "registryPolicies",
        "pullThroughRegistries",
    }
    assert resource["required"] == sorted(resource["properties"])
    assert schema["types"][DESTINATION]["required"] == ["provider"]
    assert schema["types"][SPOKE]["required"] == ["provider"]
    assert set(schema["types"][SPOKE]["properties"]) == {"provider", "regions", "accountId", "upstream",
                                                         "repositorySettings"}
    assert "required" not in schema["types"][SETTINGS]


def test_providers_are_references_to_the_aws_provider_resource(schema: dict[str, Any]) -> None:
    inputs = schema["resources"][TOKEN]["inputProperties"]
    assert inputs["sourceProvider"]["$ref"] == AWS_PROVIDER_REF
    assert schema["types"][DESTINATION]["properties"]["provider"]["$ref"] == AWS_PROVIDER_REF
    assert schema["types"][SPOKE]["properties"]["provider"]["$ref"] == AWS_PROVIDER_REF


def test_nested_args_are_named_types(schema: dict[str, Any]) -> None:
    inputs = schema["resources"][TOKEN]["inputProperties"]
    assert inputs["destinations"]["type"] == "array"
    assert inputs["destinations"]["items"]["$ref"] == f"#/types/{DESTINATION}"
    assert inputs["repositorySettings"]["$ref"] == f"#/types/{SETTINGS}"
    assert schema["types"][DESTINATION]["properties"]["repositorySettings"]["$ref"] == f"#/types/{SETTINGS}"
    assert inputs["pullThroughDestinations"]["items"]["$ref"] == f"#/types/{SPOKE}"
    assert schema["types"][SPOKE]["properties"]["repositorySettings"]["$ref"] == f"#/types/{SETTINGS}"
    assert set(schema["types"]) == {DESTINATION, SETTINGS, SPOKE}


def test_values_that_decide_the_resources_are_plain_and_the_rest_accept_outputs(schema: dict[str, Any]) -> None:
    inputs = schema["resources"][TOKEN]["inputProperties"]
    assert inputs["destinations"]["plain"] is True
    assert inputs["repositoryPrefixes"]["plain"] is True
    assert "plain" not in inputs["sourceAccountId"]
    destination = schema["types"][DESTINATION]["properties"]
    assert destination["regions"]["plain"] is True
    assert "plain" not in destination["accountId"]
    spoke = schema["types"][SPOKE]["properties"]
    assert inputs["pullThroughDestinations"]["plain"] is True
    assert spoke["regions"]["plain"] is True and spoke["upstream"]["plain"] is True
    assert "plain" not in spoke["accountId"]


def test_types_of_the_values(schema: dict[str, Any]) -> None:
    settings = schema["types"][SETTINGS]["properties"]
    assert settings["keepLastImages"]["type"] == "integer"
    assert settings["scanOnPush"]["type"] == "boolean"
    assert settings["tags"]["type"] == "object"
    assert settings["tags"]["additionalProperties"]["type"] == "string"
    outputs = schema["resources"][TOKEN]["properties"]
    assert outputs["destinationRegistries"]["items"]["type"] == "string"
    assert outputs["registryPolicies"]["additionalProperties"]["type"] == "string"


def test_every_name_is_camel_case(schema: dict[str, Any]) -> None:
    names = [name for _, name, _ in properties(schema)]
    assert names and all(re.fullmatch(r"[a-z][a-zA-Z0-9]*", name) for name in names), names


def test_every_property_and_type_has_a_description(schema: dict[str, Any]) -> None:
    missing = [f"{owner}.{name}" for owner, name, prop in properties(schema) if not prop.get("description")]
    assert missing == []
    assert schema["resources"][TOKEN]["description"].startswith("Amazon ECR replication")
    assert all(type_.get("description") for type_ in schema["types"].values())


def test_descriptions_read_well_in_every_language(schema: dict[str, Any]) -> None:
    """No Python-only names (other languages spell them camelCase) and no blank line followed by an indented
    line, which Markdown and Go doc comments turn into a code block."""
    descriptions = [prop["description"] for _, _, prop in properties(schema)]
    descriptions += [schema["resources"][TOKEN]["description"]]
    descriptions += [type_["description"] for type_ in schema["types"].values()]
    assert re.findall(r"`([a-z0-9]+(?:_[a-z0-9]+)+)`", "\n".join(descriptions)) == []
    assert [d for d in descriptions if re.search(r"\n[ \t]*\n[ \t]+\S", d)] == []


def test_committed_schema_is_the_inferred_one(schema: dict[str, Any]) -> None:
    """`make schema` regenerates provider/schema.json; a newer pulumi-aws only changes its version in it."""
    committed = json.loads(plugin.SCHEMA_FILE.read_text())
    committed_aws = next(d["version"] for d in committed["dependencies"] if d["name"] == "aws")
    expected = json.loads(plugin.schema_text(schema).replace(f"{AWS_VERSION}", committed_aws))
    assert committed == expected, "provider/schema.json is stale: run `make schema`"
    assert plugin.SCHEMA_FILE.read_text() == plugin.schema_text(committed)
