"""The offline preview: run a Pulumi program under mocks, load its stack files, judge it with a policy pack, report.

Nothing here declares resources; ``ecr-replication plan``, the tests and the benchmarks use it.
"""
