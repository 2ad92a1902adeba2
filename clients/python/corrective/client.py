"""Client, Project, Round: the DAgger loop against a Corrective server, over its HTTP API (docs/API.md)."""
from __future__ import annotations

import struct
import time
import uuid
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union
from urllib.parse import quote

import numpy as np

from .collect import Episode, frame_id, image_frame_id, rollout_id, run_episode
from .errors import AuthenticationError, FrameError, RoundFailed, RoundStateError, WaitTimeout
from .http import Transport
from .png import encode_png, image_type
from .spaces import DictSpace, Space, action_json, dict_observation, observation_vector, space_from_json, space_to_json

FRAME_BATCH_MIME = "application/vnd.corrective.frames"  # contracts/rounds.ts
STATUS_ORDER = ["collecting", "labeling", "aggregating", "training", "evaluating", "finetuning", "published"]
# Request sizes: well under the server's 32 MiB body limits and 1,000 frames per batch.
MAX_STEPS_PER_REQUEST = 20_000
MAX_FRAMES_PER_REQUEST = 500
MAX_FRAME_BYTES_PER_REQUEST = 16 * 1024 * 1024
MAX_BATCH = 100  # tasks per claim, labels per request (contracts/rounds.ts)


def _p(segment: Union[str, int]) -> str:
    return quote(str(segment), safe="")


class Routes:
    """The API paths this client calls (the server's are in contracts/routes.ts, `API`)."""
    login = "/api/v1/auth/login"
    projects = "/api/v1/projects"
    labels = "/api/v1/labels"

    @staticmethod
    def project(pid: str) -> str:
        return f"/api/v1/projects/{_p(pid)}"

    @staticmethod
    def sub(pid: str, *parts: Union[str, int]) -> str:
        return Routes.project(pid) + "".join(f"/{_p(x)}" for x in parts)


def connect(url: str, token: Optional[str] = None, *, email: Optional[str] = None, password: Optional[str] = None,
            timeout: float = 60.0, retries: int = 3) -> "Client":
    """A client for the server at `url`, authenticated by an API token or by email and password."""
    transport = Transport(url, token, timeout=timeout, retries=retries)
    if token is None:
        if not email or not password:
            raise AuthenticationError("connect() needs token=… or email=… and password=…")
        data = transport.json("POST", Routes.login, {"email": email, "password": password}, retry=False)
        transport.token = data["token"]
    return Client(transport)


class Client:
    def __init__(self, transport: Transport):
        self.http = transport

    @property
    def token(self) -> Optional[str]:
        return self.http.token

    def create_project(self, name: str, observation_space: Any, action_space: Any, settings: Optional[Dict[str, Any]] = None,
                       description: str = "") -> "Project":
        """An external project (your robot or simulator) with these spaces. Unset settings take the server's defaults."""
        body = {"name": name, "description": description, "external": {"observationSpace": space_to_json(observation_space),
                                                                       "actionSpace": space_to_json(action_space)},
                "settings": settings or {}}
        created = self.http.json("POST", Routes.projects, body)
        return Project(self, created) if "config" in created else self.project(created["id"])

    def project(self, project_id: str) -> "Project":
        return Project(self, self.http.json("GET", Routes.project(project_id)))

    def projects(self) -> List[Dict[str, Any]]:
        return self.http.json("GET", Routes.projects)

    def add_member(self, project_id: str, email: str, role: str = "labeler") -> Dict[str, Any]:
        return self.http.json("POST", Routes.sub(project_id, "members"), {"email": email, "role": role})


class RemotePolicy:
    """A downloaded policy version, run in numpy where the robot runs (`corrective.runtime`)."""

    def __init__(self, version: int, blob: bytes):
        from .runtime import load_policy  # numpy execution of every policy head

        self.version = version
        self.blob = blob
        self._policy = load_policy(blob)
        self.spec = self._policy.spec

    def act(self, observation: Any, deterministic: bool = True, rng: Optional[np.random.Generator] = None) -> Any:
        return self._policy.act(observation, deterministic=deterministic, rng=rng)

    def save(self, path: str) -> None:
        with open(path, "wb") as f:
            f.write(self.blob)


