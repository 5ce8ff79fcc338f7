"""Example stack: replicate the source account's ECR images to the configured accounts and regions.

The program is :func:`replication.stack.program.main` (docs/configuration.md); a
project of your own runs it with these same two lines.
"""

from replication.stack.program import main

main()
