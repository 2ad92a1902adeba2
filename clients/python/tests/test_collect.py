import unittest

import numpy as np

from corrective.collect import env_state, frame_id, plain, rollout_id, run_episode


class LineWorld:
    """A 1-D walk to x = 5: action 1 steps right, 0 left; reward 1 per step; renders a 4×4 image."""

    def __init__(self):
        self.state = None

    def reset(self, seed=None):
        self.state = np.array([0.0, float(seed or 0)])
        return self.state[:1].copy(), {}

    def step(self, action):
        self.state[0] += 1 if int(action) == 1 else -1
        done = self.state[0] >= 5
        return self.state[:1].copy(), 1.0, bool(done), False, {"is_success": bool(done)}

    def render(self):
        return np.full((4, 4, 3), int(self.state[0]) * 10 % 256, dtype=np.uint8)


class Always:
    def __init__(self, a):
        self.a = a

    def act(self, obs, deterministic=True, rng=None):
        return self.a


class CollectTest(unittest.TestCase):
    def test_policy_episode_records_steps_state_frames_and_success(self):
        env = LineWorld()
        ep = run_episode(env, lambda o: Always(1).act(o), seed=3, episode_id="x", render=True)
        self.assertEqual(ep.length, 5)
        self.assertEqual(ep.total_return, 5.0)
        self.assertTrue(ep.success)
        self.assertEqual([s.policy_action for s in ep.steps], [1] * 5)
        self.assertEqual(ep.steps[0].state, [0.0, 3.0])
        self.assertEqual(ep.steps[2].frame.shape, (4, 4, 3))

    def test_expert_with_beta_one_always_acts_and_policy_action_is_kept(self):
        ep = run_episode(LineWorld(), lambda o: 0, seed=0, episode_id="x", expert=lambda o: 1, beta=1.0, max_steps=10)
        self.assertEqual([s.action for s in ep.steps], [1] * 5)
        self.assertEqual([s.policy_action for s in ep.steps], [0] * 5)

    def test_beta_zero_never_calls_the_expert(self):
        calls = []
        ep = run_episode(LineWorld(), lambda o: 0, seed=0, episode_id="x", expert=lambda o: calls.append(o) or 1, beta=0.0, max_steps=7)
        self.assertEqual(calls, [])
        self.assertEqual(ep.length, 7)

    def test_interventions_are_marked_and_executed(self):
        ep = run_episode(LineWorld(), lambda o: 0, seed=0, episode_id="x", intervene=lambda o, proposed: 1 if o[0] < 2 else None, max_steps=6)
        flags = [s.intervention for s in ep.steps]
        self.assertEqual(flags[:2], [True, True])
        self.assertEqual(ep.interventions, sum(flags))
        self.assertEqual(ep.steps[0].action, 1)
        self.assertEqual(ep.steps[0].policy_action, 0)

    def test_ids_are_stable_per_project_round_and_seed(self):
        a = rollout_id("p", 2, 7)
        self.assertEqual(a, rollout_id("p", 2, 7))
        self.assertNotEqual(a, rollout_id("p", 3, 7))
        self.assertNotEqual(rollout_id("p", None, 7), rollout_id("p", None, 7))
        self.assertEqual(frame_id(a, 4), frame_id(a, 4))
        self.assertNotEqual(frame_id(a, 4), frame_id(a, 5))

    def test_plain_actions(self):
        self.assertEqual(plain(np.int64(2)), 2)
        self.assertIsInstance(plain(np.int64(2)), int)
        self.assertEqual(plain(np.array([0.5, 1.0], dtype=np.float32)), [0.5, 1.0])
        self.assertEqual(plain(np.float32(0.25)), 0.25)

    def test_env_state_from_info_or_unwrapped(self):
        class Wrapped:
            unwrapped = LineWorld()
        Wrapped.unwrapped.reset(seed=1)
        self.assertEqual(env_state(Wrapped(), {}), [0.0, 1.0])
        self.assertEqual(env_state(Wrapped(), {"state": [9, 8]}), [9.0, 8.0])


if __name__ == "__main__":
    unittest.main()
