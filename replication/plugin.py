"""The component package served to other Pulumi languages: its name, version, components and schema.

``provider/__main__.py`` hosts :data:`COMPONENTS` with ``component_provider_host``; the schema it serves is
inferred from the args ``TypedDict``s, the output annotations and their docstrings. ``python -m
replication.plugin [FILE]`` writes that schema (pretty-printed, keys sorted) to ``provider/schema.json``.
"""

import argparse
import json
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider

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


def inferred_schema() -> dict[str, Any]:
    """The package schema exactly as the plugin serves it from ``GetSchema``."""
    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=package_version())
    return json.loads(provider.schema or "{}")


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
