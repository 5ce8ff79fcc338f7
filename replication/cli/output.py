"""Rendering results on stdout (plain tables or JSON) and progress on stderr."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

# Hand-written on purpose (issue 12, point 11; figures from `benchmarks/bench_plan.py --candidate ...`). The
# libraries would be cheap enough (tabulate and tqdm add ~4 ms, rich ~15-23 ms, within the 10% of `--help` and
# `plan` start-up allowed), but neither earns its dependency: `render_table` is three lines, and the progress
# display must print changed lines off a terminal so CI logs show progress, where tqdm writes carriage-return
# redraws into the log and rich's live display prints nothing until it stops.


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A left-aligned plain-text table, columns sized to their widest cell."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def print_json(document: Any, stream: TextIO | None = None) -> None:
    """Print ``document`` as indented JSON on stdout (or ``stream``)."""
    print(json.dumps(document, indent=2, sort_keys=True, default=str), file=stream or sys.stdout)


def note(message: str) -> None:
    """A log line for humans, on stderr so stdout stays machine-readable."""
    print(message, file=sys.stderr)


class Progress:
    """A progress bar redrawn in place when ``stream`` is a terminal, plain changed lines otherwise."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        """Write to ``stream`` (default stderr) with a bar ``width`` characters wide."""
        self.stream = stream or sys.stderr
        self.width = width
        self.interactive = self.stream.isatty()
        self._last = ""

    def update(self, fraction: float, detail: str = "") -> None:
        """Show ``fraction`` (0 to 1) done with a trailing ``detail``; repeats of the same line are skipped."""
        fraction = min(max(fraction, 0.0), 1.0)
        filled = int(self.width * fraction)
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {int(100 * fraction):3d}% {detail}".rstrip()
        if line == self._last:
            return
        self._last = line
        if self.interactive:
            self.stream.write("\r\x1b[K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line on a terminal."""
        if self.interactive and self._last:
            self.stream.write("\n")
            self.stream.flush()


_CREDENTIAL_PATTERNS = (
    re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b"),
    re.compile(r"[A-Za-z0-9/+=]{100,}"),
    re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"),
)
"""Access key ids (IAM's "unique identifier" prefixes), the long base64 of session tokens, and 40-character secret
access keys (base64 with upper- and lowercase letters, which keeps hex digests and names out)."""


def redact(text: str) -> str:
    """``text`` with anything shaped like an access key id, a secret access key or a session token replaced by
    ``[redacted]``."""
    for pattern in _CREDENTIAL_PATTERNS:
        text = pattern.sub("[redacted]", text)
    return text


class RedactingStream:
    """A text stream that redacts credentials from everything written to it.

    AWS error messages can quote the credentials of a request (a careless endpoint even more). The CLI wraps
    stdout and stderr in this for the whole run, so no command has to remember to.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` redacted."""
        return self.stream.write(redact(text))

    def __getattr__(self, name: str) -> Any:
        """Everything else (``flush``, ``isatty``, ``fileno``, ...) from the wrapped stream."""
        return getattr(self.stream, name)


@contextmanager
def redacted_streams() -> Iterator[None]:
    """stdout and stderr wrapped in :class:`RedactingStream` for the block (the CLI runs every command in one)."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = streams
