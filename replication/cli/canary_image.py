"""The canary image ``verify`` pushes: a tiny, valid OCI image built in memory and pushed through the ECR API.

No Docker is needed. The image is what the OCI image specification calls an image manifest
(github.com/opencontainers/image-spec, ``manifest.md``) referencing a config blob (``config.md``: ``architecture``,
``os`` and ``rootfs.diff_ids`` are required) and one gzip-compressed tar layer holding one small text file. Every
digest is ``sha256:`` and the hex SHA-256 of the exact bytes it names (``descriptor.md``), the manifest's too: that
digest is what ECR stores and replicates, so it is the one to find in every destination. ECR accepts OCI image
manifests (ECR user guide, "Container image manifest format support").

Blobs go up with the calls ``docker push`` makes through the ECR proxy (ECR API reference:
``BatchCheckLayerAvailability``, ``InitiateLayerUpload``, ``UploadLayerPart``, ``CompleteLayerUpload``), then the
manifest with ``PutImage``, whose ``imageDigest`` makes ECR check our digest against the bytes it received.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import botocore.exceptions

from replication.cli.aws_errors import error_code
from replication.ecr_semantics import canonical_json

MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
"""The OCI media types of the manifest, its config blob and its layer (image-spec ``media-types.md``)."""

CANARY_FILE = "ecr-replication-canary.txt"
CANARY_TEXT = b"Pushed by `ecr-replication verify` to prove that ECR replication delivers images; safe to delete.\n"
"""The one file of the layer. The layer is the same in every canary, so after the first push to a repository
``BatchCheckLayerAvailability`` finds it and it is not uploaded again."""

MAX_PART_BYTES = 20 * 1024 * 1024
"""The largest ``layerPartBlob`` botocore's ECR model accepts (``LayerPartBlob`` max)."""


def sha256_digest(data: bytes) -> str:
    """The OCI digest of ``data``: ``sha256:`` and the hex SHA-256 of exactly these bytes."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Blob:
    """Content referenced from a manifest by digest: the config or a layer."""

    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        """The blob's content digest."""
        return sha256_digest(self.data)

    def descriptor(self) -> dict[str, Any]:
        """The OCI descriptor a manifest uses to reference this blob."""
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class CanaryImage:
    """A built image: its blobs and the exact manifest bytes."""

    config: Blob
    layer: Blob
    manifest: bytes

    @property
    def digest(self) -> str:
        """The image digest: the digest of the manifest bytes, as ECR computes it."""
        return sha256_digest(self.manifest)

    @property
    def blobs(self) -> tuple[Blob, Blob]:
        """Every blob the manifest references, config first."""
        return self.config, self.layer


