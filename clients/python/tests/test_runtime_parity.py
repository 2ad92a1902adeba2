"""The numpy runtime against the TypeScript runtime, on the committed fixtures (tests/helpers/runtime-fixtures.ts).

Deterministic actions, uncertainty and spread agree to 1e-5. Sampled actions agree statistically on the
same number of draws: per action dimension the means (5σ of the difference), variances (5σ from the
fourth moment) and 19 quantiles (the numpy CDF at each TypeScript quantile within 5σ of its probability,
with atoms — clipped bounds — allowed for); discrete counts by a two-sample χ² test at p = 1e-6.
The numpy draws are seeded, so the outcome is reproducible. Image policies (``vision-*`` fixtures) get
Dict observations; the fixtures hold each camera's pixels flat, and they are passed here as ``[H, W, C]`` arrays
(``[H, W]`` for a grey camera), as a Gymnasium env gives them.
"""

from __future__ import annotations

import json
import math
import os
import sys
import unittest
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from corrective.runtime import load_policy  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ATOL = 1e-5
Z = 5.0


def chi2_critical(df: int, z: float = 4.75) -> float:
    """Upper χ² quantile for p ≈ 1e-6 (z = 4.75) by the Wilson–Hilferty approximation."""
    k = 2 / (9 * df)
    return df * (1 - k + z * math.sqrt(k)) ** 3


def fixture_names():
    return sorted(p.stem[len("policy-") :] for p in FIXTURES.glob("policy-*.json"))


