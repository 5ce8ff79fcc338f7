VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: setup plan test bench schema pack-copies clean

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
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# provider/schema.json: the schema other languages' SDKs are generated from, inferred from the component.
schema: setup
	$(PY) -m replication.plugin provider/schema.json

# The pack installs on its own, so it carries byte-identical copies of the shared modules (tests/test_shared_copies.py).
pack-copies:
	cp replication/limits.py replication/ecr_semantics.py replication/iam_policy.py replication/resource_types.py \
	   policies/ecr_guardrails/

clean:
	rm -rf $(VENV) .pytest_cache
