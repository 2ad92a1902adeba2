"""Driven by tests/server/python-images.test.ts: the Python client on a camera robot (a Dict observation space).

Round 0 uploads expert demonstrations whose observations are images plus a state; the server trains a ConvNet
policy on them; the client downloads it and runs it in numpy on the camera images; round 1's rollouts go up with
one PNG frame per camera and step; closed, the round's labelling tasks show those frames. Prints one JSON object
per line. Configuration from the environment: CORRECTIVE_URL, CORRECTIVE_TOKEN.
"""
import hashlib
import json
import os

import numpy as np

import corrective
from corrective.collect import image_frame_id
from corrective.png import decode_png, encode_png

SIZE = 16
GOAL = 12


class BarWorld:
    """A bright vertical bar at column `c` of a 16×16 RGB camera image; action 1 moves it right, 0 left. The state
    is the step count (the position is only in the image, so the policy has to look)."""

    observation_space = corrective.Dict({
        "front": corrective.Box(0, 255, (SIZE, SIZE, 3), dtype=np.uint8),
        "state": corrective.Box(0, 50, (1,)),
    })
    action_space = corrective.Discrete(2)

    def __init__(self):
        self.c, self.t = 0, 0

    def _obs(self):
        img = np.full((SIZE, SIZE, 3), 20, dtype=np.uint8)
        img[:, self.c, :] = (250, 200, 120)
        return {"front": img, "state": np.array([float(self.t)])}

    def reset(self, seed=None):
        self.c, self.t = 1 + (seed or 0) % 6, 0
        return self._obs(), {}

    def step(self, action):
        self.c = int(np.clip(self.c + (1 if int(action) == 1 else -1), 0, SIZE - 1))
        self.t += 1
        done = self.c == GOAL
        return self._obs(), 1.0 if done else 0.0, done, False, {"is_success": done}


def expert(obs):
    column = int(np.argmax(obs["front"][0, :, 0]))
    return 1 if column < GOAL else 0


def emit(**event):
    print(json.dumps(event), flush=True)


def main():
    client = corrective.connect(os.environ["CORRECTIVE_URL"], token=os.environ["CORRECTIVE_TOKEN"])
    env = BarWorld()
    settings = {"epochs": 8, "hiddenUnits": [16], "statesPerRound": 50, "labelsPerState": 1, "batchSize": 16}
    project = client.create_project("Python camera robot", observation_space=env.observation_space, action_space=env.action_space, settings=settings)
    emit(event="project", id=project.id, observationSpace=project.observation_space.to_json())

    rnd = project.start_round()
    demos = project.collect(env, None, episodes=4, seed=0, expert=expert, max_steps=15)
    up = rnd.upload_rollouts(demos)
    emit(event="demonstrations", **up)
    rnd.close()
    rnd.wait_for("published", timeout=300)

    policy = project.latest_policy()
    emit(event="policy", version=policy.version, vision=policy.spec.get("vision"))

    rnd = project.start_round()
    episodes = project.collect(env, policy, episodes=2, seed=100, max_steps=6, round=rnd)
    up = rnd.upload_rollouts(episodes)
    emit(event="rollouts", **up)
    # What each uploaded frame is: the PNG of the image the policy acted on at that step.
    sent = {}
    for ep in episodes:
        for t, st in enumerate(ep.steps):
            sent[image_frame_id(ep.id, t, "front")] = (st.observation["front"], hashlib.sha256(encode_png(st.observation["front"])).hexdigest(), st.policy_action)
    rnd.close()

    # The labelling tasks of round 1 show, for every state, the frame of the image its policy saw.
    claimed = project.claim_tasks(count=100)["tasks"]
    checked = []
    for item in claimed:
        url = item["state"]["frameUrl"]
        fid = url.rsplit("/", 1)[-1].split("?")[0]
        image, digest, _ = sent[fid]
        _, _, png = project.http.request("GET", url, accept="image/png")
        checked.append({"frameId": fid, "t": item["state"]["t"], "sameBytes": hashlib.sha256(png).hexdigest() == digest,
                        "samePixels": bool(np.array_equal(decode_png(png), image))})
    emit(event="tasks", steps=sum(ep.length for ep in episodes), checked=checked, frames=sorted(sent))
    emit(event="done")


if __name__ == "__main__":
    main()
