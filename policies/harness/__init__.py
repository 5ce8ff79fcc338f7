"""A client for policy packs over the analyzer protocol the Pulumi CLI uses, without the CLI.

Not part of the published pack (the pack never imports it): tests, benchmarks and the `ecr-replication
plan` command use it to run a pack on the resources a program registers under mocks::

    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, monitor=monitor)
    ...  # run the program
    with PolicyPackServer("policies", config) as pack:
        diagnostics = pack.preview(monitor.resources())
"""

from .messages import UNKNOWN, Diagnostic, PolicyConfig, ProviderResource, StackResource
from .registrations import RecordingMonitor, Registration
from .server import PolicyPackError, PolicyPackServer

__all__ = ["UNKNOWN", "Diagnostic", "PolicyConfig", "PolicyPackError", "PolicyPackServer", "ProviderResource",
           "RecordingMonitor", "Registration", "StackResource"]
