"""The dataset card (README.md of a dataset folder): what is in it and how it was made."""

from __future__ import annotations

from collections import Counter
from typing import Any

from meshsmith.data.splits import SPLITS

LAYOUT = """\
## Layout and conventions

- `manifest.jsonl`: one JSON record per shape, sorted by id. Paths in `files` and the keys
  of `sha256` are relative to this folder. Read it with `meshsmith.data.dataset.Dataset`.
- `files.mesh`: GLB in metres, +Y up, PBR materials. `metres = normalised * scale + offset`.
- `files.samples`: npz, normalised frame (bounding-box centre at the origin, longest side
  1): `surface_points/normals/albedo` (N, 3) float32 (albedo linear RGB),
  `surface_roughness/metallic` (N,) float32; `volume_points` (M, 3) float32 in
  [-0.55, 0.55]^3, `volume_occupancy` (M,) bool (fast winding number > 0.5), `volume_sdf`
  (M,) float32 (negative inside), `volume_near_surface` (M,) bool.
- `files.views` / `files.sketches`: PNG per view (RGBA on a transparent background, RGB on a
  plain colour; sketches 8-bit grey, black lines on white). `files.view_data`: npz with
  `mask` (K, H, W) bool, `depth` (K, H, W) float16 metres along the optical axis (0 off the
  object), `normals` (K, H, W, 3) float16 world space, `K` (K, 3, 3) intrinsics in pixels
  and `extrinsics_cv` (K, 4, 4) world->camera, OpenCV convention (x right, y down,
  z forward), world in metres (OpenGL: `diag(1, -1, -1, 1) @ extrinsics_cv`).
- Beyond the contract fields, procedural records carry `family`, `parts` (part names;
  `surface_part` in the samples indexes them), `render` (light preset, background, image
  size) and `licence`; ingested records carry `source`.
"""


def _counts_table(rows: list[dict[str, Any]]) -> list[str]:
    counts = Counter((row["category"], row["split"]) for row in rows)
    categories = sorted({row["category"] for row in rows})
    lines = [
        "| category | " + " | ".join(SPLITS) + " | total |",
        "| --- | " + " | ".join("---:" for _ in SPLITS) + " | ---: |",
    ]
    for category in categories:
        cells = [counts[(category, split)] for split in SPLITS]
        lines.append(f"| {category} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    totals = [sum(counts[(c, split)] for c in categories) for split in SPLITS]
    lines.append("| **all** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return lines


def dataset_card(
    info: dict[str, Any], rows: list[dict[str, Any]], failures: list[dict[str, Any]]
) -> str:
    """Markdown card from the build record, the manifest rows and the failed inputs."""
    kind = info.get("kind", "build")
    title = "Ingested mesh dataset" if kind == "ingest" else "Procedural shape dataset"
    lines = [
        f"# {title}",
        "",
        f"- Generator: {info['generator']}",
        f"- Licence: {info['licence']}",
        f"- Shapes: {len(rows)} in {len({r['category'] for r in rows})} categories",
        f"- Skipped (failed or unreadable inputs): {len(failures)}",
    ]
    for key, value in sorted(info.get("config", {}).items()):
        lines.append(f"- {key.replace('_', ' ')}: {value}")
    lines += [
        "",
        "## Command",
        "",
        "Rebuilds this folder byte for byte (any --workers or --shard split gives the",
        "same files):",
        "",
        f"    {info['command']}",
        "",
        "## Shapes per category and split",
        "",
        *_counts_table(rows),
        "",
    ]
    if failures:
        lines += ["## Skipped", ""]
        lines += [f"- `{f['id']}`: {f['error']}" for f in failures]
        lines.append("")
    return "\n".join(lines) + "\n" + LAYOUT
