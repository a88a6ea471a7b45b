#!/usr/bin/env bash
# Makes `python3` able to import numpy and safetensors (for scripts/check_safetensors.py). Idempotent: installs from
# PyPI only what is missing. On a Debian system Python that refuses pip installs (PEP 668), retries for the user.
set -euo pipefail
PYTHON="${PYTHON:-python3}"
if "$PYTHON" -c 'import numpy, safetensors' 2>/dev/null; then
    exit 0
fi
echo "bootstrap-python: installing safetensors and numpy with pip" >&2
"$PYTHON" -m pip install -q safetensors numpy \
    || "$PYTHON" -m pip install -q --user --break-system-packages safetensors numpy
"$PYTHON" -c 'import numpy, safetensors'