def _layer_tar() -> bytes:
    """An uncompressed tar holding :data:`CANARY_FILE`, byte-identical on every run (fixed owner, mode, mtime)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo(CANARY_FILE)
        info.size, info.mode, info.mtime = len(CANARY_TEXT), 0o644, 0
        archive.addfile(info, io.BytesIO(CANARY_TEXT))
    return buffer.getvalue()


def build_canary_image(created: datetime) -> CanaryImage:
    """The canary image, made unique by its creation time (in the config, so each run's manifest differs and ECR
    replicates it as a new image). The config and manifest are canonical JSON, so the same document always has the
    same bytes and digest; ``canonical_json`` escapes non-ASCII characters, so the bytes are ASCII."""
    tar = _layer_tar()
    layer = Blob(LAYER_MEDIA_TYPE, gzip.compress(tar, mtime=0))
    stamp = created.isoformat().replace("+00:00", "Z")
    config = Blob(CONFIG_MEDIA_TYPE, canonical_json({
        "architecture": "amd64",
        "os": "linux",
        "created": stamp,
        # diff_ids name the *uncompressed* layers (image-spec config.md, "rootfs").
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(tar)]},
        "config": {"Labels": {"org.opencontainers.image.description": "ecr-replication verify canary"}},
    }).encode("ascii"))
    manifest = canonical_json({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(),
        "layers": [layer.descriptor()],
        "annotations": {"org.opencontainers.image.created": stamp},
    }).encode("ascii")
    return CanaryImage(config, layer, manifest)


class PushError(Exception):
    """ECR answered a push step with something other than what the image is (e.g. another digest)."""


def push_image(ecr: Any, repository: str, image: CanaryImage, tag: str) -> str:
    """Upload the blobs ECR doesn't have yet and put the manifest under ``tag``; returns the digest ECR stored.

    botocore errors propagate; a digest ECR reports differently from ours is a :class:`PushError`. A ``PutImage``
    ECR finds already done (the same manifest under the same tag) is this push: its answer was lost, and botocore
    retried it.
    """
    present = _available(ecr, repository, [blob.digest for blob in image.blobs])
    for blob in image.blobs:
        if blob.digest not in present:
            _upload_blob(ecr, repository, blob)
    try:
        response = ecr.put_image(repositoryName=repository, imageManifest=image.manifest.decode("ascii"),
                                 imageManifestMediaType=MANIFEST_MEDIA_TYPE, imageTag=tag, imageDigest=image.digest)
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ImageAlreadyExistsException":
            raise
        # "already been pushed, and there were no changes to the manifest or image tag" (ECR API reference, PutImage):
        # this manifest carries the push's time, so it is this push, retried by botocore after its answer was lost.
        return image.digest
    stored = response["image"]["imageId"]["imageDigest"]
    if stored != image.digest:
        raise PushError(f"ECR stored the canary manifest as {stored}, not {image.digest}")
    return stored


def _upload_blob(ecr: Any, repository: str, blob: Blob) -> None:
    """One blob through InitiateLayerUpload, UploadLayerPart (in the part size ECR asks for) and
    CompleteLayerUpload, whose digest must be ours.

    A step botocore sent again after its answer was lost (a dropped connection) meets what the first attempt did:
    a part ECR has already (``InvalidLayerPartException`` with ``lastValidByteReceived`` at the part's last byte), an
    upload it has completed and closed (``UploadNotFoundException``, with the layer available). Both are the step
    done."""
    started = ecr.initiate_layer_upload(repositoryName=repository)
    part = min(int(started.get("partSize") or MAX_PART_BYTES), MAX_PART_BYTES)
    for first in range(0, len(blob.data), part):
        chunk = blob.data[first:first + part]
        last = first + len(chunk) - 1  # partLastByte is inclusive (ECR API reference, UploadLayerPart)
        try:
            ecr.upload_layer_part(repositoryName=repository, uploadId=started["uploadId"], partFirstByte=first,
                                  partLastByte=last, layerPartBlob=chunk)
        except botocore.exceptions.ClientError as error:
            if error_code(error) != "InvalidLayerPartException" or error.response.get("lastValidByteReceived") != last:
                raise
    try:
        completed = ecr.complete_layer_upload(repositoryName=repository, uploadId=started["uploadId"],
                                              layerDigests=[blob.digest])
    except botocore.exceptions.ClientError as error:
        if error_code(error) == "LayerAlreadyExistsException":
            return  # uploaded concurrently by another push: the bytes behind a digest are the same
        if error_code(error) == "UploadNotFoundException" and blob.digest in _available(ecr, repository, [blob.digest]):
            return
        raise
    if completed["layerDigest"] != blob.digest:
        raise PushError(f"ECR computed {completed['layerDigest']} for the canary's {blob.media_type} blob, "
                        f"not {blob.digest}")


def _available(ecr: Any, repository: str, digests: list[str]) -> set[str]:
    """Which of ``digests`` ECR has in ``repository`` (BatchCheckLayerAvailability)."""
    layers = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=digests).get("layers", [])
    return {layer["layerDigest"] for layer in layers
            if layer.get("layerAvailability") == "AVAILABLE" and "layerDigest" in layer}
