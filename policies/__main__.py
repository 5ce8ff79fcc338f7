"""The `ecr-replication-guardrails` policy pack: `pulumi preview --policy-pack policies`.

Only builds the pack; the policies live in `ecr_guardrails`. Building it starts the analyzer server, prints its
port and never returns, so nothing may import this module.
"""

from ecr_guardrails import PACK_DESCRIPTION, PACK_NAME, POLICIES
from ecr_guardrails.sdk_fast_path import serve

serve(name=PACK_NAME, policies=POLICIES, description=PACK_DESCRIPTION)
