# El asesor de la Red Cluster Colombia — the two commands a new user needs: `make run` and `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
ASESOR  := $(VENV)/bin/asesor
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: install index run chat test eval bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0   # CPU wheel first: a bare torch pulls a multi-GB CUDA build
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(ASESOR) index

run: index
	$(ASESOR) serve --host $(HOST) --port $(PORT)

chat: index
	$(ASESOR) chat

test: install
	$(PY) -m pytest -q

eval: index
	$(ASESOR) eval

bench: index
	$(ASESOR) bench

clean:
	rm -rf index/builds index/CURRENT index/cache .pytest_cache artifacts reports
