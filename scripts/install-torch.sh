#!/bin/sh
# Install the CPU build of torch 2.13.0 before anything else can pull a CUDA build of it.
# Usage: scripts/install-torch.sh PATH/TO/pip
set -eu
PIP="$1"
if "$PIP" show torch 2>/dev/null | grep -q '^Version: 2\.13\.0'; then
  exit 0
fi
if "$PIP" install --dry-run --no-index --no-deps --quiet torch==2.13.0 >/dev/null 2>&1; then
  # A local wheel in pip's find-links (a CPU build, as on the project's CI machines);
  # torch's own dependencies come from the configured package index.
  "$PIP" install torch==2.13.0
else
  # PyTorch's CPU-only index for torch itself, the ordinary index for its dependencies.
  "$PIP" install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    --extra-index-url https://pypi.org/simple
fi
