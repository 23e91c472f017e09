"""Where asset outputs live between steps.

Locally Dagster's default IO manager keeps them as pickles under `DAGSTER_HOME/storage`, which only
processes on this machine can read. In prod every output goes to S3 through dagster-aws's
`S3PickleIOManager` (one object per asset and partition under `s3://<bucket>/<prefix>/`), so a step
that runs on another worker reads what the step before it wrote. It uses the media store's
credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY; when unset, boto3's default chain finds them:
an instance role, IRSA's web identity, AWS_SHARED_CREDENTIALS_FILE ...) and, for MinIO or any
S3-compatible store, the endpoint in AWS_ENDPOINT_URL_S3 (the name boto3 itself reads).

Settings: MARKETING_ENGINE_IO_BUCKET (required in prod), MARKETING_ENGINE_IO_PREFIX (default
`marketing-engine/io`), AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
(all optional).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from dagster import EnvVar

from marketing_engine.resources.env import optional_env  # unset: boto3's own default applies

if TYPE_CHECKING:  # dagster-aws takes ~1 s to import: only prod loads it
    from dagster_aws.s3 import S3PickleIOManager, S3Resource

IO_BUCKET = "MARKETING_ENGINE_IO_BUCKET"
IO_PREFIX = "MARKETING_ENGINE_IO_PREFIX"
DEFAULT_PREFIX = "marketing-engine/io"
S3_ENDPOINT = "AWS_ENDPOINT_URL_S3"


def s3_from_env() -> S3Resource:
    """The S3 client settings prod shares between asset outputs and the media store."""
    from dagster_aws.s3 import S3Resource

    return S3Resource(
        endpoint_url=optional_env(S3_ENDPOINT),
        region_name=optional_env("AWS_REGION"),
        aws_access_key_id=optional_env("AWS_ACCESS_KEY_ID"),  # unset: boto3's default credential chain
        aws_secret_access_key=optional_env("AWS_SECRET_ACCESS_KEY"),
    )


def s3_io_manager_from_env() -> S3PickleIOManager:
    """Prod's IO manager: every asset output pickled to s3://$MARKETING_ENGINE_IO_BUCKET/<prefix>/."""
    from dagster_aws.s3 import S3PickleIOManager

    prefix = (os.environ.get(IO_PREFIX) or DEFAULT_PREFIX).strip("/")
    return S3PickleIOManager(s3_resource=s3_from_env(), s3_bucket=EnvVar(IO_BUCKET), s3_prefix=prefix)
