#!/usr/bin/env bash
# One-time machine set-up for Livegate on Debian: system libraries for video decoding (ffmpeg)
# and the onnxruntime shared library (from the `onnxruntime` PyPI wheel) for the optional fast
# backend. Idempotent: re-running only checks.
set -euo pipefail

APT_PACKAGES=(pkg-config clang libclang-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  libavfilter-dev libavdevice-dev ffmpeg)
ONNXRUNTIME_VERSION=1.31.1
# For the Python peer of `livegate bench --frames` (bench/peer_pipeline.py) only.
OPENCV_VERSION=5.1.0.95

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  # A first install was seen failing mid-way on these machines; retry once.
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null || $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c "import onnxruntime, sys; sys.exit(onnxruntime.__version__ != '$ONNXRUNTIME_VERSION')" 2>/dev/null; then
  echo "setup: installing onnxruntime==$ONNXRUNTIME_VERSION and numpy (pip)" >&2
  python3 -m pip install -q "onnxruntime==$ONNXRUNTIME_VERSION" numpy 2>&1 | grep -v "running pip as the 'root' user" || true
fi
if ! python3 -c "import cv2" 2>/dev/null; then
  echo "setup: installing opencv-python-headless==$OPENCV_VERSION (pip; the benchmark's Python peer)" >&2
  python3 -m pip install -q "opencv-python-headless==$OPENCV_VERSION" 2>&1 | grep -v "running pip as the 'root' user" || true
fi
