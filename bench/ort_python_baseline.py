#!/usr/bin/env python3
"""Baseline for `livegate bench`: the same ONNX models driven from Python onnxruntime.

Reads models/manifest.json, runs each model on an input of its manifest shape (latency does not
depend on pixel values) and prints the median latency in milliseconds per model, plus the sum
over one frame's worth of model calls (detector, mesh, 2x anti-spoofing, embedding).
Usage: python3 bench/ort_python_baseline.py [--iterations N] [--threads T] [--json]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with open(os.path.join(ROOT, "models", "manifest.json")) as f:
        manifest = json.load(f)
    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    rng = np.random.default_rng(0)
    results = {}
    for spec in manifest["models"]:
        path = os.path.join(ROOT, "models", spec["file"])
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        shape = spec["input"]["shape"]
        x = (rng.random(shape) * 255 * spec["input"]["scale"]).astype(np.float32)
        feed = {spec["input"]["name"]: x}
        session.run(None, feed)
        times = []
        for _ in range(args.iterations):
            start = time.perf_counter()
            session.run(None, feed)
            times.append((time.perf_counter() - start) * 1e3)
        results[spec["id"]] = statistics.median(times)
    results["models_per_frame"] = sum(results[k] for k in ["yunet", "facemesh", "minifasnet_v2", "minifasnet_v1se", "dlib_embedding"])
    if args.json:
        json.dump({"onnxruntime": ort.__version__, "threads": args.threads, "median_ms": results}, sys.stdout, indent=2)
        print()
    else:
        print(f"python onnxruntime {ort.__version__}, {args.threads} thread(s), median ms")
        for k, v in results.items():
            print(f"  {k:20} {v:8.2f}")


if __name__ == "__main__":
    main()
