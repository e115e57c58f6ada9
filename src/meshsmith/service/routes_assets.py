"""/v1/assets/{job_id}/{name}: a result file of one of the caller's jobs.

The requested name is only ever compared with the names in the job record; the file is
looked up by the record's values (a server-made job id and file names the worker wrote),
checked against strict patterns, in the file store (the assets folder, or Redis).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from meshsmith.service.api_errors import not_found
from meshsmith.service.auth import identify
from meshsmith.service.files import ASSET_DIR

router = APIRouter(prefix="/v1", tags=["assets"])

CONTENT_TYPES = {
    "glb": "model/gltf-binary",
    "obj": "model/obj",
    "mtl": "model/mtl",
    "usdz": "model/vnd.usdz+zip",
    "stl": "model/stl",
    "3mf": "model/3mf",
    "ply": "application/octet-stream",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@router.get(
    "/assets/{job_id}/{name}",
    summary="Download a result file",
    response_class=FileResponse,
    responses={200: {"content": {t: {} for t in sorted(set(CONTENT_TYPES.values()))}}},
)
def get_asset(job_id: str, name: str, request: Request) -> Response:
    svc = request.app.state.services
    owner = identify(request.headers, svc.keys, svc.config).owner
    job = svc.jobs.get_owned(job_id, owner)
    if job is None or job.status != "succeeded":
        raise not_found("asset")
    entry = next((a for a in job.assets if a["name"] == name), None)
    if entry is None or not ASSET_DIR.match(job.asset_dir or "") or not FILE_NAME.match(name):
        raise not_found("asset")
    body = svc.files.asset(job.asset_dir, entry["name"])
    if body is None:
        raise not_found("asset")
    media_type = CONTENT_TYPES.get(entry["format"], "application/octet-stream")
    disposition = "attachment" if entry.get("role") == "model" else "inline"
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    if isinstance(body, Path):
        return FileResponse(body, media_type=media_type, filename=entry["name"],
                            content_disposition_type=disposition, headers=headers)  # fmt: skip
    headers["Content-Disposition"] = f'{disposition}; filename="{entry["name"]}"'
    return Response(body, media_type=media_type, headers=headers)
