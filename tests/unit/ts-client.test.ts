/**
 * The TypeScript client's pieces that need no server: PNG frames (checked by decoding them with node:zlib), rollout
 * and frame ids (the same UUIDs the Python client derives, so either client resuming a round sends the same ids),
 * the frame-batch wire format the server parses, and episodes of a Gymnasium-shaped env with β-mixing and interventions.
 */
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { frameId, rolloutId, runEpisode } from "../../clients/typescript/src/collect";
import { encodePng } from "../../clients/typescript/src/png";
import { parseFrameBatch } from "../../server/rollouts/frames";
import { PointMass, pointMassExpert } from "../helpers/point-mass-env";

describe("TypeScript client: PNG frames", () => {
  it("encodes an RGB image that decodes to the same pixels", async () => {
    const img = { data: Uint8Array.from({ length: 5 * 4 * 3 }, (_, i) => (i * 37) % 256), width: 5, height: 4 };
    const png = await encodePng(img);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20), png[24], png[25]]).toEqual([5, 4, 8, 2]);
    const idatLen = view.getUint32(33);
    expect(Buffer.from(png.subarray(37, 41)).toString()).toBe("IDAT");
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    for (let y = 0; y < 4; y++) {
      expect(raw[y * 16]).toBe(0);
      expect([...raw.subarray(y * 16 + 1, y * 16 + 16)]).toEqual([...img.data.subarray(y * 15, y * 15 + 15)]);
    }
  });

  it("refuses what is not an image", async () => {
    await expect(encodePng({ data: new Uint8Array(5), width: 2, height: 2 })).rejects.toThrow(/needs 12 values/);
    await expect(encodePng([[[1, 2]]])).rejects.toThrow(/H×W×3/);
  });
});

describe("TypeScript client: ids and the frame batch format", () => {
  it("derives the same rollout and frame ids as the Python client (uuid5)", async () => {
    // python3 -c "import uuid; r = uuid.uuid5(uuid.UUID('6f6a1e4c-3b1d-4c2e-9a57-1c0de5ca1e00'), 'proj/1/2'); print(r, uuid.uuid5(r, 'frame/3'))"
    const id = await rolloutId("proj", 1, 2);
    expect(id).toBe("7b127a5d-6672-5bca-8b5e-9987d951e6f2");
    expect(await frameId(id, 3)).toBe("d158b302-7c6a-5894-8756-acb325bc1a2d");
    expect(await rolloutId("proj", null, 2)).not.toBe(await rolloutId("proj", null, 2));
  });

  it("the server parses a batch record by record and names a cut-short one", async () => {
    const png = await encodePng({ data: new Uint8Array(12), width: 2, height: 2 });
    const record = (id: string, bytes: Uint8Array) => {
      const r = new Uint8Array(20 + bytes.length);
      r.set(id.replace(/-/g, "").match(/../g)!.map((h) => parseInt(h, 16)));
      new DataView(r.buffer).setUint32(16, bytes.length);
      r.set(bytes, 20);
      return r;
    };
    const a = record("7b127a5d-6672-5bca-8b5e-9987d951e6f2", png);
    const b = record("d158b302-7c6a-5894-8756-acb325bc1a2d", png);
    const parsed = parseFrameBatch(new Uint8Array([...a, ...b]));
    expect(parsed.map((f) => f.id)).toEqual(["7b127a5d-6672-5bca-8b5e-9987d951e6f2", "d158b302-7c6a-5894-8756-acb325bc1a2d"]);
    expect([...parsed[1]!.bytes]).toEqual([...png]);
    expect(() => parseFrameBatch(new Uint8Array([...a, ...b.subarray(0, 30)]))).toThrow(/frame 1 .* cut short/);
    expect(() => parseFrameBatch(new Uint8Array())).toThrow(/no frames/);
  });
});

describe("TypeScript client: episodes", () => {
  const always = (a: number) => ({ act: () => a });

  it("records the policy's proposal, the expert's action under β = 1, frames, state and reward", async () => {
    const ep = await runEpisode(new PointMass(), always(1), { seed: 3, id: "x", expert: pointMassExpert, beta: 1, render: true, maxSteps: 10 });
    expect(ep.steps).toHaveLength(10);
    for (const s of ep.steps) {
      expect(s.policyAction).toBe(1);
      expect(s.action).toBe(pointMassExpert(s.observation));
      expect(s.state).toEqual(s.observation);
      expect(s.frame).not.toBeNull();
    }
    expect(ep.totalReturn).toBe(ep.steps.reduce((n, s) => n + (s.reward ?? 0), 0));
  });

  it("β = 0 never asks the expert; an intervention is executed and marked", async () => {
    let asked = 0;
    let n = 0;
    const ep = await runEpisode(new PointMass(), always(0), {
      seed: 1,
      id: "x",
      beta: 0,
      maxSteps: 12,
      expert: () => (asked++, 2),
      intervene: () => (++n % 3 === 0 ? 2 : null),
    });
    expect(asked).toBe(0);
    expect(ep.steps.filter((s) => s.intervention).map((s) => s.action)).toEqual([2, 2, 2, 2]);
    expect(ep.steps.filter((s) => !s.intervention).every((s) => s.action === 0 && s.policyAction === 0)).toBe(true);
  });
});
