"""The CrossGuard pack folder, importable as a package: tests and benchmarks use `policies.ecr_guardrails`, and the
installed distribution carries the folder as `replication.policy_pack`, which `ecr-replication plan` runs. The
Pulumi CLI doesn't import it: it runs `python policies` (the pack's `__main__.py`)."""
