"""Dict observations with cameras: the space, client-side checks naming the key, collecting from a camera env, and
the upload (each camera image a PNG frame, the observation `{state, <camera>: frame id}`) against a stand-in server."""
import json
import struct
import threading
import unittest
import uuid
from http.server import ThreadingHTTPServer
from types import SimpleNamespace

import numpy as np

import corrective
from corrective import Box, Dict, SpaceError
from corrective.client import Client, Project, Round
from corrective.collect import image_frame_id, run_episode
from corrective.http import Transport
from corrective.png import decode_png
from corrective.spaces import dict_observation, space_from_json, space_to_json

from .json_handler import JsonHandler

FRONT = Box(0, 255, (12, 16, 3), dtype=np.uint8)
WRIST = Box(0, 255, (8, 8, 1), dtype=np.uint8)
SPACE = Dict({"front": FRONT, "wrist": WRIST, "state": Box(-1, 1, (2,))})


class CameraWorld:
    """A 1-D walk to x = 4 seen by two cameras; the image buffers are reused between steps (as real drivers do)."""

    def __init__(self):
        self.x = 0
        self.front = np.zeros((12, 16, 3), dtype=np.uint8)
        self.wrist = np.zeros((8, 8), dtype=np.uint8)

    def _obs(self):
        self.front[:] = 0
        self.front[:, self.x * 3, :] = 255
        self.wrist[:] = self.x * 50
        return {"front": self.front, "wrist": self.wrist, "state": np.array([self.x / 4, -self.x / 4]), "debug": "ignored"}

    def reset(self, seed=None):
        self.x = 0
        return self._obs(), {}

    def step(self, action):
        self.x += 1 if int(action) == 1 else 0
        return self._obs(), 1.0, self.x >= 4, False, {}


class DictSpaceTest(unittest.TestCase):
    def test_json_is_the_servers_dict_space(self):
        j = SPACE.to_json()
        self.assertEqual(j["type"], "dict")
        self.assertEqual(j["spaces"]["front"], {"type": "box", "dtype": "uint8", "shape": [12, 16, 3], "low": 0, "high": 255})
        self.assertEqual(j["spaces"]["state"]["shape"], [2])
        back = space_from_json(j)
        self.assertEqual(back.cameras, ["front", "wrist"])
        self.assertEqual(back.dim, 2)
        self.assertEqual(back.to_json(), j)

    def test_gymnasium_shaped_dict_by_duck_typing(self):
        gym_box = lambda low, high, shape, dtype: SimpleNamespace(low=np.full(shape, low), high=np.full(shape, high), shape=shape, dtype=np.dtype(dtype))
        space = SimpleNamespace(spaces={"image": gym_box(0, 255, (64, 64, 3), np.uint8), "state": gym_box(-1.0, 1.0, (3,), np.float32)})
        j = space_to_json(space)
        self.assertEqual(j["spaces"]["image"]["shape"], [64, 64, 3])
        self.assertEqual(j["spaces"]["state"]["high"], [1.0, 1.0, 1.0])

    def test_bad_spaces_are_refused_naming_the_key(self):
        cases = [
            ({"front": Box(0, 255, (12, 16, 2), dtype=np.uint8), "state": Box(-1, 1, (2,))}, "front"),
            ({"front": Box(0, 255, (4, 16, 3), dtype=np.uint8)}, "front"),
            ({"front": Box(0, 1, (12, 16, 3), dtype=np.float32)}, "front"),
            ({"state": Box(0, 255, (12, 16, 3), dtype=np.uint8)}, "state"),
            ({"pos": Box(-1, 1, (2,)), "front": FRONT}, "pos"),
            ({"state": Box(-1, 1, (2,))}, "camera"),
        ]
        for spaces, named in cases:
            with self.subTest(named=named), self.assertRaises(SpaceError) as e:
                Dict(spaces)
            self.assertIn(named, str(e.exception))

    def test_observations_are_checked_naming_the_key(self):
        good = {"front": np.zeros((12, 16, 3), np.uint8), "wrist": np.zeros((8, 8), np.uint8), "state": [0.1, 0.2]}
        state, images = dict_observation(SPACE, good, "episodes.0.steps.3.observation")
        self.assertEqual(state, [0.1, 0.2])
        self.assertEqual(images["wrist"].shape, (8, 8, 1))
        bad = [
            ({**good, "front": np.zeros((16, 12, 3), np.uint8)}, "episodes.0.steps.3.observation.front"),
            ({**good, "front": np.full((12, 16, 3), 0.5)}, "episodes.0.steps.3.observation.front"),
            ({**good, "wrist": np.full((8, 8), 300)}, "episodes.0.steps.3.observation.wrist"),
            ({k: v for k, v in good.items() if k != "wrist"}, "episodes.0.steps.3.observation.wrist"),
            ({**good, "state": [0.1]}, "episodes.0.steps.3.observation.state"),
            ([0.1, 0.2], "episodes.0.steps.3.observation"),
        ]
        for obs, field in bad:
            with self.subTest(field=field), self.assertRaises(SpaceError) as e:
                dict_observation(SPACE, obs, "episodes.0.steps.3.observation")
            self.assertIn(field, e.exception.field_errors)


