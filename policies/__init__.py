"""The CrossGuard pack folder, importable as a package so tests, benchmarks and the `ecr-replication plan`
command can use `policies.ecr_guardrails`. The Pulumi CLI doesn't import it: it runs `python policies` (the
pack's `__main__.py`)."""
