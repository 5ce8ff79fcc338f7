VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: setup plan test bench schema clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

plan: setup
	$(VENV)/bin/ecr-replication plan --stack $(STACK)

test: setup
	$(PY) -m pytest -q

bench: setup
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# provider/schema.json: the schema other languages' SDKs are generated from, inferred from the component.
schema: setup
	$(PY) -m replication.plugin provider/schema.json

clean:
	rm -rf $(VENV) .pytest_cache
