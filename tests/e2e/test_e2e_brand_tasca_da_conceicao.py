"""`marketing-engine run` end to end for the example brand tasca-da-conceicao (the checks: `brand_run.py`)."""

import pytest

from e2e.brand_run import *  # the checks, collected here for this brand
from e2e.brand_run import brand_run

pytestmark = pytest.mark.e2e
finished = brand_run("tasca-da-conceicao")
