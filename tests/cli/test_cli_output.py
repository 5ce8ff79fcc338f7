"""Tables on stdout and the progress display on stderr."""

from __future__ import annotations

import io

from replication.cli.output import Progress, render_table


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_table_columns_fit_the_widest_cell() -> None:
    """Columns are as wide as their widest cell."""
    assert render_table(("A", "LONGER"), [("wide value", 1)]) == "A           LONGER\nwide value  1"


def test_progress_redraws_in_place_on_a_terminal() -> None:
    """On a terminal the bar is redrawn on one line and ended with a newline."""
    stream = Terminal()
    progress = Progress(stream, width=4)
    progress.update(0.25, "1/4 x")
    progress.update(1.0, "4/4 x")
    progress.close()
    assert stream.getvalue() == "\r\x1b[K[#...]  25% 1/4 x\r\x1b[K[####] 100% 4/4 x\n"


def test_progress_prints_changed_lines_otherwise() -> None:
    """Off a terminal only changed progress lines are printed, one per line."""
    stream = io.StringIO()
    progress = Progress(stream, width=4)
    for done in (0, 0, 2):
        progress.update(done / 2, f"{done}/2")
    progress.close()
    assert stream.getvalue() == "[....]   0% 0/2\n[####] 100% 2/2\n"