class Project:
    def __init__(self, client: Client, data: Dict[str, Any]):
        self.client = client
        self.http = client.http
        self.data = data
        self.id: str = data["id"]
        self.name: str = data.get("name", "")
        config = data.get("config") or {}
        external = config.get("external") or data.get("external") or {}
        obs = external.get("observationSpace") or data.get("observationSpace")
        act = external.get("actionSpace") or data.get("actionSpace")
        self.observation_space: Optional[Space] = space_from_json(obs) if obs else None
        self.action_space: Optional[Space] = space_from_json(act) if act else None
        self.settings: Dict[str, Any] = config.get("settings") or data.get("settings") or {}

    def __repr__(self) -> str:
        return f"<Project {self.name!r} {self.id}>"

    # --- policies -------------------------------------------------------------------------------------------
    def latest_policy(self) -> RemotePolicy:
        """The most recently published policy (what the next round rolls out)."""
        status, headers, blob = self.http.request("GET", Routes.sub(self.id, "policies", "latest"), accept="application/octet-stream")
        return RemotePolicy(int(headers.get("x-policy-version", "0")), blob)

    def policy(self, version: int) -> RemotePolicy:
        """Any trained version, published or not (e.g. a round's candidate waiting for its evaluation)."""
        _, headers, blob = self.http.request("GET", Routes.sub(self.id, "policies", version), accept="application/octet-stream")
        return RemotePolicy(int(headers.get("x-policy-version", str(version))), blob)

    def policies(self) -> List[Dict[str, Any]]:
        return self.http.json("GET", Routes.sub(self.id, "policies"))

    # --- rounds ---------------------------------------------------------------------------------------------
    def start_round(self, resume: bool = False) -> "Round":
        """Starts the next round. With `resume=True`, a round still collecting (e.g. after a crash) is returned instead."""
        if resume:
            latest = self.current_round()
            if latest is not None and latest.status == "collecting":
                return latest
        return Round(self, self.http.json("POST", Routes.sub(self.id, "rounds"), {}))

    def round(self, index: int) -> "Round":
        return Round(self, self.http.json("GET", Routes.sub(self.id, "rounds", index)))

    def rounds(self) -> List["Round"]:
        return [Round(self, r) for r in self.http.json("GET", Routes.sub(self.id, "rounds"))]

    def current_round(self) -> Optional["Round"]:
        rounds = self.rounds()
        return max(rounds, key=lambda r: r.index) if rounds else None

    # --- collecting -----------------------------------------------------------------------------------------
    def collect(self, env: Any, policy: Any, episodes: int = 10, seed: int = 0, expert: Optional[Callable[[Any], Any]] = None,
                beta: Optional[float] = None, intervene: Optional[Callable[[Any, Any], Any]] = None, max_steps: Optional[int] = None,
                frames: Optional[bool] = None, deterministic: bool = True, round: Optional["Round"] = None) -> List[Episode]:
        """Runs `episodes` episodes (seeds `seed`, `seed+1`, …) of `policy` in `env` for the current round.

        - `policy=None` with an `expert`: demonstrations (round 0).
        - `expert` with `beta`: DAgger β-mixing, the expert acts with probability β; `beta=None` follows the project's
          β schedule for this round (the round's `beta`).
        - `intervene(obs, proposed)` returning an action: a person took over at that step (HG-DAgger).
        - `frames`: upload `env.render()` images as PNG (default: when the env has `render`).
        Episodes get ids derived from (project, round, seed), so re-collecting after a crash re-sends the same ids.
        """
        rnd = round or self.current_round()
        index = rnd.index if rnd is not None and rnd.status == "collecting" else None
        if beta is None:
            beta = rnd.beta if (rnd is not None and expert is not None and policy is not None) else 0.0
        render = frames if frames is not None else callable(getattr(env, "render", None))
        rng = np.random.default_rng(seed)
        act = None
        if policy is not None:
            act = (lambda obs: policy.act(obs, deterministic=True)) if deterministic else (lambda obs: policy.act(obs, deterministic=False, rng=rng))
        out: List[Episode] = []
        for i in range(episodes):
            s = seed + i
            ep = run_episode(env, act, seed=s, episode_id=rollout_id(self.id, index, s), max_steps=max_steps, expert=expert,
                             beta=float(beta), intervene=intervene, rng=rng, render=render)
            if render and all(st.frame is None for st in ep.steps):
                render = False
            out.append(ep)
        return out

    # --- evaluating -----------------------------------------------------------------------------------------
    def evaluate(self, env: Any, policy: RemotePolicy, episodes: int = 10, seed: int = 100_000, max_steps: Optional[int] = None,
                 return_range: Optional[Sequence[float]] = None, post: bool = True) -> Dict[str, Any]:
        """Runs `policy` deterministically on seeded episodes and (with `post`) reports them for its version: the
        learning curve point, and for `clientEvaluation` projects the publish-if-better decision."""
        eps = [run_episode(env, lambda o: policy.act(o, deterministic=True), seed=seed + i, episode_id=str(uuid.uuid4()),
                           max_steps=max_steps) for i in range(episodes)]
        body = [{"return": e.total_return, "length": e.length, **({"success": e.success} if e.success is not None else {})} for e in eps]
        if not post:
            mean = float(np.mean([e.total_return for e in eps]))
            norm = (mean - return_range[0]) / (return_range[1] - return_range[0]) if return_range else None
            return {"version": policy.version, "metrics": {"meanReturn": mean, "normalizedReturn": norm, "episodes": len(eps)}, "published": False}
        return self.post_evaluation(policy.version, body, return_range=return_range)

    def post_evaluation(self, version: int, episodes: Iterable[Dict[str, Any]], return_range: Optional[Sequence[float]] = None) -> Dict[str, Any]:
        """Evaluation episodes (`{"return", "length", "success"?}`) a client ran with a policy version."""
        body: Dict[str, Any] = {"episodes": list(episodes)}
        if return_range is not None:
            body["returnRange"] = [float(return_range[0]), float(return_range[1])]
        return self.http.json("POST", Routes.sub(self.id, "policies", version, "evaluations"), body)

    # --- labelling from a script ----------------------------------------------------------------------------
    def claim_tasks(self, count: int = 20, exclude: Sequence[str] = ()) -> Dict[str, Any]:
        """Leases up to `count` (1–100) tasks of the labelling round at once: `{"tasks": [...], "waiting": n}`, each task
        with its state and replay context (`task`, `state`, `context`, `policyAction`). `exclude` skips task ids you
        already hold. No task leased: `waiting` > 0 means others hold tasks you may label (ask again shortly), 0 that
        nothing is left for you."""
        if not 1 <= int(count) <= MAX_BATCH:
            raise ValueError(f"count must be between 1 and {MAX_BATCH}, got {count}")
        return self.http.json("POST", Routes.sub(self.id, "tasks", "claim"), {"count": int(count), "exclude": list(exclude)})

    def submit_labels(self, labels: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Submits labels (`{"taskId", "action"}` or `{"taskId", "cantTell": True}`, optionally `"id"`, `"durationMs"`),
        100 per request; returns one result per label, in order, each with its `status`: 201 stored, 200 already
        stored (`duplicate`), 4xx refused with `error` — one refused label never undoes the others. Labels without
        an `id` get a random UUID first, so a retried request stores each label once. Actions may be numpy values."""
        body = []
        for label in labels:
            item = dict(label)
            item.setdefault("id", str(uuid.uuid4()))
            if "action" in item and item["action"] is not None:
                item["action"] = _plain(item["action"])
            body.append(item)
        out: List[Dict[str, Any]] = []
        for i in range(0, len(body), MAX_BATCH):
            out += self.http.json("POST", Routes.labels, {"labels": body[i:i + MAX_BATCH]})["results"]
        return out


def _plain(action: Any) -> Any:
    """A numpy scalar or array as JSON's number or list of numbers."""
    if isinstance(action, np.ndarray):
        return action.tolist()
    if isinstance(action, np.generic):
        return action.item()
    return action


class Round:
    def __init__(self, project: Project, data: Dict[str, Any]):
        self.project = project
        self.http = project.http
        self._set(data)

    def _set(self, data: Dict[str, Any]) -> None:
        self.data = data
        self.index: int = data["index"]
        self.status: str = data["status"]
        self.beta: float = float(data.get("beta", 0.0))
        self.error: Optional[str] = data.get("error")
        self.progress: Dict[str, Any] = data.get("progress", {})
        self.metrics: Optional[Dict[str, Any]] = data.get("metrics")

    def __repr__(self) -> str:
        return f"<Round {self.index} {self.status}>"

    def refresh(self) -> "Round":
        self._set(self.http.json("GET", Routes.sub(self.project.id, "rounds", self.index)))
        return self

    def close(self) -> "Round":
        """Ends collecting (round 0 → training on the demonstrations; later rounds → labelling) or labelling."""
        self._set(self.http.json("POST", Routes.sub(self.project.id, "rounds", self.index, "close"), {}))
        return self

    def wait_for(self, status: str, timeout: float = 600.0, interval: float = 0.5) -> "Round":
        """Polls until the round reaches `status` (or a later one). RoundFailed if it fails, WaitTimeout after `timeout` s."""
        if status not in STATUS_ORDER:
            raise ValueError(f"unknown status {status!r}; one of {STATUS_ORDER}")
        deadline = time.monotonic() + timeout
        while True:
            self.refresh()
            if self.status == "failed":
                raise RoundFailed(f"round {self.index} failed: {self.error}")
            if STATUS_ORDER.index(self.status) >= STATUS_ORDER.index(status):
                return self
            if time.monotonic() > deadline:
                raise WaitTimeout(f"round {self.index} is still {self.status} after {timeout:.0f} s (waiting for {status})")
            time.sleep(interval)

    def result_policy(self) -> RemotePolicy:
        """The policy this round trained (once it is `evaluating` or later)."""
        pid = self.data.get("resultPolicyId")
        if not pid:
            self.refresh()
            pid = self.data.get("resultPolicyId")
        if not pid:
            raise RoundStateError(f"round {self.index} has not trained a policy yet (it is {self.status})")
        version = next((p["version"] for p in self.project.policies() if p["id"] == pid), None)
        if version is None:
            raise RoundStateError(f"round {self.index}'s policy is not listed")
        return self.project.policy(version)

    # --- uploads --------------------------------------------------------------------------------------------
    def upload_rollouts(self, episodes: Sequence[Episode], progress: Optional[Callable[[Dict[str, Any]], None]] = None) -> Dict[str, Any]:
        """Uploads episodes to this round: demonstrations in round 0, rollouts later (frames first, as PNG, in
        batches). Safe to call again after a crash or timeout: ids already stored are not stored twice.
        `progress(counts)` is called after every request.

        For a project with a Dict observation space (cameras), every step's observation is checked against the space
        first (SpaceError naming `episodes.<e>.steps.<t>.observation.<key>`), each camera image is uploaded as a PNG
        frame, and the observation goes up as `{"state": [...], "<camera>": "<frame id>"}`."""
        project = self.project
        obs_space, act_space = project.observation_space, project.action_space
        observations: Dict[tuple, Any] = {}
        for e, ep in enumerate(episodes):
            for t, st in enumerate(ep.steps):
                field = f"episodes.{e}.steps.{t}.observation"
                if isinstance(obs_space, DictSpace):
                    observations[(ep.id, t)] = dict_observation(obs_space, st.observation, field)
                elif obs_space is not None:
                    observation_vector(obs_space, st.observation, field)
                if act_space is not None and (self.index == 0 or st.intervention):
                    action_json(act_space, st.action, f"episodes.{e}.steps.{t}.action")
        report = progress or (lambda counts: None)
        frames = self._upload_frames(episodes, report, observations, people=self.index != 0)
        if self.index == 0:
            return self._upload_demonstrations(episodes, report, observations, frames)
        stored: List[Dict[str, Any]] = []
        for chunk in _chunks(episodes):
            body = {"rollouts": [self._rollout_json(ep, frames, observations) for ep in chunk]}
            stored += self.http.json("POST", Routes.sub(project.id, "rollouts"), body)["rollouts"]
            report({"rollouts": len(stored), "duplicates": sum(1 for r in stored if r["duplicate"]), "of": len(episodes)})
        return {"rollouts": len(stored), "duplicates": sum(1 for r in stored if r["duplicate"]), "frames": len(frames),
                "steps": sum(ep.length for ep in episodes)}

    @staticmethod
    def _observation_json(ep: Episode, t: int, frames: Dict[tuple, str], observations: Dict[tuple, Any]) -> Any:
        """The step's observation as the API takes it: the vector, or the state and each camera's frame id."""
        if (ep.id, t) not in observations:
            return ep.steps[t].observation
        state, images = observations[(ep.id, t)]
        return {"state": state, **{cam: frames[(ep.id, t, cam)] for cam in images}}

    def _rollout_json(self, ep: Episode, frames: Dict[tuple, str], observations: Dict[tuple, Any]) -> Dict[str, Any]:
        steps = []
        for t, st in enumerate(ep.steps):
            s: Dict[str, Any] = {"observation": self._observation_json(ep, t, frames, observations)}
            if st.state is not None:
                s["state"] = st.state
            if st.policy_action is not None:
                s["policyAction"] = st.policy_action
            if st.reward is not None:
                s["reward"] = st.reward
            if (ep.id, t) in frames:
                s["frameId"] = frames[(ep.id, t)]
            if st.intervention:
                s["intervention"] = {"action": st.action}
            steps.append(s)
        out: Dict[str, Any] = {"id": ep.id, "steps": steps}
        if ep.seed is not None:
            out["seed"] = int(ep.seed)
        return out

    def _upload_demonstrations(self, episodes: Sequence[Episode], report: Callable[[Dict[str, Any]], None],
                               observations: Dict[tuple, Any], frames: Dict[tuple, str]) -> Dict[str, Any]:
        ids, dups = [], 0
        for chunk in _chunks(episodes):
            body = {"source": "expert", "episodes": [{"id": ep.id, "steps": [
                {"observation": self._observation_json(ep, t, frames, observations), "action": st.action,
                 **({"state": st.state} if st.state is not None else {})}
                for t, st in enumerate(ep.steps)]} for ep in chunk]}
            res = self.http.json("POST", Routes.sub(self.project.id, "demonstrations"), body)
            ids += res["rolloutIds"]
            dups += res.get("duplicates", 0)
            report({"rollouts": len(ids), "duplicates": dups, "of": len(episodes)})
        return {"rollouts": len(ids), "duplicates": dups, "frames": len(frames), "steps": sum(ep.length for ep in episodes)}

    def _upload_frames(self, episodes: Sequence[Episode], report: Callable[[Dict[str, Any]], None],
                       observations: Dict[tuple, Any], people: bool = True) -> Dict[tuple, str]:
        """PNG-encodes every step's camera images (Dict observations) and, with `people`, its `render()` frame, and
        uploads them in batches; returns (episode id, t, camera) and (episode id, t) → frame id."""
        ids: Dict[tuple, str] = {}
        batch: List[bytes] = []
        size = 0

        def flush() -> None:
            nonlocal batch, size
            if batch:
                self.http.request("POST", Routes.sub(self.project.id, "frames"), raw=b"".join(batch), content_type=FRAME_BATCH_MIME)
                report({"frames": len(ids)})
            batch, size = [], 0

        def add(key: tuple, fid: str, data: bytes) -> None:
            nonlocal size
            record = uuid.UUID(fid).bytes + struct.pack(">I", len(data)) + data
            if batch and (len(batch) >= MAX_FRAMES_PER_REQUEST or size + len(record) > MAX_FRAME_BYTES_PER_REQUEST):
                flush()
            batch.append(record)
            size += len(record)
            ids[key] = fid

        for ep in episodes:
            for t, st in enumerate(ep.steps):
                if (ep.id, t) in observations:
                    # Lossless PNG (the server refuses JPEG here): the stored pixels are the ones the policy saw.
                    for cam, image in observations[(ep.id, t)][1].items():
                        add((ep.id, t, cam), image_frame_id(ep.id, t, cam), encode_png(image))
                if st.frame is not None and people:
                    add((ep.id, t), frame_id(ep.id, t), frame_bytes(st.frame, f"episode {ep.id} step {t}"))
        flush()
        return ids


def frame_bytes(frame: Any, where: str) -> bytes:
    """PNG/JPEG bytes as they are, or an image array encoded as PNG."""
    if isinstance(frame, (bytes, bytearray, memoryview)):
        data = bytes(frame)
        if image_type(data) is None:
            raise FrameError(f"{where}: a frame must be a PNG or JPEG image (or an H×W×3 uint8 array)")
        return data
    return encode_png(frame)


def _chunks(episodes: Sequence[Episode]) -> Iterable[Sequence[Episode]]:
    chunk: List[Episode] = []
    steps = 0
    for ep in episodes:
        if chunk and steps + ep.length > MAX_STEPS_PER_REQUEST:
            yield chunk
            chunk, steps = [], 0
        chunk.append(ep)
        steps += ep.length
    if chunk:
        yield chunk


__all__ = ["connect", "Client", "Project", "Round", "RemotePolicy"]
