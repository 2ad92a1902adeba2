/**
 * The TypeScript client on a camera env (a Gymnasium `Dict` observation space): episodes keep a copy of each camera
 * image and the image policy acts on the env's Dicts; uploads send one PNG frame per camera and step (the same ids
 * the Python client derives) and observations `{ state, <camera>: frame id }`, in round 0 too; a bad image is
 * refused before anything is sent, naming the step and key. The server is a stand-in `fetch` here (its frame-batch
 * parser is the server's own); tests/server/python-images.test.ts runs the real server.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { CorrectiveClient, Project, RemotePolicy, Round } from "../../clients/typescript/src/client";
import { imageFrameId, runEpisode, type DictObservation, type GymEnv } from "../../clients/typescript/src/collect";
import { SpaceError } from "../../clients/typescript/src/errors";
import { Http } from "../../clients/typescript/src/http";
import { parseFrameBatch } from "../../server/rollouts/frames";
import type { TProjectDetail } from "../../contracts/projects";
import type { TRound } from "../../contracts/rounds";
import { FIXTURE_DIR } from "../helpers/runtime-fixtures";

const camera = (h: number, w: number, c: 1 | 3) => ({ type: "box" as const, dtype: "uint8" as const, shape: [h, w, c] as [number, number, 1 | 3], low: 0 as const, high: 255 as const });
// The cameras of the vision-gaussian parity fixture: its policy can drive this env.
const SPACE = { type: "dict" as const, spaces: { front: camera(12, 10, 3), wrist: camera(8, 8, 1), state: { type: "box" as const, shape: [2], low: [-1, -1], high: [1, 1] } } };

/** A bar moving across two cameras; the image buffers are reused between steps, as camera drivers do. */
class CameraWorld implements GymEnv<Record<string, unknown>> {
  x = 0;
  front = new Uint8Array(12 * 10 * 3);
  wrist = new Uint8Array(8 * 8);
  private obs(): [Record<string, unknown>, Record<string, unknown>] {
    this.front.fill(0);
    for (let y = 0; y < 12; y++) for (let c = 0; c < 3; c++) this.front[(y * 10 + this.x) * 3 + c] = 255;
    this.wrist.fill(this.x * 30);
    return [{ front: this.front, wrist: this.wrist, state: [this.x / 8, 1 - this.x / 8], debug: "not sent" }, {}];
  }
  reset(): [Record<string, unknown>, Record<string, unknown>] {
    this.x = 0;
    return this.obs();
  }
  step(action: number | number[]): [Record<string, unknown>, number, boolean, boolean, Record<string, unknown>] {
    this.x = Math.min(this.x + (Array.isArray(action) ? 1 : action === 1 ? 1 : 0) + 1, 9);
    const [o, info] = this.obs();
    return [o, 0, this.x >= 9, false, info];
  }
}

function standIn(): { project: (round: number) => Round; frames: Map<string, Uint8Array>; bodies: Array<{ path: string; body: Record<string, unknown> }> } {
  const frames = new Map<string, Uint8Array>();
  const bodies: Array<{ path: string; body: Record<string, unknown> }> = [];
  const reply = (data: unknown) => new Response(JSON.stringify({ data }), { status: 201, headers: { "content-type": "application/json" } });
  const fetchImpl = (async (url: string, init: { body?: Uint8Array | string }) => {
    const p = new URL(url).pathname;
    if (p.endsWith("/frames")) {
      for (const f of parseFrameBatch(init.body as Uint8Array)) frames.set(f.id, f.bytes);
      return reply({ stored: 0 });
    }
    const body = JSON.parse(init.body as string) as Record<string, unknown>;
    bodies.push({ path: p, body });
    if (p.endsWith("/rollouts")) return reply({ roundIndex: 1, rollouts: (body.rollouts as Array<{ id: string }>).map((r) => ({ rolloutId: r.id, id: r.id, roundIndex: 1, steps: 1, duplicate: false })) });
    return reply({ roundIndex: 0, rolloutIds: (body.episodes as Array<{ id: string }>).map((e) => e.id), duplicates: 0, steps: 0 });
  }) as unknown as typeof fetch;
  const client = new CorrectiveClient(new Http({ url: "http://stand-in", token: "crv_test", fetch: fetchImpl }), false);
  const project = new Project(client, { id: "p1", name: "cam", config: { external: { observationSpace: SPACE, actionSpace: { type: "box", shape: [2], low: [-1, -0.5], high: [1, 0.5] } } } } as unknown as TProjectDetail);
  return { project: (index) => new Round(project, { index, status: "collecting", beta: 0 } as unknown as TRound), frames, bodies };
}

