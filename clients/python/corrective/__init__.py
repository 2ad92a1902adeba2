"""Corrective client: run human-in-the-loop DAgger rounds from your own robot or simulator.

    import corrective
    client = corrective.connect("http://localhost:3000", token="crv_…")
    project = client.create_project("arm", observation_space=corrective.Box(-1, 1, (4,)), action_space=corrective.Discrete(2))
    rnd = project.start_round()
    rnd.upload_rollouts(project.collect(env, project.latest_policy(), episodes=10, seed=0))
    rnd.close(); rnd.wait_for("published", timeout=600)

Runtime dependencies: the standard library and numpy. See docs/EXTERNAL.md.
"""
from .client import Client, Project, RemotePolicy, Round, connect
from .collect import Episode, Step
from .errors import (AuthenticationError, CorrectiveError, FrameError, NotFound, PayloadTooLarge, PermissionDenied, RateLimited,
                     RoundFailed, RoundStateError, ServerError, SpaceError, Unavailable, Unprocessable, ValidationError, WaitTimeout)
from .png import decode_png, encode_png
from .spaces import Box, DictSpace, Discrete

Dict = DictSpace  # Gymnasium's name: corrective.Dict({"front": Box(0, 255, (64, 64, 3), dtype=np.uint8), "state": Box(-1, 1, (7,))})

__version__ = "0.1.0"
__all__ = [
    "connect", "Client", "Project", "Round", "RemotePolicy", "Episode", "Step", "Box", "Discrete", "Dict", "DictSpace", "encode_png", "decode_png",
    "CorrectiveError", "ValidationError", "AuthenticationError", "PermissionDenied", "NotFound", "RoundStateError", "PayloadTooLarge",
    "Unprocessable", "SpaceError", "FrameError", "RateLimited", "Unavailable", "ServerError", "RoundFailed", "WaitTimeout",
]
