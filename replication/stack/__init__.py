"""The bundled example stack's configuration: the ``ecr-replication:`` keys of ``Pulumi.<stack>.yaml``."""
