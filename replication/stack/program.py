"""The example program: replicate the source account's ECR images to the accounts and regions of the stack config.

Reads ``Pulumi.<stack>.yaml`` (docs/configuration.md), builds one aws provider per
account pinned with ``allowed_account_ids``, and declares one EcrReplication component; with
``ecr-replication:adopt`` (what ``ecr-replication import`` writes) it adopts the live resources instead of
creating them (docs/adopting.md). Config errors name the config key, the component's errors and warnings too.

It lives in the package so that a project needs only a two-line ``__main__.py`` calling :func:`main` (the
repository's own ``__main__.py``, and the one ``ecr-replication import`` writes into a folder without a project):
a pip-installed package carries the program, not just the component.
"""

from __future__ import annotations

import pulumi

from replication import EcrReplication
from replication.stack.config import account_providers, component_args, in_config_keys, read_stack_config


def main() -> None:
    """Declare the stack's replication from the project's config namespace, and export what it made."""
    config = read_stack_config(pulumi.Config())
    providers = account_providers(config)
    with in_config_keys(config):
        images = EcrReplication("images", component_args(config, providers))

    def exported(value: object) -> object:
        """``value`` as a secret output when an account id is a secret (these outputs spell account ids)."""
        return pulumi.Output.secret(value) if config.has_secret_account_id else value

    pulumi.export("sourceRegistryId", exported(config.source.account_id))
    pulumi.export("sourceRegion", config.source.region)
    pulumi.export("sourceRegistry", exported(images.source_registry))
    pulumi.export("destinationRegistries", exported(images.destination_registries))
    pulumi.export("replicationConfiguration",
                  exported(images.replication_rules.apply(lambda rules: {"rules": rules})))
    pulumi.export("registryPolicies", exported(images.registry_policies))
    pulumi.export("pullThroughRegistries", exported(images.pull_through_registries))


PROGRAM_FILE = '''"""The EcrReplication example program, from the installed pulumi-ecr-replication package."""

from replication.stack.program import main

main()
'''
"""The ``__main__.py`` of a project running :func:`main`."""


def project_file(name: str) -> str:
    """A minimal ``Pulumi.yaml`` (the project file reference requires ``name`` and ``runtime``) for a Python
    project named ``name``, which is its config namespace, running :data:`PROGRAM_FILE`."""
    return (
        f"name: {name}\n"
        "description: ECR replication with the EcrReplication example program (pulumi-ecr-replication).\n"
        "# The Python the Pulumi CLI runs needs pulumi-ecr-replication installed: activate its virtualenv, or name\n"
        "# it under runtime.options.virtualenv.\n"
        "runtime: python\n"
    )
