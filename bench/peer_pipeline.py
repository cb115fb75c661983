#!/usr/bin/env python3
"""The "Python peer": Livegate's per-frame model pipeline glued together with OpenCV + onnxruntime.

This is the pipeline a competent developer could write in an afternoon from the same ONNX files
the Rust engine ships (models/manifest.json), and it is the speed baseline for that engine. On
every frame, on the largest face, it runs every model:

  decode     cv2.imread of the frame file (JPEG/PNG)
  detect     YuNet 320x320 through cv2.FaceDetectorYN (frame letterboxed: long side scaled to 320,
             padded bottom/right; boxes mapped back). If OpenCV cannot load the file, or with
             --detector onnxruntime, the same model runs in onnxruntime with the manifest's decoding.
  mesh       MediaPipe FaceMesh 468: square crop 1.5x the box, rotated so the eyes are level
             (cv2.warpAffine), 192x192 RGB /255 NHWC; points mapped back to the frame
  fas_v2     MiniFASNetV2, Silent-Face CropImage box at scale 2.7, 80x80 BGR 0..255, softmax, live class
  fas_v1se   MiniFASNetV1SE, the same at scale 4.0
  embedding  dlib ResNet 128-d: square crop of the box, 150x150 RGB 0..255

Everything runs on one thread (OpenCV, onnxruntime intra/inter-op, BLAS/OpenMP). The timed loop
covers decode to embedding for all frames; model loading is timed separately. Per-stage figures
are medians over the frames where the stage ran (each stage includes its own crop/preprocessing).

Usage:
  python3 -m pip install opencv-python-headless   # plus onnxruntime, numpy
  python3 bench/peer_pipeline.py --frames DIR [--models DIR] [--repeat N] [--json]
          [--detector auto|opencv|onnxruntime]
DIR holds the frames as .jpg/.jpeg/.png, processed in file-name order. With --repeat N the whole
session (loading included) runs N times and the run with the median loop time is reported.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

import argparse
import json
import math
import platform
import statistics
import sys
import time

try:
    import numpy as np
    import cv2
    import onnxruntime as ort
except ImportError as err:
    sys.exit(f"peer_pipeline: missing dependency ({err}); install with: "
             "python3 -m pip install numpy opencv-python-headless onnxruntime")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ("decode", "detect", "mesh", "fas_v2", "fas_v1se", "embedding")
SCORE_MIN, NMS_IOU = 0.6, 0.3  # YuNet thresholds, as in the engine
MESH_SCALE, FAS_V2_SCALE, FAS_V1SE_SCALE = 1.5, 2.7, 4.0
FAS_LIVE_CLASS = 1


def ort_session(path):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


class OrtYuNet:
    """YuNet in onnxruntime, decoded as the manifest describes; returns FaceDetectorYN-style rows."""

    def __init__(self, path, size):
        self.session, self.size = ort_session(path), size
        self.input = self.session.get_inputs()[0].name
        # Anchor grids per stride: (col, row) of every cell, row-major.
        self.grids = {}
        for s in (8, 16, 32):
            n = size // s
            rows, cols = np.divmod(np.arange(n * n, dtype=np.float32), n)
            self.grids[s] = (cols[:, None], rows[:, None])

    def detect(self, img):
        out = dict(zip([o.name for o in self.session.get_outputs()],
                       self.session.run(None, {self.input: cv2.dnn.blobFromImage(img)})))
        rows = []
        for s in (8, 16, 32):
            c, r = self.grids[s]
            score = np.sqrt(np.clip(out[f"cls_{s}"][0], 0, 1) * np.clip(out[f"obj_{s}"][0], 0, 1))
            keep = score[:, 0] >= SCORE_MIN
            if not keep.any():
                continue
            b, k, c, r = out[f"bbox_{s}"][0][keep], out[f"kps_{s}"][0][keep], c[keep], r[keep]
            w, h = np.exp(b[:, 2:3]) * s, np.exp(b[:, 3:4]) * s
            x, y = (c + b[:, 0:1]) * s - w / 2, (r + b[:, 1:2]) * s - h / 2
            kx, ky = (k[:, 0::2] + c) * s, (k[:, 1::2] + r) * s
            kps = np.stack([kx, ky], axis=2).reshape(-1, 10)
            rows.append(np.hstack([x, y, w, h, kps, score[keep]]))
        if not rows:
            return 1, None
        faces = np.vstack(rows).astype(np.float32)
        keep = cv2.dnn.NMSBoxes(faces[:, :4].tolist(), faces[:, 14].tolist(), SCORE_MIN, NMS_IOU)
        return 1, faces[np.array(keep, dtype=int).reshape(-1)]


def load_models(models_dir, detector):
    with open(os.path.join(models_dir, "manifest.json")) as f:
        specs = {m["id"]: m for m in json.load(f)["models"]}
    path = lambda mid: os.path.join(models_dir, specs[mid]["file"])
    size = specs["yunet"]["input"]["shape"][3]
    det, kind = None, "onnxruntime"
    if detector in ("auto", "opencv"):
        try:
            det = cv2.FaceDetectorYN.create(path("yunet"), "", (size, size), SCORE_MIN, NMS_IOU, 5000)
            det.detect(np.zeros((size, size, 3), np.uint8))  # fails here if the graph is unsupported
            kind = "opencv-FaceDetectorYN"
        except cv2.error as err:
            if detector == "opencv":
                sys.exit(f"peer_pipeline: cv2.FaceDetectorYN cannot run {path('yunet')}: {err}")
            print(f"peer_pipeline: FaceDetectorYN failed ({err}); running YuNet in onnxruntime",
                  file=sys.stderr)
            det = None
    if det is None:
        det = OrtYuNet(path("yunet"), size)
    sessions = {mid: ort_session(path(mid))
                for mid in ("facemesh", "minifasnet_v2", "minifasnet_v1se", "dlib_embedding")}
    return det, kind, size, sessions


def detect_largest(det, size, frame):
    h, w = frame.shape[:2]
    scale = min(size / w, size / h)
    nw, nh = min(size, round(w * scale)), min(size, round(h * scale))
    boxed = cv2.copyMakeBorder(cv2.resize(frame, (nw, nh)), 0, size - nh, 0, size - nw,
                               cv2.BORDER_CONSTANT, value=0)
    _, faces = det.detect(boxed)
    if faces is None or len(faces) == 0:
        return None
    face = faces[np.argmax(faces[:, 2] * faces[:, 3])]
    sx, sy = nw / w, nh / h
    box = face[:4] / np.array([sx, sy, sx, sy], np.float32)
    kps = face[4:14].reshape(5, 2) / np.array([sx, sy], np.float32)
    return box, kps, float(face[14])


def run_mesh(sess, frame, box, kps):
    x, y, w, h = box
    cx, cy, side = x + w / 2, y + h / 2, max(w, h) * MESH_SCALE
    (rx, ry), (lx, ly) = kps[0], kps[1]  # image-left eye, image-right eye
    angle = math.degrees(math.atan2(ly - ry, lx - rx))
    m = cv2.getRotationMatrix2D((float(cx), float(cy)), angle, 192.0 / side)
    m[:, 2] += (96.0 - cx, 96.0 - cy)
    crop = cv2.warpAffine(frame, m, (192, 192), flags=cv2.INTER_LINEAR, borderValue=0)
    rgb = cv2.cvtColor(crop, cv2.COLOR_BGR2RGB).astype(np.float32) * np.float32(1 / 255)
    pts, presence = sess.run(None, {"input_1": rgb[None]})
    pts = pts.reshape(468, 3)
    inv = cv2.invertAffineTransform(m)
    xy = pts[:, :2] @ inv[:, :2].T + inv[:, 2]
    return xy, 1 / (1 + math.exp(-float(presence.ravel()[0])))


def silent_face_box(frame_w, frame_h, box, scale):
    """Silent-Face CropImage: scale the box about its centre (limited to fit the frame), shift it
    back inside the frame, integer inclusive bounds."""
    x, y, w, h = (float(v) for v in box)
    w, h = max(w, 1.0), max(h, 1.0)
    scale = min(scale, (frame_h - 1) / h, (frame_w - 1) / w)
    nw, nh, cx, cy = w * scale, h * scale, x + w / 2, y + h / 2
    x0, y0, x1, y1 = cx - nw / 2, cy - nh / 2, cx + nw / 2, cy + nh / 2
    if x0 < 0:
        x1, x0 = x1 - x0, 0
    if y0 < 0:
        y1, y0 = y1 - y0, 0
    if x1 > frame_w - 1:
        x0, x1 = x0 - (x1 - frame_w + 1), frame_w - 1
    if y1 > frame_h - 1:
        y0, y1 = y0 - (y1 - frame_h + 1), frame_h - 1
    return int(max(x0, 0)), int(max(y0, 0)), int(x1), int(y1)


def run_fas(sess, frame, box, scale):
    x0, y0, x1, y1 = silent_face_box(frame.shape[1], frame.shape[0], box, scale)
    crop = cv2.resize(frame[y0:y1 + 1, x0:x1 + 1], (80, 80))
    logits = sess.run(None, {"input": cv2.dnn.blobFromImage(crop)})[0][0]
    e = np.exp(logits - logits.max())
    return float(e[FAS_LIVE_CLASS] / e.sum())


def run_embedding(sess, frame, box):
    x, y, w, h = box
    side = max(w, h)
    s = 150.0 / side
    m = np.array([[s, 0, 75 - (x + w / 2) * s], [0, s, 75 - (y + h / 2) * s]], np.float32)
    crop = cv2.warpAffine(frame, m, (150, 150), flags=cv2.INTER_LINEAR, borderValue=0)
    return sess.run(None, {"input": cv2.dnn.blobFromImage(crop, swapRB=True)})[0][0]


def session(files, models_dir, detector):
    """One whole session: load every model, then run every model on every frame."""
    t0 = time.perf_counter()
    det, kind, size, s = load_models(models_dir, detector)
    load_s = time.perf_counter() - t0
    times = {k: [] for k in STAGES}
    found = []  # (box, score, landmarks, presence, fas_v2, fas_v1se, embedding) per face frame
    clock = time.perf_counter
    last = 0.0

    def lap(stage):
        nonlocal last
        now = clock()
        times[stage].append(now - last)
        last = now

    t_loop = clock()
    for f in files:
        last = clock()
        frame = cv2.imread(f, cv2.IMREAD_COLOR)
        if frame is None:
            sys.exit(f"peer_pipeline: cannot decode {f}")
        lap("decode")
        face = detect_largest(det, size, frame)
        lap("detect")
        if face is None:
            continue
        box, kps, score = face
        xy, presence = run_mesh(s["facemesh"], frame, box, kps)
        lap("mesh")
        v2 = run_fas(s["minifasnet_v2"], frame, box, FAS_V2_SCALE)
        lap("fas_v2")
        v1se = run_fas(s["minifasnet_v1se"], frame, box, FAS_V1SE_SCALE)
        lap("fas_v1se")
        emb = run_embedding(s["dlib_embedding"], frame, box)
        lap("embedding")
        found.append((box, score, xy, presence, v2, v1se, emb))
    loop_s = clock() - t_loop
    return {"detector": kind, "load_s": load_s, "loop_s": loop_s, "times": times, "found": found}


def sanity(found, frames):
    """Plausibility figures computed after the timed loop."""
    if not found:
        return {"frames_with_face": 0}
    med = lambda xs: round(float(statistics.median(xs)), 4)
    in_box = []
    for box, _, xy, *_ in found:
        x, y, w, h = box  # box grown by 10% each side: FaceMesh reaches the forehead and chin
        inside = ((xy[:, 0] >= x - 0.1 * w) & (xy[:, 0] <= x + 1.1 * w)
                  & (xy[:, 1] >= y - 0.1 * h) & (xy[:, 1] <= y + 1.1 * h))
        in_box.append(inside.mean())
    first = found[0][6]
    return {
        "frames_with_face": len(found), "frames_without_face": frames - len(found),
        "det_score_median": med([f[1] for f in found]),
        "mesh_presence_median": med([f[3] for f in found]),
        "mesh_points_in_box_median": med(in_box), "mesh_points_in_box_min": round(float(min(in_box)), 4),
        "fas_v2_live_median": med([f[4] for f in found]),
        "fas_v1se_live_median": med([f[5] for f in found]),
        "fas_live_ensemble_min": round(min((f[4] + f[5]) / 2 for f in found), 4),
        "embedding_dist_to_first_median": med([float(np.linalg.norm(f[6] - first)) for f in found]),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--frames", required=True, help="directory of JPEG/PNG frames, in file-name order")
    p.add_argument("--models", default=os.path.join(ROOT, "models"))
    p.add_argument("--repeat", type=int, default=1, help="whole-session runs; the median one is reported")
    p.add_argument("--detector", choices=("auto", "opencv", "onnxruntime"), default="auto")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    cv2.setNumThreads(1)
    if not os.path.isdir(a.frames):
        sys.exit(f"peer_pipeline: --frames {a.frames} is not a directory")
    if not os.path.isfile(os.path.join(a.models, "manifest.json")):
        sys.exit(f"peer_pipeline: no manifest.json in --models {a.models}")
    files = [os.path.join(a.frames, n) for n in sorted(os.listdir(a.frames))
             if n.lower().endswith((".jpg", ".jpeg", ".png"))]
    if not files:
        sys.exit(f"peer_pipeline: no .jpg/.jpeg/.png frames in {a.frames}")

    runs = [session(files, a.models, a.detector) for _ in range(max(1, a.repeat))]
    run = sorted(runs, key=lambda r: r["loop_s"])[len(runs) // 2]
    n = len(files)
    result = {
        "peer": "python-opencv-onnxruntime", "opencv": cv2.__version__, "onnxruntime": ort.__version__,
        "numpy": np.__version__, "python": platform.python_version(), "threads": 1,
        "detector": run["detector"], "frames": n, "repeat": len(runs),
        "load_s": round(run["load_s"], 4), "loop_s": round(run["loop_s"], 4),
        "fps": round(n / run["loop_s"], 2), "fps_with_load": round(n / (run["load_s"] + run["loop_s"]), 2),
        "fps_best": round(n / min(r["loop_s"] for r in runs), 2),
        "stages_ms": {k: round(statistics.median(v) * 1e3, 3) if v else None for k, v in run["times"].items()},
        "checks": sanity(run["found"], n),
    }
    if a.json:
        print(json.dumps(result))
        return
    print(f"{result['peer']}: opencv {result['opencv']}, onnxruntime {result['onnxruntime']}, "
          f"1 thread, detector {result['detector']}, {len(runs)} run(s), median run shown")
    print(f"  frames {n}   load {result['load_s']:.3f} s   loop {result['loop_s']:.3f} s")
    print(f"  fps {result['fps']:.1f} (excluding load)   {result['fps_with_load']:.1f} (including load)")
    print("  median ms per stage:")
    for k, v in result["stages_ms"].items():
        print(f"    {k:10} {'-' if v is None else f'{v:8.2f}'}")
    print(f"    {'total':10} {sum(v for v in result['stages_ms'].values() if v):8.2f}")
    print("  checks: " + ", ".join(f"{k} {v}" for k, v in result["checks"].items()))


if __name__ == "__main__":
    main()
