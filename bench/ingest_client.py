"""bench:ingest's Python side: uploads steps and 64×64 frames through the Python client; prints one JSON line of timings.

    python3 bench/ingest_client.py URL TOKEN PROJECT_ID EPISODES STEPS_PER_EPISODE FRAMES
"""
import json
import sys
import time
import uuid

import numpy as np

import corrective
from corrective.collect import Episode, Step


def frame(i):
    """A synthetic 64×64 camera image: a gradient, a moving block, mild sensor noise."""
    rng = np.random.default_rng(i)
    y, x = np.mgrid[0:64, 0:64]
    img = np.stack([x * 4, y * 4, (x + y) * 2], axis=-1).astype(np.int32)
    c = (i * 3) % 56
    img[20:36, c:c + 8] = (30, 30, 200)
    img += rng.integers(-6, 7, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def episodes(n, length, with_frames):
    rng = np.random.default_rng(0)
    out = []
    for e in range(n):
        steps = [Step(observation=rng.standard_normal(4).tolist(), action=0, policy_action=int(t % 2), reward=1.0,
                      state=rng.standard_normal(4).tolist(), frame=frame(e * length + t) if with_frames else None) for t in range(length)]
        out.append(Episode(id=str(uuid.uuid4()), seed=e, steps=steps))
    return out


def main():
    url, token, project_id, n, length, n_frames = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    project = corrective.connect(url, token=token).project(project_id)
    rnd = project.current_round()
    steps_eps = episodes(n, length, False)
    t0 = time.perf_counter()
    rnd.upload_rollouts(steps_eps)
    steps_s = time.perf_counter() - t0
    frame_eps = episodes(n_frames // 100, 100, True)
    t0 = time.perf_counter()
    rnd.upload_rollouts(frame_eps)
    frames_s = time.perf_counter() - t0
    print(json.dumps({"steps": n * length, "stepsSeconds": steps_s, "frames": (n_frames // 100) * 100, "framesSeconds": frames_s}))


if __name__ == "__main__":
    main()
