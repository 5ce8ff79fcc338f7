"""Serve the EcrReplication component to other Pulumi languages.

The Python language host runs this file with the engine's address as argument; the provider prints its port
and answers ``GetSchema`` and ``Construct`` over gRPC.
"""

from pulumi.provider.experimental import component_provider_host

from replication.plugin import COMPONENTS, PACKAGE_NAME, package_version

if __name__ == "__main__":
    component_provider_host(COMPONENTS, PACKAGE_NAME, version=package_version())
