"""A client for policy packs over the analyzer protocol the Pulumi CLI uses, without the CLI.

Not part of the published pack (the pack never imports it): tests, benchmarks and the `ecr-replication
plan` command use it to run a pack on the resources a program registers under mocks::

    run = replication.preview.runner.run_program_file(...)  # or any recorder of RegisterResource requests
    with open_pack(Path("policies"), config) as pack:      # or PolicyPackServer(...): always its own process
        diagnostics = pack.preview(stack_resources(run.resources))
"""

from .client import AnalyzerClient, PolicyPackError
from .in_process import InProcessPack, bundled_pack_dir, open_pack
from .messages import UNKNOWN, Diagnostic, PolicyConfig, ProviderResource, StackResource
from .policy_config import PolicyConfigError
from .registrations import stack_resources
from .server import PolicyPackServer

__all__ = ["UNKNOWN", "AnalyzerClient", "Diagnostic", "InProcessPack", "PolicyConfig", "PolicyConfigError",
           "PolicyPackError", "PolicyPackServer", "ProviderResource", "StackResource", "bundled_pack_dir",
           "open_pack", "stack_resources"]
