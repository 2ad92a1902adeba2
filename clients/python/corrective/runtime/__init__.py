"""Run Corrective policies in numpy, where the robot runs.

    from corrective.runtime import load_policy
    policy = load_policy(blob_bytes)                 # the bytes of a published policy (CRPL blob)
    action = policy.act(obs)                         # deterministic: int (discrete) or float64 array (box)
    action = policy.act(obs, deterministic=False, rng=np.random.default_rng(0))
    info = policy.act_info(obs)                      # action, uncertainty, spread
    actions = policy.act_batch(observations)         # [batch, obs_dim] at once
    action = policy.act({"state": q, "front": img})  # image policies (spec.vision): Dict observations, uint8 [H, W, C]

Every head of the TypeScript trainer runs here (categorical, gaussian, mog, autoregressive, cvae,
diffusion, and ensembles of any of them), with ConvNet image encoders where the spec has ``vision``; deterministic actions agree with the TypeScript runtime to
float32 precision (checked against committed fixtures). Dependencies: the standard library and numpy.
"""

from .blob import PolicyBlobError
from .policy import ActResult, BatchResult, Policy, load_policy

__all__ = ["ActResult", "BatchResult", "Policy", "PolicyBlobError", "load_policy"]
