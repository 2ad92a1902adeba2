/**
 * docs/EXTERNAL.md's two examples ("your robot in 30 lines") run exactly as written, so they cannot rot: each code
 * block is cut out of the Markdown and run against the real server — the Python one by Debian's python3 with the
 * Python client, the TypeScript one by Node with the TypeScript client — with a stand-in for the user's simulator
 * (`my_robot` / `./my-robot`: the test environments) while a simulated labeller labels every round over the API.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../helpers/api-client";
import { POINT_MASS_SPACES, pointMassExpert } from "../helpers/point-mass-env";
import { labelUntilDone, type ExternalExpert } from "../helpers/simulated-labeler";
import { ROOT, startServer, type ServerProcess } from "../helpers/server-process";

let server: ServerProcess;
let lead: ApiClient;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "corrective-docs-"));
const doc = fs.readFileSync(path.join(ROOT, "docs/EXTERNAL.md"), "utf8");

function example(lang: "python" | "typescript"): string {
  const m = new RegExp(`<!-- example: ${lang}[^>]*-->\\s*\`\`\`(?:python|ts)\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!m?.[1]) throw new Error(`docs/EXTERNAL.md has no ${lang} example block`);
  return m[1];
}

beforeAll(async () => {
  server = await startServer({ DATA_DIR: path.join(tmp, "data") });
  lead = await ApiClient.signUpAndLogin(server.url, "Robot lead", `docs-lead-${Date.now()}@example.test`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs a program to its end while labelling every task of the project it creates (found by name). */
async function runWhileLabelling(cmd: string, args: string[], env: Record<string, string>, expert: string | ExternalExpert): Promise<{ code: number | null; out: string }> {
  const known = new Set(((await lead.ok("GET", "/api/v1/projects")) as { id: string }[]).map((p) => p.id));
  const proc = spawn(cmd, args, { cwd: ROOT, env: { NODE_ENV: "production", PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", CORRECTIVE_URL: server.url, CORRECTIVE_TOKEN: lead.token ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (out += d.toString()));
  let running = true;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => ((running = false), resolve(code))));
  let labels = 0;
  while (running) {
    const project = ((await lead.ok("GET", "/api/v1/projects")) as { id: string; name: string }[]).find((p) => !known.has(p.id) && p.name === "my robot");
    if (project) labels += (await labelUntilDone(lead, project.id, expert)).labels;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(labels).toBeGreaterThan(0);
  return { code: await exited, out };
}

describe("docs/EXTERNAL.md examples", () => {
  it("the Python example runs as written", async () => {
    const dir = path.join(tmp, "py");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "robot.py"), example("python"));
    fs.writeFileSync(path.join(dir, "my_robot.py"), "from cartpole import CartPole as MyRobot, expert  # noqa: F401\n");
    const pythonPath = [path.join(ROOT, "clients/python"), path.join(ROOT, "tests/python"), dir].join(path.delimiter);
    const { code, out } = await runWhileLabelling("python3", [path.join(dir, "robot.py")], { PYTHONPATH: pythonPath }, "CartPole-v1");
    expect(code, out).toBe(0);
    expect(out).toMatch(/round 1: normalised return \d\.\d\d\nround 2: normalised return \d\.\d\d/);
  }, 600_000);

  it("the TypeScript example runs as written", async () => {
    const dir = path.join(tmp, "ts");
    fs.mkdirSync(dir);
    // The package name resolves to the client's source in this repository; `./my-robot` is the test's simulator.
    fs.writeFileSync(path.join(dir, "robot.mts"), example("typescript").replace('"@corrective/client"', JSON.stringify(path.join(ROOT, "clients/typescript/src/index.ts"))));
    fs.writeFileSync(path.join(dir, "my-robot.ts"), `export { PointMass as MyRobot, pointMassExpert as expert } from ${JSON.stringify(path.join(ROOT, "tests/helpers/point-mass-env.ts"))};\n`);
    const { code, out } = await runWhileLabelling(process.execPath, ["--import", "tsx", path.join(dir, "robot.mts")], {}, { act: pointMassExpert, actionSpace: POINT_MASS_SPACES.actionSpace });
    expect(code, out).toBe(0);
    expect(out).toMatch(/round 1: normalised return \d\.\d\d\nround 2: normalised return \d\.\d\d/);
  }, 600_000);
});
