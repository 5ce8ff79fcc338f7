VENV ?= .venv
PY := $(VENV)/bin/python
STACK ?= dev

.PHONY: setup plan test bench schema pack-copies clean

# `make setup` (and `make plan`) installs what the package needs at run time; `make test` and `make bench` add the
# test extras (moto's server, hypothesis, ruff, ...), which the plan never imports.
setup: $(VENV)/.installed

# pip would byte-compile every module it installs, one at a time: most of the time of a fresh install is
# pulumi-aws's thousands of modules for AWS services the component never uses. So the install compiles nothing and
# compileall then compiles, side by side, every module but those of the other services' folders (the component's
# resources are ECR's and IAM's, replication/resource_types.py): bytecode of what a command imports is there from
# the start, also where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
AWS_SERVICES_USED := ecr|iam

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e .
	$(PY) -m compileall -q -j0 -x 'pulumi_aws/(?!($(AWS_SERVICES_USED))/)[a-z0-9_]+/' \
	    "$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

plan: setup
	$(VENV)/bin/ecr-replication plan --stack $(STACK)

test: $(VENV)/.installed-test
	$(PY) -m pytest -q

bench: $(VENV)/.installed-test
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
