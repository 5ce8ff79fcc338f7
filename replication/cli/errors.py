"""The one exception type CLI commands raise for a user-facing failure."""


class CliError(Exception):
    """A failure the CLI reports as one readable line and a non-zero exit code.

    ``exit_code`` is 2 for usage and configuration errors unless a command chooses another.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def internal_error(error: BaseException) -> str:
    """How an error the CLI did not expect reads (after the command's name): ``internal error: Type: text``."""
    return f"internal error: {type(error).__name__}: {error}"
