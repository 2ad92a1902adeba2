"""A pure-Python CartPole (Gymnasium's dynamics: explicit Euler, +1 per step, 12°/2.4 m limits, 500-step limit),
written for the integration tests as a stand-in for a user's own simulator: it is not Corrective's built-in env,
only Gymnasium-shaped (reset/step/render). Plus the balancing expert a person would be."""
import math

import numpy as np

GRAVITY, MASS_CART, MASS_POLE, LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL_MASS = MASS_CART + MASS_POLE
THETA_LIMIT, X_LIMIT, MAX_STEPS = 12 * 2 * math.pi / 360, 2.4, 500
RETURN_RANGE = (0.0, 500.0)


class Box:
    def __init__(self, low, high):
        self.low, self.high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        self.shape = self.low.shape


class Discrete:
    def __init__(self, n):
        self.n = n


class CartPole:
    observation_space = Box([-4.8, -5.0, -0.42, -5.0], [4.8, 5.0, 0.42, 5.0])
    action_space = Discrete(2)

    def __init__(self, render_size=0):
        self.state = np.zeros(4)
        self.t = 0
        self.render_size = render_size

    def reset(self, seed=None):
        rng = np.random.default_rng(seed)
        self.state = rng.uniform(-0.05, 0.05, size=4)
        self.t = 0
        return self.state.astype(np.float32), {"state": self.state.tolist()}

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = FORCE if int(action) == 1 else -FORCE
        c, s = math.cos(theta), math.sin(theta)
        temp = (force + MASS_POLE * LENGTH * theta_dot ** 2 * s) / TOTAL_MASS
        theta_acc = (GRAVITY * s - c * temp) / (LENGTH * (4.0 / 3.0 - MASS_POLE * c * c / TOTAL_MASS))
        x_acc = temp - MASS_POLE * LENGTH * theta_acc * c / TOTAL_MASS
        self.state = np.array([x + TAU * x_dot, x_dot + TAU * x_acc, theta + TAU * theta_dot, theta_dot + TAU * theta_acc])
        self.t += 1
        terminated = bool(abs(self.state[0]) > X_LIMIT or abs(self.state[2]) > THETA_LIMIT)
        truncated = self.t >= MAX_STEPS
        return self.state.astype(np.float32), 1.0, terminated, truncated, {"state": self.state.tolist()}

    def render(self):
        """An RGB frame (render_size² pixels): the cart as a dark block, the pole as a line of red pixels."""
        if not self.render_size:
            return None
        n = self.render_size
        img = np.full((n, n, 3), 255, dtype=np.uint8)
        cx = int((self.state[0] / (2 * X_LIMIT) + 0.5) * (n - 1))
        img[int(n * 0.7):int(n * 0.8), max(0, cx - 4):min(n, cx + 5)] = (40, 40, 40)
        for r in range(int(n * 0.4)):
            px = int(cx + math.sin(self.state[2]) * r)
            py = int(n * 0.7 - math.cos(self.state[2]) * r)
            if 0 <= px < n and 0 <= py < n:
                img[py, px] = (200, 30, 30)
        return img


def expert(observation):
    """Thresholded linear state feedback: balances for the full 500 steps."""
    x, x_dot, theta, theta_dot = (float(v) for v in np.asarray(observation).reshape(-1))
    return 1 if 1.0 * x + 1.6 * x_dot + 18.0 * theta + 3.0 * theta_dot > 0 else 0
