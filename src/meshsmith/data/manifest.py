"""Manifest files of a dataset folder: the build record, shard parts, merge and card.

Files in the dataset folder DIR:

- ``build.json``: what built it (kind, generator, canonical command, config). The same
  for every shard of one dataset; a second build into DIR must match it.
- ``manifest.jsonl``: one JSON row per shape, sorted by id (the dataset contract).
- ``manifest-IIIII-of-NNNNN.jsonl`` and ``shard-IIIII-of-NNNNN.json``: a shard's rows
  and its summary (failed shapes), written by ``data build --shard I/N``.
  ``merge`` concatenates all N parts into ``manifest.jsonl`` once every part is there;
  the shard that finishes last does it automatically, ``meshsmith data merge DIR``
  does it by hand (for shards built on other machines and copied in).
- ``README.md``: the dataset card.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from meshsmith.data.card import dataset_card
from meshsmith.data.files import write_bytes
from meshsmith.errors import InputError

MANIFEST = "manifest.jsonl"
BUILD_FILE = "build.json"
CARD = "README.md"
_PART = re.compile(r"manifest-(\d{5})-of-(\d{5})\.jsonl")


def part_name(index: int, count: int) -> str:
    """File name of shard `index` (0-based) of `count` manifest parts."""
    return f"manifest-{index:05d}-of-{count:05d}.jsonl"


def summary_name(index: int, count: int) -> str:
    """File name of shard `index`'s summary (its failures)."""
    return f"shard-{index:05d}-of-{count:05d}.json"


def dumps_rows(rows: list[dict[str, Any]]) -> bytes:
    """JSONL bytes of `rows` sorted by id; raises on duplicate ids."""
    ordered = sorted(rows, key=lambda row: row["id"])
    ids = [row["id"] for row in ordered]
    duplicates = sorted({i for i, j in zip(ids, ids[1:], strict=False) if i == j})
    if duplicates:
        raise InputError(f"duplicate shape ids in the manifest: {', '.join(duplicates[:5])}")
    lines = [
        json.dumps(row, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        for row in ordered
    ]
    return "".join(line + "\n" for line in lines).encode()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSONL file; InputError naming the file and line when it is corrupt."""
    rows = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read {path}: {error}") from error
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise InputError(f"{path.name} line {number} is not JSON: {error.msg}") from error
        if not isinstance(row, dict) or not isinstance(row.get("id"), str):
            raise InputError(f"{path.name} line {number} is not a shape record with an id")
        rows.append(row)
    return rows


def record_build(out: Path, info: dict[str, Any]) -> None:
    """Write ``build.json``, or check that the one there describes the same build."""
    path = out / BUILD_FILE
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise InputError(f"{path} is unreadable: {error}") from error
        # The command names the output folder as typed, which may differ between shards.
        if _without_command(existing) != _without_command(info):
            raise InputError(
                f"{out} already holds a different dataset build; use an empty folder "
                "(or the same arguments to rebuild it)"
            )
        return
    write_bytes(path, (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())


def _without_command(info: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in info.items() if key != "command"}


def read_build(out: Path) -> dict[str, Any]:
    """The build record of a dataset folder."""
    path = out / BUILD_FILE
    if not path.is_file():
        raise InputError(f"{out} is not a meshsmith dataset folder (no {BUILD_FILE})")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"{path} is unreadable: {error}") from error


def write_dataset(
    out: Path, info: dict[str, Any], rows: list[dict[str, Any]], failures: list[dict[str, Any]]
) -> None:
    """Write ``manifest.jsonl`` and the card."""
    write_bytes(out / MANIFEST, dumps_rows(rows))
    write_bytes(out / CARD, dataset_card(info, rows, failures).encode())


def write_part(
    out: Path,
    shard: tuple[int, int],
    rows: list[dict[str, Any]],
    failures: list[dict[str, Any]],
) -> None:
    """Write one shard's manifest part and summary."""
    index, count = shard
    summary = {"shard": f"{index}/{count}", "shapes": len(rows), "failures": failures}
    write_bytes(out / summary_name(index, count), (json.dumps(summary, indent=2) + "\n").encode())
    # The part is written last: its presence means the shard is complete.
    write_bytes(out / part_name(index, count), dumps_rows(rows))


def missing_parts(out: Path) -> tuple[int, list[int]]:
    """Shard count of the parts in `out` and the indices still missing."""
    found: dict[int, set[int]] = {}
    for path in out.glob("manifest-*-of-*.jsonl"):
        match = _PART.fullmatch(path.name)
        if match:
            found.setdefault(int(match.group(2)), set()).add(int(match.group(1)))
    if not found:
        raise InputError(f"no manifest parts (manifest-IIIII-of-NNNNN.jsonl) in {out}")
    if len(found) > 1:
        raise InputError(f"{out} mixes parts of different shard counts {sorted(found)}")
    ((count, present),) = found.items()
    return count, sorted(set(range(count)) - present)


def merge(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Concatenate every shard's part into ``manifest.jsonl`` and write the card.

    Returns
    -------
    rows, failures : list of dict

    Raises
    ------
    InputError
        When a part is missing or corrupt, or ids repeat across parts.
    """
    info = read_build(out)
    count, missing = missing_parts(out)
    if missing:
        listed = ", ".join(f"{i}/{count}" for i in missing[:8])
        raise InputError(f"cannot merge {out}: shard(s) {listed} not built yet")
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for index in range(count):
        rows.extend(read_jsonl(out / part_name(index, count)))
        summary = out / summary_name(index, count)
        if summary.is_file():
            failures.extend(json.loads(summary.read_text(encoding="utf-8"))["failures"])
    write_dataset(out, info, rows, sorted(failures, key=lambda f: f["id"]))
    return rows, failures
