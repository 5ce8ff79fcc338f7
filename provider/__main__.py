"""Serve the EcrReplication component to other Pulumi languages.

The Python language host runs this file with the engine's address as argument; the provider prints its port
and answers ``GetSchema`` and ``Construct`` over gRPC.
"""

from replication.plugin import host

if __name__ == "__main__":
    host()