class RuntimeParityTest(unittest.TestCase):
    def test_fixtures_exist(self):
        names = fixture_names()
        for required in ("categorical", "gaussian"):
            self.assertIn(required, names)
        for name in names:
            self.assertTrue((FIXTURES / f"policy-{name}.crpl").is_file(), name)

    def test_fixtures_cover_image_policies(self):
        names = fixture_names()
        self.assertIn("vision-gaussian", names)
        self.assertIn("vision-avg-camera-only", names)
        self.assertTrue(self._load("vision-gaussian")[1].is_visual)

    def test_deterministic_actions_match_typescript(self):
        for name in fixture_names():
            with self.subTest(fixture=name):
                record, policy = self._load(name)
                det = record["deterministic"]
                observations = self._observations(policy, det["observations"])
                out = policy.act_batch_info(observations)
                if policy.discrete:
                    np.testing.assert_array_equal(out.actions, np.array(det["actions"], dtype=np.int64))
                else:
                    np.testing.assert_allclose(out.actions, np.array(det["actions"]), rtol=0, atol=ATOL)
                np.testing.assert_allclose(out.uncertainty, det["uncertainty"], rtol=0, atol=ATOL)
                np.testing.assert_allclose(out.spread, det["spread"], rtol=0, atol=ATOL)
                # act() on one observation (a list, as a robot loop might pass it; the fast path of the
                # default heads) gives the batch's answer.
                for i, obs in enumerate(observations):
                    a = policy.act(obs if policy.is_visual else list(obs))
                    if policy.discrete:
                        self.assertIsInstance(a, int)
                        self.assertEqual(a, det["actions"][i])
                    else:
                        self.assertIsInstance(a, np.ndarray)
                        np.testing.assert_allclose(a, det["actions"][i], rtol=0, atol=ATOL)

    def test_sampled_actions_match_typescript_statistically(self):
        for name in fixture_names():
            record, policy = self._load(name)
            for k, stats in enumerate(record["sampled"]["stats"]):
                with self.subTest(fixture=name, observation=k):
                    n = stats["n"]
                    rng = np.random.default_rng(1000 + k)
                    if policy.is_visual:
                        obs = self._observations(policy, [stats["observation"]])[0]
                        samples = policy.act_batch({k: np.stack([v] * n) for k, v in obs.items()}, deterministic=False, rng=rng)
                    else:
                        samples = policy.act_batch(np.tile(np.array(stats["observation"]), (n, 1)), deterministic=False, rng=rng)
                    if policy.discrete:
                        self._check_counts(np.bincount(samples, minlength=len(stats["counts"])), np.array(stats["counts"]))
                    else:
                        self._check_box(samples, stats, record["sampled"]["quantileProbs"])

    def test_sampled_single_actions_match_typescript_statistically(self):
        # act() one observation at a time: for single-network categorical and Gaussian policies (the
        # defaults) that is a separate fast path, so its sampler is checked on its own.
        for name in fixture_names():
            record, policy = self._load(name)
            if policy.ensemble_size != 1 or policy.spec["head"]["kind"] not in ("categorical", "gaussian") or policy.is_visual:
                continue
            stats = record["sampled"]["stats"][0]
            with self.subTest(fixture=name):
                rng = np.random.default_rng(2000)
                obs = np.array(stats["observation"])
                samples = np.array([policy.act(obs, deterministic=False, rng=rng) for _ in range(stats["n"])])
                if policy.discrete:
                    self._check_counts(np.bincount(samples, minlength=len(stats["counts"])), np.array(stats["counts"]))
                else:
                    self._check_box(samples, stats, record["sampled"]["quantileProbs"])

    def _check_counts(self, ours: np.ndarray, theirs: np.ndarray) -> None:
        self.assertEqual(ours.sum(), theirs.sum())
        used = (ours + theirs) > 0
        chi2 = float((((ours - theirs) ** 2)[used] / (ours + theirs)[used]).sum())
        df = max(int(used.sum()) - 1, 1)
        self.assertLess(chi2, chi2_critical(df), f"counts {ours.tolist()} vs TypeScript {theirs.tolist()}")

    def _check_box(self, samples: np.ndarray, stats: dict, probs: list) -> None:
        n = samples.shape[0]
        for j in range(samples.shape[1]):
            xs = np.sort(samples[:, j])
            mean, var = float(xs.mean()), float(xs.var())
            ts_mean, ts_var, ts_m4 = stats["mean"][j], stats["variance"][j], stats["moment4"][j]
            mean_tol = Z * math.sqrt((var + ts_var) / n) + 1e-9
            self.assertLess(abs(mean - ts_mean), mean_tol, f"dim {j}: mean {mean} vs TypeScript {ts_mean}")
            m4 = float(((xs - mean) ** 4).mean())
            var_tol = Z * math.sqrt((max(m4 - var * var, 0.0) + max(ts_m4 - ts_var * ts_var, 0.0)) / n) + 1e-9
            self.assertLess(abs(var - ts_var), var_tol, f"dim {j}: variance {var} vs TypeScript {ts_var}")
            for p, q in zip(probs, stats["quantiles"][j]):
                below = np.searchsorted(xs, q, side="left") / n  # F(q⁻)
                at_or_below = np.searchsorted(xs, q, side="right") / n  # F(q)
                tol = Z * math.sqrt(2 * p * (1 - p) / n) + 1 / n
                self.assertLessEqual(below, p + tol, f"dim {j}: P(a < q{p:.2f}) = {below}")
                self.assertGreaterEqual(at_or_below, p - tol, f"dim {j}: P(a ≤ q{p:.2f}) = {at_or_below}")

    @staticmethod
    def _observations(policy, rows):
        """Vectors as a float64 matrix; Dict observations with each camera's flat pixels as uint8 ``[H, W, C]``."""
        if not policy.is_visual:
            return np.array(rows, dtype=np.float64)
        out = []
        for row in rows:
            obs = {"state": np.array(row["state"])} if "state" in row else {}
            for name, (h, w, c) in policy.cameras:
                px = np.array(row[name], dtype=np.uint8)
                obs[name] = px.reshape(h, w) if c == 1 else px.reshape(h, w, c)
            out.append(obs)
        return out

    def _load(self, name: str):
        record = json.loads((FIXTURES / f"policy-{name}.json").read_text())
        policy = load_policy((FIXTURES / f"policy-{name}.crpl").read_bytes())
        self.assertEqual(policy.spec["head"], record["head"])
        self.assertEqual(policy.ensemble_size, record["ensembleSize"])
        return record, policy


if __name__ == "__main__":
    unittest.main()
