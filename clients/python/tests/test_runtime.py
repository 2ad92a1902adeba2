"""The numpy policy runtime's API: return types, batches, seeded sampling, bounds, and clear errors for bad
blobs and bad observations. Parity with the TypeScript runtime is test_runtime_parity.py."""

from __future__ import annotations

import json
import os
import struct
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from corrective.runtime import ActResult, Policy, PolicyBlobError, load_policy  # noqa: E402
from corrective.runtime.prng import gaussian, mulberry32  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def blob_of(name: str) -> bytes:
    return (FIXTURES / f"policy-{name}.crpl").read_bytes()


def split_blob(blob: bytes):
    """(header dict, weight bytes) of a blob."""
    (length,) = struct.unpack_from("<I", blob, 8)
    start = (12 + length + 3) & ~3
    return json.loads(blob[12 : 12 + length]), blob[start:]


def join_blob(header: dict, weights: bytes, version: int = 1) -> bytes:
    """The encoder of trainer/policy/blob.ts, for building broken blobs."""
    raw = json.dumps(header).encode()
    pad = b"\x00" * (((12 + len(raw) + 3) & ~3) - 12 - len(raw))
    return b"CRPL" + struct.pack("<II", version, len(raw)) + raw + pad + weights


class LoadTest(unittest.TestCase):
    def test_a_re_encoded_blob_acts_the_same(self):
        blob = blob_of("gaussian")
        again = load_policy(join_blob(*split_blob(blob)))
        self.assertIsInstance(again, Policy)
        np.testing.assert_array_equal(again.act([0.1, 0.2, 0.3]), load_policy(blob).act([0.1, 0.2, 0.3]))

    def test_spec_and_shape_attributes(self):
        policy = load_policy(blob_of("categorical"))
        self.assertEqual(policy.spec["head"]["kind"], "categorical")
        self.assertEqual(policy.spec["network"]["hidden"], [64, 64])
        self.assertTrue(policy.discrete)
        self.assertEqual((policy.obs_dim, policy.act_dim, policy.ensemble_size), (4, 1, 1))
        ens = load_policy(bytearray(blob_of("ensemble-gaussian")))  # bytearray and memoryview work too
        self.assertEqual((ens.discrete, ens.act_dim, ens.ensemble_size), (False, 2, 3))

    def test_bad_blobs_raise_a_clear_error(self):
        blob = blob_of("gaussian")
        header, weights = split_blob(blob)
        cases = {
            "too short": b"CRPL",
            "bad magic": b"XXXX" + blob[4:],
            "unsupported version": join_blob(header, weights, version=2),
            "header runs past the end": blob[:12] + b"{}",
            "not valid JSON": b"CRPL" + struct.pack("<II", 1, 3) + b"{x}",
            "weights run past the end": blob[: len(blob) - 8],
        }
        for needle, bad in cases.items():
            with self.subTest(needle), self.assertRaises(PolicyBlobError) as ctx:
                load_policy(bad)
            self.assertIn(needle, str(ctx.exception))

    def test_header_problems_are_named(self):
        blob = blob_of("gaussian")

        def broken(edit):
            header, weights = split_blob(blob)
            edit(header)
            return join_blob(header, weights)

        def unknown_head(h):
            h["spec"]["head"] = {"kind": "transformer"}

        def conv_layer(h):
            h["nets"][0]["modelTopology"]["config"]["layers"][0]["class_name"] = "Conv2D"

        def swish(h):
            h["nets"][0]["modelTopology"]["config"]["layers"][0]["config"]["activation"] = "swish"

        def wrong_obs_dim(h):
            h["spec"]["obsDim"] = 5

        def no_nets(h):
            h["nets"] = []

        def categorical_on_box(h):
            h["spec"]["head"] = {"kind": "categorical"}

        for edit, needle in (
            (unknown_head, "unknown head 'transformer'"),
            (conv_layer, "unsupported layer Conv2D"),
            (swish, "activation swish"),
            (wrong_obs_dim, "expected 5→4"),
            (no_nets, "no network 0 for member 0"),
            (categorical_on_box, "needs a discrete action space"),
        ):
            with self.subTest(edit.__name__), self.assertRaises(PolicyBlobError) as ctx:
                load_policy(broken(edit))
            self.assertIn(needle, str(ctx.exception))
        self.assertTrue(issubclass(PolicyBlobError, ValueError))

    def test_missing_global_log_std_is_named(self):
        header, weights = split_blob(blob_of("gaussian-global-tanh"))
        header["extras"] = []
        with self.assertRaisesRegex(PolicyBlobError, "lacks logStd"):
            load_policy(join_blob(header, weights))


class ActTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.discrete = load_policy(blob_of("categorical"))
        cls.box = load_policy(blob_of("gaussian"))
        cls.mog = load_policy(blob_of("mog"))

    def test_types_of_actions(self):
        a = self.discrete.act(np.zeros(4))
        self.assertIs(type(a), int)
        self.assertIn(a, range(3))
        self.assertIs(type(self.discrete.act([0, 0, 0, 0], deterministic=False, rng=1)), int)
        b = self.box.act((0.1, 0.2, 0.3))
        self.assertIsInstance(b, np.ndarray)
        self.assertEqual((b.shape, b.dtype), ((2,), np.float64))
        batch = self.box.act_batch([[0.1, 0.2, 0.3], [0.0, 0.0, 0.0]])
        self.assertEqual(batch.shape, (2, 2))
        np.testing.assert_array_equal(batch[0], b)
        self.assertEqual(self.discrete.act_batch(np.zeros((5, 4))).dtype, np.int64)

    def test_info_carries_uncertainty_and_spread(self):
        info = self.box.act_info([0.1, 0.2, 0.3])
        self.assertIsInstance(info, ActResult)
        np.testing.assert_array_equal(info.action, self.box.act([0.1, 0.2, 0.3]))
        self.assertGreater(info.spread, 0)
        self.assertEqual(info.uncertainty, info.spread)  # a single network reports its own spread
        ens = load_policy(blob_of("ensemble-gaussian")).act_info([0.1, 0.2, 0.3])
        self.assertGreater(ens.uncertainty, 0)
        self.assertNotEqual(ens.uncertainty, ens.spread)

    def test_observation_shapes(self):
        flat = self.box.act(np.array([0.1, 0.2, 0.3]))
        np.testing.assert_array_equal(self.box.act(np.array([[0.1, 0.2, 0.3]])), flat)  # [1, obs_dim] is one observation
        np.testing.assert_array_equal(self.box.act(np.array([0.1, 0.2, 0.3], dtype=np.float32)), self.box.act(np.float32([0.1, 0.2, 0.3]).tolist()))
        empty = self.box.act_batch(np.zeros((0, 3)))
        self.assertEqual(empty.shape, (0, 2))
        self.assertEqual(self.discrete.act_batch(np.zeros((0, 4))).shape, (0,))

    def test_bad_observations_raise_value_errors(self):
        for policy, obs in ((self.box, [0.1, 0.2]), (self.discrete, np.zeros(5)), (self.mog, [1, 2, 3, 4])):
            with self.assertRaisesRegex(ValueError, "expects"):
                policy.act(obs)
        for bad in ([np.nan, 0, 0], [0, np.inf, 0], [0, 0, -np.inf]):
            for policy in (self.box, self.mog):
                with self.assertRaisesRegex(ValueError, "NaN or infinity"):
                    policy.act(bad)
        with self.assertRaisesRegex(ValueError, "NaN or infinity"):
            self.discrete.act([0, np.nan, 0, 0])
        with self.assertRaisesRegex(ValueError, r"expected \(batch, 3\)"):
            self.box.act_batch([0.1, 0.2, 0.3])
        with self.assertRaises(TypeError):
            self.box.act([0, 0, 0], deterministic=False, rng="seed")

    def test_seeded_sampling_is_reproducible_and_varied(self):
        obs = np.tile([0.1, 0.2, 0.3], (50, 1))
        a = self.mog.act_batch(obs, deterministic=False, rng=np.random.default_rng(7))
        b = self.mog.act_batch(obs, deterministic=False, rng=np.random.default_rng(7))
        np.testing.assert_array_equal(a, b)
        self.assertGreater(a[:, 0].std(), 0.05)
        np.testing.assert_array_equal(self.mog.act([0.1, 0.2, 0.3], deterministic=False, rng=3), self.mog.act([0.1, 0.2, 0.3], deterministic=False, rng=3))
        # Without an rng the policy's own generator keeps drawing new samples.
        draws = {tuple(self.mog.act([0.1, 0.2, 0.3], deterministic=False)) for _ in range(5)}
        self.assertGreater(len(draws), 1)

    def test_actions_stay_inside_the_box(self):
        for name in ("gaussian", "mog", "autoregressive", "cvae-best", "diffusion-ddpm-linear", "ensemble-gaussian"):
            policy = load_policy(blob_of(name))
            low, high = np.array(policy.spec["actionSpace"]["low"]), np.array(policy.spec["actionSpace"]["high"])
            obs = np.random.default_rng(0).uniform(-30, 30, size=(300, policy.obs_dim))
            for deterministic in (True, False):
                with self.subTest(name, deterministic=deterministic):
                    acts = policy.act_batch(obs, deterministic=deterministic, rng=np.random.default_rng(1))
                    self.assertTrue(np.all(acts >= low) and np.all(acts <= high))


class PrngTest(unittest.TestCase):
    def test_mulberry32_is_uniform_and_seeded(self):
        g = mulberry32(17)
        xs = [g() for _ in range(20000)]
        self.assertTrue(all(0 <= x < 1 for x in xs))
        self.assertAlmostEqual(float(np.mean(xs)), 0.5, delta=0.01)
        g2 = mulberry32(17)
        self.assertEqual([g2() for _ in range(5)], xs[:5])
        self.assertNotEqual(mulberry32(18)(), xs[0])
        zs = [gaussian(mulberry32(s)) for s in range(5000)]
        self.assertAlmostEqual(float(np.std(zs)), 1.0, delta=0.05)


if __name__ == "__main__":
    unittest.main()
