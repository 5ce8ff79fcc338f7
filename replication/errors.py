"""The exception raised for invalid EcrReplication arguments."""


class ReplicationConfigError(ValueError):
    """Invalid replication arguments: the message names the field path and the bad value.

    Raised before any resource is created, or as soon as a looked-up account id or region resolves.
    """

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem} (got {value!r})")
