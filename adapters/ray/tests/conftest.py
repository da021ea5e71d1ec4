"""The bridge's tests run without Ray and without a cluster (test.sh)."""

import os
import sys

ADAPTER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ADAPTER_DIR not in sys.path:
    sys.path.insert(0, ADAPTER_DIR)
