/**
 * DAgger on CarTrackPixels-v0 through the HTTP API of the real server, on embedded PGlite and on PostgreSQL:
 * the loop closed for image observations. Round 0 trains a ConvNet policy on a scripted demonstration (its
 * images rendered from each state by the env's rasteriser), later rounds roll that image policy out (it acts
 * on `{ state, image }`), two simulated labellers label the states it visited, the train job trains on the
 * images of every labelled state, and the evaluation drives with the image policy. The LeRobot export of the
 * final dataset carries an image per sample, and the published image policy downloads as ONNX (`?format=onnx`)
 * that ONNX Runtime runs on a rendered frame to the same action.
 *
 * Sized for a 2-core CI machine: this checks the plumbing, not learning (a ConvNet on wasm is ≈ 40 samples/s
 * here): one short demonstration episode budget is not adjustable, so epochs are 1 and everything else is tiny.
 */
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { CarTrackPixelsEnv } from "../../envs/cartrack-pixels/cartrack-pixels";
import { untar } from "../../server/datasets/parse-lerobot-tar";
import { Policy } from "../../trainer/policy/policy";
import { ENGINES, runDaggerOverApi, serverPerEngine } from "../helpers/dagger-over-api";
import { labelUntilDone } from "../helpers/simulated-labeler";

const ENV_ID = "CarTrackPixels-v0";
const ROUNDS = 2;
const SETTINGS = {
  statesPerRound: 12,
  labelsPerState: 1,
  selection: "uniform",
  rolloutEpisodes: 1,
  evalEpisodes: 1,
  epochs: 1,
  batchSize: 64,
  hiddenUnits: [32],
};

describe.each(ENGINES)("DAgger rounds on CarTrackPixels-v0 (image policies) through the HTTP API [$name]", ({ name, enabled }) => {
  const server = serverPerEngine(name, "corrective-pixels-");

  it.skipIf(!enabled)("trains, rolls out and evaluates ConvNet policies round after round; the export holds the images", async () => {
    const base = (await server.start()).url;
    const started = Date.now();
    const { lead, project, rounds } = await runDaggerOverApi({
      base,
      tag: name,
      envId: ENV_ID,
      projectName: "CarTrack from pixels",
      settings: SETTINGS,
      labellers: ["Driver 0", "Driver 1"],
      demos: 1,
      rounds: ROUNDS,
      publishWait: [280_000, 500],
      labelingWait: [120_000, 300],
      label: async (labellers, i, projectId) => {
        const reports = await Promise.all(labellers.map((l, k) => labelUntilDone(l, projectId, ENV_ID, { seed: 10 * i + k })));
        expect(reports.reduce((a, r) => a + r.labels, 0)).toBe(SETTINGS.statesPerRound);
      },
    });
    console.log(
      `[${name}] CarTrackPixels-v0 normalised return by round: ${rounds.map((r) => (r.metrics.normalizedReturn as number).toFixed(3)).join(" → ")}; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    // Every round was evaluated by driving with its image policy.
    for (const r of rounds) expect(r.metrics).toMatchObject({ episodes: SETTINGS.evalEpisodes });
    for (const r of rounds.slice(1)) expect(r.progress).toMatchObject({ tasksTotal: SETTINGS.statesPerRound, tasksDone: SETTINGS.statesPerRound });

    // Each published policy is an image policy over the env's camera.
    const policies = await lead.ok("GET", `/api/v1/projects/${project.id}/policies`);
    expect(policies.map((p: { version: number }) => p.version)).toEqual([3, 2, 1]);
    const latest = await lead.ok("GET", `/api/v1/projects/${project.id}/policies/${policies[0].version}`);
    const policy = Policy.fromBlob(new Uint8Array(Buffer.from(latest.blobBase64 as string, "base64")));
    expect(policy.isVisual).toBe(true);
    expect(policy.spec.vision?.cameras).toEqual([{ name: "image", shape: [64, 64, 3] }]);

    // …and downloads as ONNX: inputs `state` and `image` (uint8 NHWC), the runtime's action on a rendered frame.
    const onnx = await fetch(`${base}/api/v1/projects/${project.id}/policies/${policies[0].version}?format=onnx`, { headers: { authorization: `Bearer ${lead.token}` } });
    expect(onnx.status).toBe(200);
    expect(onnx.headers.get("content-type")).toBe("application/onnx");
    const session = await ort.InferenceSession.create(new Uint8Array(await onnx.arrayBuffer()));
    expect([...session.inputNames].sort()).toEqual(["image", "state"]);
    const env = new CarTrackPixelsEnv();
    env.reset(3);
    const frame = { state: env.observe(), image: env.observeImages().image! };
    const ran = await session.run({ state: new ort.Tensor("float32", Float32Array.from(frame.state), [1, 1]), image: new ort.Tensor("uint8", frame.image, [1, 64, 64, 3]) });
    await session.release();
    expect(Math.abs((ran.action!.data as Float32Array)[0]! - (policy.act(frame).action as number[])[0]!)).toBeLessThanOrEqual(1e-5);

    // The final dataset's LeRobot export carries one image per sample.
    const jsonl = await lead.call("GET", `/api/v1/projects/${project.id}/datasets/${ROUNDS}/export?format=jsonl`);
    expect(jsonl.status).toBe(200);
    const samples = Number(jsonl.headers.get("x-sample-count"));
    expect(samples).toBeGreaterThan(SETTINGS.statesPerRound * ROUNDS);
    const tar = await fetch(`${base}/api/v1/projects/${project.id}/datasets/${ROUNDS}/export?format=lerobot`, { headers: { authorization: `Bearer ${lead.token}` } });
    expect(tar.status).toBe(200);
    const files = await untar(new Uint8Array(await tar.arrayBuffer()));
    const info = JSON.parse(new TextDecoder().decode(files.get("meta/info.json")));
    expect(info.features["observation.images.image"]).toMatchObject({ dtype: "image", shape: [64, 64, 3] });
    expect(info.total_frames).toBe(samples);
    const parquet = files.get("data/chunk-000/file-000.parquet")!;
    // 64×64 PNGs of every sample travel inside the parquet file: far more than the numbers alone.
    expect(parquet.length).toBeGreaterThan(samples * 200);
  }, 900_000);
});
