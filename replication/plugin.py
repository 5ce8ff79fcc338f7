"""The component package served to other Pulumi languages: its name, version, components and schema.

``provider/__main__.py`` hosts :data:`COMPONENTS` (:func:`host`); the schema it serves is inferred from the args
``TypedDict``s, the output annotations and their docstrings, and inputs are checked by name against the same
``TypedDict``s. ``python -m
replication.plugin [FILE]`` writes that schema (pretty-printed, keys sorted) to ``provider/schema.json``.
"""

import argparse
import json
import sys
import tomllib
import typing
from importlib import metadata
from pathlib import Path
from typing import Any

import pulumi
from pulumi.errors import InputPropertiesError
from pulumi.provider import main as serve_provider
from pulumi.provider.experimental.analyzer import ComponentDefinition
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.util import camel_case

from replication.argument_names import unknown_arguments
from replication.component import EcrReplication

PACKAGE_NAME = "ecr-replication"
"""The Pulumi package name: the first part of every type token, and the name `pulumi package add` gives."""

DISTRIBUTION = "pulumi-ecr-replication"
"""The Python distribution that holds the component."""

COMPONENTS: list[type[pulumi.ComponentResource]] = [EcrReplication]
"""The components the package serves."""

ROOT = Path(__file__).resolve().parent.parent
"""The repository root when running from a checkout."""

SCHEMA_FILE = ROOT / "provider" / "schema.json"
"""The committed copy of the inferred schema."""


def package_version() -> str:
    """The installed distribution's version, or the checkout's ``pyproject.toml`` version when not installed."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        with (ROOT / "pyproject.toml").open("rb") as pyproject:
            return str(tomllib.load(pyproject)["project"]["version"])


class ReplicationComponentProvider(ComponentProvider):
    """The SDK's component provider, refusing inputs the component doesn't declare.

    The SDK maps the inputs the inferred schema declares to the args and drops any other, so a misspelled input of
    a TypeScript, Go, C# or YAML program would be ignored. Each component's inputs are checked by name first, with
    the rule Python programs get (``replication.argument_names``, from the same ``TypedDict`` declarations, in the
    schema's camelCase): the engine shows each unknown input's path and the closest declared name.
    """

    def map_inputs(self, inputs: pulumi.Inputs, component_def: ComponentDefinition) -> pulumi.Inputs:
        """Refuse unknown inputs, then map the rest as the SDK does."""
        component = next(c for c in COMPONENTS if c.__name__ == component_def.name)
        args_type = typing.get_type_hints(component.__init__)["args"]
        unknown = unknown_arguments(inputs, args_type, camel_case)
        if unknown:
            raise InputPropertiesError(
                f"{component_def.name} has no input named {', '.join(u.path for u in unknown)}",
                [{"property_path": u.path, "reason": u.problem} for u in unknown],
            )
        return super().map_inputs(inputs, component_def)


def component_provider() -> ReplicationComponentProvider:
    """The provider that serves :data:`COMPONENTS`."""
    return ReplicationComponentProvider(COMPONENTS, PACKAGE_NAME, version=package_version())


def host(argv: list[str] | None = None) -> None:
    """Serve the components over gRPC, as ``pulumi.provider.experimental.component_provider_host`` does (its
    arguments are the language host's: the engine's address and flags)."""
    serve_provider(component_provider(), sys.argv[1:] if argv is None else argv)


def inferred_schema() -> dict[str, Any]:
    """The package schema exactly as the plugin serves it from ``GetSchema``."""
    return json.loads(component_provider().schema or "{}")


def schema_text(schema: dict[str, Any]) -> str:
    """``schema`` as committed: two-space indents, sorted keys, a final newline."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Write the inferred schema to a file (default: ``provider/schema.json``)."""
    parser = argparse.ArgumentParser(prog="python -m replication.plugin", description=main.__doc__)
    parser.add_argument("file", nargs="?", type=Path, default=SCHEMA_FILE)
    target: Path = parser.parse_args(argv).file
    target.write_text(schema_text(inferred_schema()))


if __name__ == "__main__":
    main()
