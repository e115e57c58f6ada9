"""`meshsmith` subcommands of the data stage (registered by meshsmith.cli)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this stage's subcommands to the `meshsmith` parser."""
