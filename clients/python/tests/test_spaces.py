import unittest
from types import SimpleNamespace

import numpy as np

from corrective import Box, Discrete, SpaceError
from corrective.spaces import observation_vector, space_from_json, space_to_json


class SpacesTest(unittest.TestCase):
    def test_box_json_broadcasts_scalars(self):
        self.assertEqual(Box(-1, 1, (3,)).to_json(), {"type": "box", "shape": [3], "low": [-1.0] * 3, "high": [1.0] * 3})
        self.assertEqual(space_from_json(Box([0, 1], [2, 3]).to_json()), Box([0.0, 1.0], [2.0, 3.0], [2]))

    def test_discrete_checks_actions(self):
        d = Discrete(3)
        self.assertEqual(d.check_action(np.int64(2)), 2)
        with self.assertRaises(SpaceError) as e:
            d.check_action(3, "steps.4.action")
        self.assertIn("steps.4.action", e.exception.field_errors)
        with self.assertRaises(SpaceError):
            d.check_action(1.5)

    def test_box_checks_actions_and_observations(self):
        b = Box([-1, -1], [1, 1])
        self.assertEqual(b.check_action(np.array([0.5, -0.5])), [0.5, -0.5])
        with self.assertRaises(SpaceError):
            b.check_action([2.0, 0.0])
        with self.assertRaises(SpaceError):
            b.check_action([0.0])
        self.assertEqual(observation_vector(b, np.array([[1, 2]])), [1.0, 2.0])
        with self.assertRaises(SpaceError):
            observation_vector(b, [1, 2, 3])
        with self.assertRaises(SpaceError):
            observation_vector(b, [1, float("nan")])

    def test_gymnasium_shaped_spaces_by_duck_typing(self):
        self.assertEqual(space_to_json(SimpleNamespace(n=4)), {"type": "discrete", "n": 4})
        box = space_to_json(SimpleNamespace(low=np.array([-2.0, 0.0]), high=np.array([2.0, 1.0]), shape=(2,)))
        self.assertEqual(box["shape"], [2])
        with self.assertRaises(SpaceError):
            space_to_json(object())


if __name__ == "__main__":
    unittest.main()
