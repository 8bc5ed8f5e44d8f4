#!/usr/bin/env bash
# Generates Python code, .pyi stubs and gRPC stubs for proto/linli/v1/*.proto.
#   generate.sh [OUT_DIR]   (default: beside the .proto files)
# `make proto-check` generates into a temporary folder and compares.
set -euo pipefail
PROTO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$PROTO_DIR}"
PYTHON="${PYTHON:-python3}"
mkdir -p "$OUT/linli/v1"
cd "$PROTO_DIR"
"$PYTHON" -m grpc_tools.protoc -I. \
  --python_out="$OUT" --pyi_out="$OUT" --grpc_python_out="$OUT" \
  --mypy_grpc_out="$OUT" \
  linli/v1/*.proto
