"""Driven by tests/server/python-client.test.ts: the Python client runs DAgger rounds on the pure-Python CartPole.

    python3 dagger_rounds.py rounds   # new project, round 0 on expert demonstrations, then ROUNDS DAgger rounds
    python3 dagger_rounds.py upload PROJECT_ID EPISODES   # start (or resume) a round and upload EPISODES rollouts

Configuration from the environment: CORRECTIVE_URL, CORRECTIVE_TOKEN, LABELER_EMAIL, ROUNDS. Prints one JSON
object per line (events the test reacts to: the labellers start when a round is labelling).
"""
import json
import os
import sys
import time

import corrective
import corrective.client
from cartpole import RETURN_RANGE, CartPole, expert


def emit(**event):
    print(json.dumps(event), flush=True)


def main():
    client = corrective.connect(os.environ["CORRECTIVE_URL"], token=os.environ["CORRECTIVE_TOKEN"])
    env = CartPole()
    if sys.argv[1] == "upload":
        project = client.project(sys.argv[2])
        rnd = project.start_round(resume=True)
        emit(event="round", index=rnd.index, status=rnd.status)
        calls = [0]

        def intervene(obs, proposed):
            # A person takes over on every 4th step (HG-DAgger): deterministic, so the restarted client repeats it.
            calls[0] += 1
            return expert(obs) if calls[0] % 4 == 0 else None

        episodes = project.collect(CartPole(render_size=64), project.latest_policy(), episodes=int(sys.argv[3]), seed=7_000, max_steps=60,
                                   round=rnd, intervene=intervene)
        corrective.client.MAX_STEPS_PER_REQUEST = 100  # many small requests: the test kills this process between two
        def progress(counts):
            emit(event="uploaded", **counts)
            time.sleep(float(os.environ.get("UPLOAD_PAUSE", "0")))  # a slow link: the test kills the client between requests

        result = rnd.upload_rollouts(episodes, progress=progress)
        emit(event="done", ids=[e.id for e in episodes], interventions=sum(e.interventions for e in episodes), **result)
        return

    settings = {"epochs": 25, "hiddenUnits": [32, 32], "statesPerRound": 250, "labelsPerState": 1, "clientEvaluation": True, "evalEpisodes": 5}
    project = client.create_project("Python CartPole", observation_space=CartPole.observation_space, action_space=CartPole.action_space, settings=settings)
    client.add_member(project.id, os.environ["LABELER_EMAIL"], "labeler")
    emit(event="project", id=project.id)

    # Round 0: a few short expert demonstrations (behaviour cloning alone stays weak), then the client's evaluation.
    rnd = project.start_round()
    demos = project.collect(env, None, episodes=2, seed=0, expert=expert, max_steps=40)
    rnd.upload_rollouts(demos)
    rnd.close()
    scores = []
    for index in range(int(os.environ.get("ROUNDS", "3")) + 1):
        if index > 0:
            policy = project.latest_policy()
            rnd = project.start_round()
            episodes = project.collect(env, policy, episodes=6, seed=1_000 * index)
            rnd.upload_rollouts(episodes)
            rnd.close()
            emit(event="labeling", index=rnd.index, states=rnd.progress.get("tasksTotal"))
        rnd.wait_for("evaluating", timeout=300)
        result = project.evaluate(env, rnd.result_policy(), episodes=5, seed=100_000, return_range=RETURN_RANGE)
        rnd.wait_for("published", timeout=60)
        live = project.latest_policy()
        live_score = project.evaluate(env, live, episodes=5, seed=100_000, return_range=RETURN_RANGE, post=False)["metrics"]["normalizedReturn"]
        scores.append(live_score)
        emit(event="evaluated", index=rnd.index, candidate=result["metrics"]["normalizedReturn"], published=result["published"],
             liveVersion=live.version, live=live_score)
    emit(event="done", scores=scores)


if __name__ == "__main__":
    try:
        main()
    except corrective.CorrectiveError as e:
        emit(event="error", type=type(e).__name__, message=str(e))
        sys.exit(1)
