"""``python -m adbatch.status <sweep_dir> [--watch]``: how a sweep is doing, from any machine that sees its folder.

Shows what the submitting terminal shows (see :mod:`adbatch.report.progress`): videos done,
running, failed, skipped, spend against the cap, elapsed time and ETA. Once by default;
``--watch`` refreshes until the sweep has finished (or Ctrl-C). Plain lines when stdout
is not a terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from adbatch.report.progress import (
    PLAIN_EVERY_S,
    Snapshot,
    SweepScanner,
    describe,
    read_progress_file,
    rich_view,
    snapshot,
)

if TYPE_CHECKING:
    from rich.console import Console


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m adbatch.status", description="How a sweep is doing, from any machine that sees its folder."
    )
    p.add_argument("sweep_dir", type=Path, help="the sweep's folder (hydra.sweep.dir), e.g. outputs/multirun/DAY/TIME")
    p.add_argument("--watch", action="store_true", help="keep refreshing until the sweep has finished")
    p.add_argument(
        "--every",
        type=float,
        default=None,
        help=f"seconds between refreshes with --watch (default: 1 on a terminal, {PLAIN_EVERY_S:g} otherwise)",
    )
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the sweep's progress; 2 if the folder does not exist."""
    args = parse_args(argv)
    if not args.sweep_dir.is_dir():
        print(
            f"adbatch.report.status: {args.sweep_dir} is not a folder; pass the sweep dir (hydra.sweep.dir)",
            file=sys.stderr,
        )
        return 2
    from rich.console import Console

    console = Console()
    scanner = SweepScanner(args.sweep_dir, since=read_progress_file(args.sweep_dir).get("started_at"))
    if not args.watch:
        _show(console, snapshot(args.sweep_dir, scanner))
        return 0
    every = args.every if args.every is not None else (1.0 if console.is_terminal else PLAIN_EVERY_S)
    try:
        _watch(console, args.sweep_dir, scanner, every)
    except KeyboardInterrupt:
        pass
    return 0


def _show(console: Console, s: Snapshot) -> None:
    if console.is_terminal:
        console.print(rich_view(s))
    else:
        print(describe(s), flush=True)


def _watch(console: Console, sweep_dir: Path, scanner: SweepScanner, every: float) -> None:
    import time

    if not console.is_terminal:
        while not (s := snapshot(sweep_dir, scanner)).finished:
            print(describe(s), flush=True)
            time.sleep(every)
        print(describe(s), flush=True)
        return
    from rich.live import Live

    with Live(rich_view(snapshot(sweep_dir, scanner)), console=console, refresh_per_second=4) as live:
        while not (s := snapshot(sweep_dir, scanner)).finished:
            live.update(rich_view(s))
            time.sleep(every)
        live.update(rich_view(s))
