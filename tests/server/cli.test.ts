/**
 * The `corrective` CLI as a user runs it: a child process talking to the real server (embedded PGlite in a
 * temporary folder, demo mode on). The demo lead logs in, creates a CartPole-v1 project, runs round 0 on one
 * scripted demonstration until it is published, and exports dataset v0 as JSONL. Also: the error paths
 * (bad token, usage errors, a refused request) and the OpenAPI document and docs page served by the same server.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "@/contracts/openapi";
import { ROOT, startServer, type ServerProcess } from "../helpers/server-process";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let server: ServerProcess;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-cli-"));

/** Runs `node --import tsx cli/corrective.ts …` with a clean environment (no inherited CORRECTIVE_*). */
function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "cli/corrective.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", CORRECTIVE_URL: server.url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`corrective ${args.join(" ")} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A CLI run that must succeed; its trimmed stdout. */
async function ok(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<string> {
  const r = await cli(args, env, timeoutMs);
  if (r.code !== 0) throw new Error(`corrective ${args.join(" ")} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout.trim();
}

beforeAll(async () => {
  server = await startServer({ DATA_DIR: path.join(tmp, "data") });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("corrective CLI against the real server", () => {
  let token = "";

  it("logs in as the demo lead and prints only the token on stdout", async () => {
    const r = await cli(["login", "--email", "lead@corrective.local", "--password", "corrective"]);
    expect(r.code, r.stderr).toBe(0);
    token = r.stdout.trim();
    expect(token).toMatch(/^crv_[\w-]+$/);
    expect(r.stderr).toContain("logged in as Lee Lead");
  });

  it("creates a CartPole-v1 project, runs round 0 on one scripted demonstration until published, and exports dataset v0", async () => {
    const auth = { CORRECTIVE_TOKEN: token };
    const settings = JSON.stringify({ epochs: 5, evalEpisodes: 2, rolloutEpisodes: 1 });
    const projectId = await ok(["project", "create", "--name", "CLI CartPole", "--env", "CartPole-v1", "--settings", settings], auth);
    expect(projectId).toMatch(/^[0-9a-f-]{36}$/);

    const listed = JSON.parse(await ok(["projects", "list", "--json"], auth)) as { id: string; role: string; envId: string }[];
    expect(listed.find((p) => p.id === projectId)).toMatchObject({ role: "lead", envId: "CartPole-v1" });
    expect(await ok(["projects", "list"], auth)).toMatch(/ID\s+NAME\s+ENV\s+ROLE/);

    expect(await ok(["round", "start", "--project", projectId, "--scripted-demos", "1"], auth)).toMatch(/^round 0: collecting/);

    // Polls with a progress line on stderr and prints the final state on stdout.
    const waited = await cli(["round", "status", "--project", projectId, "--wait", "published", "--timeout", "240", "--interval", "1"], auth, 260_000);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/^round 0: published · .*dataset v0 · mean return/);
    expect(waited.stderr).toMatch(/round 0: (collecting|aggregating|training|evaluating)/);

    const round = JSON.parse(await ok(["round", "status", "--project", projectId, "--index", "0", "--json"], auth)) as { status: string; datasetVersion: number; metrics: { episodes: number } };
    expect(round).toMatchObject({ status: "published", datasetVersion: 0, metrics: { episodes: 2 } });

    const out = path.join(tmp, "dataset-v0.jsonl");
    const exported = await ok(["export", "--project", projectId, "--version", "0", "--out", out], auth);
    const lines = fs.readFileSync(out, "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    expect(exported).toBe(`wrote ${lines.length} samples of dataset v0 to ${out} (jsonl)`);
    expect(JSON.parse(lines[0]!)).toMatchObject({ observation: expect.any(Array), action: expect.any(Number), version: 0 });

    // The LeRobot .tar of the latest version, and the published policy as ONNX, which ONNX Runtime runs.
    const tarFile = path.join(tmp, "dataset.tar");
    expect(await ok(["export", "--project", projectId, "--version", "latest", "--format", "lerobot", "--out", tarFile], auth)).toBe(`wrote ${lines.length} samples of dataset v0 to ${tarFile} (lerobot)`);
    expect(fs.readFileSync(tarFile).subarray(0, 14).toString()).toBe("meta/info.json");
    const onnxFile = path.join(tmp, "policy.onnx");
    expect(await ok(["policy", "download", "--project", projectId, "--out", onnxFile], auth)).toMatch(/^wrote policy v1 to .*policy\.onnx \(onnx, \d+ bytes\)$/);
    const session = await ort.InferenceSession.create(fs.readFileSync(onnxFile));
    const result = await session.run({ observation: new ort.Tensor("float32", new Float32Array([0, 0.1, -0.02, 0.3]), [1, 4]) });
    expect([0n, 1n]).toContain((result.action!.data as BigInt64Array)[0]);
    const bad = await cli(["export", "--project", projectId, "--version", "0", "--format", "csv", "--out", tarFile], auth);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of jsonl, lerobot, got "csv"/);
  }, 300_000);

  it("adds a member, uploads demonstrations from a file, and creates a named token that works", async () => {
    const auth = { CORRECTIVE_TOKEN: token };
    const projectId = await ok(["project", "create", "--name", "CLI uploads", "--env", "CartPole-v1"], auth);
    expect(await ok(["members", "add", "--project", projectId, "--email", "labeler1@corrective.local", "--role", "labeler"], auth)).toBe("labeler1@corrective.local is now labeler");

    const file = path.join(tmp, "demos.json");
    const step = (action: number) => ({ observation: [0, 0.1, -0.02, 0.3], action });
    fs.writeFileSync(file, JSON.stringify({ episodes: [{ steps: [step(0), step(1), step(1)] }, { steps: [step(0)] }] }));
    expect(await ok(["demos", "upload", "--project", projectId, "--file", file], auth)).toBe("uploaded 2 episodes (4 steps) to round 0");

    const created = JSON.parse(await ok(["token", "create", "--name", "ci robot", "--json"], auth)) as { token: string; name: string };
    expect(created).toMatchObject({ name: "ci robot", token: expect.stringMatching(/^crv_/) });
    const status = await ok(["round", "status", "--project", projectId], { CORRECTIVE_TOKEN: created.token });
    expect(status).toMatch(/^round 0: collecting · .*2 rollouts, 4 states/);
  });

  it("runs the external flow: an external project, rollouts from JSONL (re-run: stored once), policy download, evaluation episodes", async () => {
    const auth = { CORRECTIVE_TOKEN: token };
    const external = JSON.stringify({ observationSpace: { type: "box", shape: [2], low: [-1, -1], high: [1, 1] }, actionSpace: { type: "discrete", n: 2 } });
    const projectId = await ok(["project", "create", "--name", "CLI robot", "--external", external, "--settings", JSON.stringify({ epochs: 3 })], auth);
    const demos = path.join(tmp, "robot-demos.json");
    const demoSteps = Array.from({ length: 20 }, (_, t) => ({ observation: [Math.sin(t) / 2, Math.cos(t) / 2], action: t % 2 }));
    fs.writeFileSync(demos, JSON.stringify({ episodes: [{ steps: demoSteps }] }));
    await ok(["demos", "upload", "--project", projectId, "--file", demos], auth);
    await ok(["round", "close", "--project", projectId, "--index", "0"], auth);
    expect(await ok(["round", "status", "--project", projectId, "--wait", "published", "--timeout", "240"], auth, 260_000)).toMatch(/^round 0: published/);

    const policyFile = path.join(tmp, "robot.crpl");
    expect(await ok(["policy", "download", "--project", projectId, "--out", policyFile], auth)).toMatch(/^wrote policy v1 to .*\.crpl \(crpl, \d+ bytes\)$/);
    expect(Buffer.from(fs.readFileSync(policyFile).subarray(0, 4)).toString()).toBe("CRPL");

    await ok(["round", "start", "--project", projectId], auth);
    const rollouts = path.join(tmp, "rollouts.jsonl");
    const line = (k: number) => JSON.stringify({ seed: k, steps: Array.from({ length: 5 }, (_, t) => ({ observation: [t / 10, -k / 10], policyAction: t % 2, reward: 1 })) });
    fs.writeFileSync(rollouts, `${line(1)}\n${line(2)}\n\n${line(3)}\n`);
    expect(await ok(["rollouts", "upload", "--project", projectId, "--file", rollouts], auth)).toBe("uploaded 3 rollouts (15 steps) to round 1");
    // The same file again (a retry after a crash): the content-derived ids are already stored.
    expect(await ok(["rollouts", "upload", "--project", projectId, "--file", rollouts], auth)).toBe("uploaded 3 rollouts (15 steps) to round 1; 3 were already there");
    expect(await ok(["round", "status", "--project", projectId], auth)).toMatch(/^round 1: collecting · 3 rollouts, 15 states/);

    const episodes = path.join(tmp, "eval.jsonl");
    fs.writeFileSync(episodes, [{ return: 40, length: 40, success: true }, { return: 20, length: 20, success: false }].map((e) => JSON.stringify(e)).join("\n"));
    expect(await ok(["eval", "post", "--project", projectId, "--version", "1", "--file", episodes, "--return-range", "0,50"], auth)).toBe("v1: mean return 30.00 (normalised 0.600) over 2 episodes · round 0 · live policy stays v1");
    const bad = await cli(["eval", "post", "--project", projectId, "--version", "1", "--file", episodes, "--return-range", "0"], auth);
    expect(bad.code).toBe(2);

    // Labelling in bulk: lease a batch of tasks, label them from a file (re-run: stored once), one bad label refused alone.
    await ok(["round", "close", "--project", projectId, "--index", "1"], auth);
    expect(await ok(["round", "status", "--project", projectId, "--wait", "labeling", "--timeout", "60"], auth, 80_000)).toMatch(/^round 1: labeling/);
    const tasksFile = path.join(tmp, "tasks.jsonl");
    expect(await ok(["tasks", "claim", "--project", projectId, "--count", "4", "--out", tasksFile], auth)).toBe(`leased 4 tasks → ${tasksFile}`);
    const leased = fs.readFileSync(tasksFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { task: { id: string }; state: { observation: number[] }; context: { before: unknown[] } });
    expect(new Set(leased.map((t) => t.task.id)).size).toBe(4);
    for (const t of leased) expect(t.context.before.length).toBeGreaterThan(0);
    const labelsFile = path.join(tmp, "labels.jsonl");
    fs.writeFileSync(labelsFile, leased.slice(0, 3).map((t, i) => JSON.stringify(i === 2 ? { taskId: t.task.id, cantTell: true } : { taskId: t.task.id, action: i % 2 })).join("\n"));
    expect(await ok(["labels", "submit", "--file", labelsFile], auth)).toBe("stored 3 labels");
    expect(await ok(["labels", "submit", "--file", labelsFile], auth)).toBe("stored 0 labels; 3 were already there");
    fs.writeFileSync(labelsFile, JSON.stringify({ taskId: leased[3]!.task.id, action: 7 }));
    const refused = await cli(["labels", "submit", "--file", labelsFile, "--json"], auth);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ stored: 0, refused: 1, results: [{ taskId: leased[3]!.task.id, status: 422 }] });
    expect(refused.stderr).toMatch(/1 of 1 labels were refused/);
    const more = JSON.parse(await ok(["tasks", "claim", "--project", projectId, "--count", "100", "--json"], auth)) as { tasks: { task: { id: string } }[] };
    // The unlabelled task is still the lead's (its lease comes back first); the labelled ones never come back.
    expect(more.tasks[0]?.task.id).toBe(leased[3]!.task.id);
    expect(more.tasks.map((t) => t.task.id)).not.toContain(leased[0]!.task.id);
  }, 300_000);

  it("a bad token exits non-zero with the server's message and nothing on stdout", async () => {
    const r = await cli(["projects", "list", "--token", "crv_not-a-real-token"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: Invalid or revoked API token \(GET \/api\/v1\/projects → 401 UNAUTHENTICATED\)\. Log in with `corrective login`/);
  });

  it("passes on the server's field errors for a refused request", async () => {
    const r = await cli(["project", "create", "--name", "Bad", "--env", "CartPole-v1", "--settings", '{"epochs":0}'], { CORRECTIVE_TOKEN: token });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Invalid input \(POST \/api\/v1\/projects → 400 VALIDATION\)\.\n {2}settings\.epochs: /);
  });

  it("usage errors exit 2 without calling the server", async () => {
    const noToken = await cli(["projects", "list"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("no API token: pass --token or set CORRECTIVE_TOKEN");
    const missing = await cli(["round", "start"], { CORRECTIVE_TOKEN: token });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("round start needs --project");
    const unknown = await cli(["round", "explode"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "round explode"');
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("round status");
  });

  it("an unreachable server is a readable error", async () => {
    const r = await cli(["projects", "list", "--url", "http://127.0.0.1:1", "--token", token]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:1 .*is the server running\?/);
  });
});

describe("OpenAPI document and docs page on the real server", () => {
  it("serves /api/v1/openapi.json without authentication, equal to the generated document", async () => {
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const { version } = (await (await fetch(`${server.url}/api/health`)).json()) as { version: string };
    expect(await res.json()).toEqual(buildOpenApiDocument(version));
  });

  it("renders /docs/api publicly, grouped by tag, linking to the document", async () => {
    const res = await fetch(`${server.url}/docs/api`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/api/v1/openapi.json"');
    for (const id of ["tag-auth", "tag-rounds", "tag-labelling", "claimNextTask", "exportDataset", "schema-CreateProject"]) expect(html).toContain(`id="${id}"`);
    expect(html).toContain("/api/v1/projects/{projectId}/rounds/{index}/close");
  });
});
