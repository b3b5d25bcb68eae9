"""``import pynvml`` in a test subprocess: the fake of tests/fake_nvml.py, configured by
``$CCF_FAKE_NVML`` (JSON: {"gpus": [FakeGpu fields...], "init_error": code}). Put this folder
and the repository root on PYTHONPATH."""

import os
import sys

from tests.fake_nvml import FakeNvml

sys.modules[__name__] = FakeNvml.from_json(os.environ.get("CCF_FAKE_NVML", "{}"))
