"""The ``ecr-replication`` console script: offline plan and live operations commands."""