class CollectImagesTest(unittest.TestCase):
    def test_steps_keep_copies_of_each_cameras_image(self):
        seen = []
        ep = run_episode(CameraWorld(), lambda o: seen.append(o) or 1, seed=0, episode_id=str(uuid.uuid4()))
        self.assertEqual(ep.length, 4)
        self.assertEqual(set(seen[0]), {"front", "wrist", "state", "debug"})  # the policy gets the env's dict
        first, last = ep.steps[0].observation, ep.steps[-1].observation
        self.assertEqual(first["state"], [0.0, 0.0])
        self.assertEqual(int(first["front"][0, 0, 0]), 255)  # not overwritten by the reused buffer
        self.assertEqual(int(last["front"][0, 9, 0]), 255)
        self.assertEqual(int(last["wrist"][0, 0]), 150)


class Recorder(JsonHandler):
    frames = {}
    bodies = []

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.path.endswith("/frames"):
            self.assertEqual(self.headers.get("content-type"), "application/vnd.corrective.frames")
            at = 0
            while at < len(raw):
                fid = str(uuid.UUID(bytes=raw[at:at + 16]))
                (n,) = struct.unpack(">I", raw[at + 16:at + 20])
                Recorder.frames[fid] = raw[at + 20:at + 20 + n]
                at += 20 + n
            return self._send(201, {"data": {"stored": 0}})
        body = json.loads(raw)
        Recorder.bodies.append((self.path, body))
        if self.path.endswith("/rollouts"):
            return self._send(201, {"data": {"roundIndex": 1, "rollouts": [{"rolloutId": r["id"], "id": r["id"], "roundIndex": 1, "steps": len(r["steps"]), "duplicate": False} for r in body["rollouts"]]}})
        return self._send(201, {"data": {"roundIndex": 0, "rolloutIds": [e["id"] for e in body["episodes"]], "duplicates": 0, "steps": 0}})

    def assertEqual(self, a, b):
        if a != b:
            raise AssertionError(f"{a!r} != {b!r}")


class UploadImagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        Recorder.frames.clear()
        Recorder.bodies.clear()
        client = Client(Transport(self.url, "crv_test", retries=0))
        self.project = Project(client, {"id": "p1", "name": "cam", "config": {"external": {"observationSpace": SPACE.to_json(), "actionSpace": {"type": "discrete", "n": 2}}}})
        self.assertIsInstance(self.project.observation_space, corrective.DictSpace)

    def _episode(self):
        return run_episode(CameraWorld(), lambda o: 1, seed=0, episode_id=str(uuid.uuid4()))

    def test_rollouts_reference_one_png_frame_per_camera_and_step(self):
        ep = self._episode()
        out = Round(self.project, {"index": 1, "status": "collecting"}).upload_rollouts([ep])
        self.assertEqual(out["frames"], 2 * ep.length)
        path, body = Recorder.bodies[-1]
        self.assertEqual(path, "/api/v1/projects/p1/rollouts")
        steps = body["rollouts"][0]["steps"]
        for t, step in enumerate(steps):
            obs = step["observation"]
            self.assertEqual(set(obs), {"state", "front", "wrist"})  # the env's extra key is not sent
            self.assertEqual(obs["state"], ep.steps[t].observation["state"])
            self.assertEqual(obs["front"], image_frame_id(ep.id, t, "front"))
            np.testing.assert_array_equal(decode_png(Recorder.frames[obs["front"]]), ep.steps[t].observation["front"])
            np.testing.assert_array_equal(decode_png(Recorder.frames[obs["wrist"]])[:, :, 0], ep.steps[t].observation["wrist"])

    def test_round_zero_demonstrations_carry_the_images_too(self):
        ep = self._episode()
        Round(self.project, {"index": 0, "status": "collecting"}).upload_rollouts([ep])
        path, body = Recorder.bodies[-1]
        self.assertEqual(path, "/api/v1/projects/p1/demonstrations")
        obs = body["episodes"][0]["steps"][2]["observation"]
        np.testing.assert_array_equal(decode_png(Recorder.frames[obs["front"]]), ep.steps[2].observation["front"])

    def test_a_bad_image_is_refused_before_anything_is_sent(self):
        ep = self._episode()
        ep.steps[2].observation["front"] = np.zeros((16, 12, 3), np.uint8)
        with self.assertRaises(SpaceError) as e:
            Round(self.project, {"index": 1, "status": "collecting"}).upload_rollouts([ep])
        self.assertIn("episodes.0.steps.2.observation.front", e.exception.field_errors)
        self.assertEqual(Recorder.frames, {})
        self.assertEqual(Recorder.bodies, [])


class ImagePolicyInputTest(unittest.TestCase):
    """What an image policy (fixtures/policy-vision-gaussian: cameras front 12×10×3 and wrist 8×8×1, state 2) accepts."""

    @classmethod
    def setUpClass(cls):
        from pathlib import Path

        from corrective.runtime import load_policy

        cls.policy = load_policy((Path(__file__).resolve().parent / "fixtures" / "policy-vision-gaussian.crpl").read_bytes())

    def obs(self, **over):
        rng = np.random.default_rng(0)
        return {"state": [0.1, -0.2], "front": rng.integers(0, 256, (12, 10, 3), dtype=np.uint8), "wrist": rng.integers(0, 256, (8, 8), dtype=np.uint8), **over}

    def test_one_dict_a_list_of_dicts_and_a_batched_dict_agree(self):
        p, o = self.policy, self.obs()
        self.assertTrue(p.is_visual)
        self.assertEqual([name for name, _ in p.cameras], ["front", "wrist"])
        one = p.act(o)
        many = p.act_batch([o, self.obs(state=[0.5, 0.5])])
        batched = p.act_batch({k: np.stack([o[k], self.obs(state=[0.5, 0.5])[k]]) for k in o})
        np.testing.assert_array_equal(many[0], one)
        np.testing.assert_array_equal(batched, many)
        # The flat pixels (as the TypeScript runtime also takes them) give the same action.
        np.testing.assert_array_equal(p.act({**o, "front": o["front"].reshape(-1).tolist()}), one)

    def test_bad_observations_name_the_key(self):
        p = self.policy
        for obs, needle in (
            ([0.1, 0.2], "pass a dict"),
            ({k: v for k, v in self.obs().items() if k != "wrist"}, 'no "wrist" image'),
            (self.obs(front=np.zeros((10, 12, 3), np.uint8)), '"front" has shape (10, 12, 3)'),
            (self.obs(front=np.full((12, 10, 3), 0.5)), '"front" must hold integers 0–255'),
            (self.obs(state=[1.0]), '"state" has 1 element(s)'),
        ):
            with self.subTest(needle=needle), self.assertRaises(ValueError) as e:
                p.act(obs)
            self.assertIn(needle, str(e.exception))


if __name__ == "__main__":
    unittest.main()
