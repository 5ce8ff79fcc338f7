"""A client for policy packs over the analyzer protocol the Pulumi CLI uses, without the CLI.

Not part of the published pack (the pack never imports it): tests, benchmarks and the `ecr-replication
plan` command use it to run a pack on the resources a program registers under mocks::

    run = replication.preview.runner.run_program_file(...)  # or any recorder of RegisterResource requests
    with PolicyPackServer("policies", config) as pack:
        diagnostics = pack.preview(stack_resources(run.resources))
"""

from .messages import UNKNOWN, Diagnostic, PolicyConfig, ProviderResource, StackResource
from .registrations import stack_resources
from .server import PolicyPackError, PolicyPackServer

__all__ = ["UNKNOWN", "Diagnostic", "PolicyConfig", "PolicyPackError", "PolicyPackServer", "ProviderResource",
           "StackResource", "stack_resources"]
