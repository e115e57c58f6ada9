"""Copy the three.js files the web UI needs from node_modules/three into its static folder.

    npm ci && .venv/bin/python tools/vendor_three.py          # refresh the vendored copies
    .venv/bin/python tools/vendor_three.py --check            # exit 1 when they differ

The copies (and three's LICENSE) are committed, so `meshsmith serve` works without npm and
the page fetches nothing from outside the server. The folder layout under
static/vendor/three/ follows the package's exports (see FILES); bare `three` imports resolve
through the importmap in index.html.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "node_modules" / "three"
TARGET = ROOT / "src" / "meshsmith" / "service" / "static" / "vendor" / "three"

# Source path in the npm package -> vendored path. The layout follows the package's own
# exports ("three" -> build/three.module.js, "three/addons/*" -> examples/jsm/*), flattened so
# no folder is called build/ (ignored by git). three.module.js imports ./three.core.js and
# GLTFLoader imports ../utils/*.js, so those relative imports resolve unchanged.
FILES = {
    "LICENSE": "LICENSE",
    "package.json": "package.json",
    "build/three.core.js": "three.core.js",
    "build/three.module.js": "three.module.js",
    "examples/jsm/controls/OrbitControls.js": "addons/controls/OrbitControls.js",
    "examples/jsm/environments/RoomEnvironment.js": "addons/environments/RoomEnvironment.js",
    "examples/jsm/loaders/GLTFLoader.js": "addons/loaders/GLTFLoader.js",
    "examples/jsm/utils/BufferGeometryUtils.js": "addons/utils/BufferGeometryUtils.js",
    "examples/jsm/utils/SkeletonUtils.js": "addons/utils/SkeletonUtils.js",
}


def pinned_version() -> str:
    """The exact three.js version that package.json pins."""
    return json.loads((ROOT / "package.json").read_text())["dependencies"]["three"]


def installed_version() -> str:
    """The version of node_modules/three; exits with a message when it is missing."""
    manifest = PACKAGE / "package.json"
    if not manifest.is_file():
        sys.exit("node_modules/three is missing: run `npm ci` first")
    return json.loads(manifest.read_text())["version"]


def stale_files() -> list[str]:
    """Vendored files that are missing, differ from node_modules/three, or are not in FILES."""
    stale = [
        target
        for source, target in FILES.items()
        if not (TARGET / target).is_file()
        or (TARGET / target).read_bytes() != (PACKAGE / source).read_bytes()
    ]
    present = {str(p.relative_to(TARGET)) for p in TARGET.rglob("*") if p.is_file()}
    return stale + sorted(present - set(FILES.values()))


def vendor() -> int:
    """Replace static/vendor/three with fresh copies of FILES; returns the bytes copied."""
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for source, target in FILES.items():
        (TARGET / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGE / source, TARGET / target)
    return sum((TARGET / target).stat().st_size for target in FILES.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare, change nothing")
    args = parser.parse_args()
    pinned, installed = pinned_version(), installed_version()
    if pinned != installed:
        sys.exit(f"package.json pins three {pinned} but node_modules has {installed}: npm ci")
    if args.check:
        stale = stale_files()
        if stale:
            sys.exit("vendored three.js is out of date: " + ", ".join(stale))
        print(f"three {installed}: vendored copies are current")
        return
    size = vendor()
    print(
        f"three {installed}: {len(FILES)} files, {size / 1e6:.2f} MB -> {TARGET.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
