"""A terminal progress display for several sources syncing at once."""

from __future__ import annotations

import sys
from typing import TextIO

import click

BAR = 24


class SyncProgress:
    """One line per source, redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, names: list[str], stream: TextIO | None = None) -> None:
        self.names = names
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.state: dict[str, tuple[int, int | None, str]] = dict.fromkeys(
            names, (0, None, "waiting"))
        self._drawn = False
        self._width = max((len(n) for n in names), default=4)

    def update(self, name: str, done: int, total: int | None, message: str) -> None:
        self.state[name] = (done, total, message)
        if self.tty:
            self._redraw()

    def _line(self, name: str) -> str:
        done, total, message = self.state.get(name, (0, None, ""))
        if total:
            filled = min(BAR, int(BAR * done / max(total, 1)))
            bar = "#" * filled + "-" * (BAR - filled)
            count = f"{done}/{total}"
        else:
            bar = "." * BAR
            count = str(done) if done else ""
        return f"{name.ljust(self._width)}  [{bar}] {count:>11}  {message}"[:120]

    def _redraw(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{len(self.names)}F")
        for n in self.names:
            self.stream.write("\x1b[2K" + self._line(n) + "\n")
        self.stream.flush()
        self._drawn = True

    def finish(self, name: str, error: str | None, summary: str) -> None:
        self.state[name] = (*self.state.get(name, (0, None, ""))[:2],
                            f"error: {error}" if error else summary)
        if self.tty:
            self._redraw()
        else:
            status = click.style("failed", fg="red") if error else "ok"
            click.echo(f"{name}: {status} — {error or summary}", file=self.stream)
