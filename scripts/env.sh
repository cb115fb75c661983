# Sourced by the scripts: where the onnxruntime library from the PyPI wheel lives.
ORT_DYLIB_PATH="$(python3 -c 'import onnxruntime, os, glob; print(sorted(glob.glob(os.path.join(os.path.dirname(onnxruntime.__file__), "capi", "libonnxruntime.so*")))[0])' 2>/dev/null || true)"
export ORT_DYLIB_PATH