describe("TypeScript client: camera observations", () => {
  const policy = new RemotePolicy(1, new Uint8Array(readFileSync(path.join(FIXTURE_DIR, "policy-vision-gaussian.crpl"))));

  it("an image policy acts on the env's Dicts; each step keeps its own copy of the images", async () => {
    const env = new CameraWorld();
    const ep = await runEpisode<DictObservation>(env, policy, { seed: 0, id: crypto.randomUUID(), maxSteps: 4 });
    expect(ep.steps).toHaveLength(4);
    const [first, last] = [ep.steps[0]!.observation, ep.steps[3]!.observation];
    expect(Object.keys(first).sort()).toEqual(["front", "state", "wrist"]);
    expect(first.front![0]).toBe(255); // column 0 at t = 0, not overwritten by the reused buffer
    expect(first.front![3 * (last.state![0]! * 8)]).toBe(0);
    expect(Array.from(last.wrist!).every((v) => v === last.state![0]! * 8 * 30)).toBe(true);
    // The policy's actions are the TypeScript runtime's on the same Dicts.
    for (const s of ep.steps) expect(s.policyAction).toEqual(policy.policy.act({ ...s.observation }).action);
  });

  it("uploads one PNG frame per camera and step and sends { state, <camera>: frame id }, in round 0 too", async () => {
    const ep = await runEpisode<DictObservation>(new CameraWorld(), policy, { seed: 0, id: crypto.randomUUID(), maxSteps: 3 });
    for (const index of [1, 0]) {
      const { project, frames, bodies } = standIn();
      const out = await project(index).uploadRollouts(index === 0 ? [{ ...ep, steps: ep.steps.map((s) => ({ ...s, action: [0, 0] })) }] : [ep]);
      expect(out.frames).toBe(2 * ep.steps.length);
      const sent = bodies.at(-1)!;
      expect(sent.path).toBe(index === 0 ? "/api/v1/projects/p1/demonstrations" : "/api/v1/projects/p1/rollouts");
      const steps = ((sent.body.rollouts ?? sent.body.episodes) as Array<{ steps: Array<{ observation: Record<string, unknown> }> }>)[0]!.steps;
      for (const [t, s] of steps.entries()) {
        expect(Object.keys(s.observation).sort()).toEqual(["front", "state", "wrist"]);
        expect(s.observation.state).toEqual(ep.steps[t]!.observation.state);
        expect(s.observation.front).toBe(await imageFrameId(ep.id, t, "front"));
        const front = decode(frames.get(s.observation.front as string)!);
        expect([front.height, front.width, front.channels]).toEqual([12, 10, 3]);
        expect(Array.from(front.data)).toEqual(Array.from(ep.steps[t]!.observation.front!));
        const wrist = decode(frames.get(s.observation.wrist as string)!);
        expect([wrist.height, wrist.width, wrist.channels]).toEqual([8, 8, 1]);
        expect(Array.from(wrist.data)).toEqual(Array.from(ep.steps[t]!.observation.wrist!));
      }
    }
  });

  it("refuses a wrong image before sending anything, naming the step and key", async () => {
    const ep = await runEpisode<DictObservation>(new CameraWorld(), policy, { seed: 0, id: crypto.randomUUID(), maxSteps: 3 });
    const { project, frames, bodies } = standIn();
    const bad = { ...ep, steps: ep.steps.map((s, t) => (t === 2 ? { ...s, observation: { ...s.observation, front: new Uint8Array(10 * 12 * 3 + 3) } } : s)) };
    const err = await project(1).uploadRollouts([bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpaceError);
    expect(Object.keys((err as SpaceError).fieldErrors ?? {})).toEqual(["episodes.0.steps.2.observation.front"]);
    const grey = { ...ep, steps: ep.steps.map((s, t) => (t === 1 ? { ...s, observation: { ...s.observation, wrist: new Array<number>(64).fill(300) } } : s)) };
    const err2 = await project(1).uploadRollouts([grey]).catch((e: unknown) => e);
    expect(Object.keys((err2 as SpaceError).fieldErrors ?? {})).toEqual(["episodes.0.steps.1.observation.wrist"]);
    expect(frames.size + bodies.length).toBe(0);
  });
});
