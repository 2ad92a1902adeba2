/**
 * DAgger through the HTTP API of the real server (tests/server/*-rounds.test.ts): one server per database
 * engine, a lead with a project and its labellers, round 0 on scripted demonstrations, then rounds that the
 * test's labellers label. Each test keeps its own scenario and assertions; this is only the walk they share.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect } from "vitest";
import { ApiClient, waitFor } from "./api-client";
import { createScratchPostgres, POSTGRES_OK } from "./engines";
import { startServer, type ServerProcess } from "./server-process";

export const ENGINES = [
  { name: "pglite", enabled: true },
  { name: "postgres", enabled: POSTGRES_OK },
] as const;
export type EngineName = (typeof ENGINES)[number]["name"];

/**
 * Call inside the engine's `describe`: `start()` in the test starts the server on that engine (a scratch
 * PostgreSQL database, or embedded PGlite in a fresh data directory named `dataDirPrefix…`); `afterAll` stops
 * it and drops the database.
 */
export function serverPerEngine(engine: EngineName, dataDirPrefix: string): { start: () => Promise<ServerProcess> } {
  let server: ServerProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await server?.stop();
    await drop?.();
  });
  return {
    start: async () => {
      if (engine === "postgres") {
        const scratch = await createScratchPostgres();
        drop = scratch.drop;
        server = await startServer({ DATABASE_URL: scratch.url, NEXTAUTH_SECRET: "integration-secret-0123456789" });
      } else {
        server = await startServer({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), dataDirPrefix)) });
      }
      return server;
    },
  };
}

/** [timeout, poll interval] in ms for `waitFor`. */
type Wait = readonly [number, number?];

export interface DaggerScenario<R> {
  base: string;
  /** Makes the sign-up addresses unique (the engine's name, say). */
  tag: string;
  envId: string;
  projectName: string;
  settings: Record<string, unknown>;
  /** The labellers' display names, in the order `label` receives them. */
  labellers: readonly string[];
  /** Scripted demonstration episodes of round 0. */
  demos: number;
  /** DAgger rounds after round 0. */
  rounds: number;
  publishWait: Wait;
  labelingWait?: Wait;
  /** Labels round `i` (it is labelling) and returns whatever the test checks afterwards. */
  label: (labellers: ApiClient[], i: number, projectId: string) => Promise<R>;
}

export async function runDaggerOverApi<R>(s: DaggerScenario<R>) {
  const stamp = `${s.tag}-${Date.now()}`;
  const email = (name: string) => `${name.toLowerCase().replace(/[^a-z0-9]+/g, "")}-${stamp}@example.test`;
  const lead = await ApiClient.signUpAndLogin(s.base, "Lead", email("lead"));
  const labellers = await Promise.all(s.labellers.map((n) => ApiClient.signUpAndLogin(s.base, n, email(n))));
  const project = await lead.ok("POST", "/api/v1/projects", { name: s.projectName, envId: s.envId, settings: s.settings });
  for (const [i, l] of labellers.entries()) {
    const me = await l.ok("GET", "/api/v1/me");
    await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email: me.email, role: "labeler" });
    expect(me.name).toBe(s.labellers[i]);
  }
  const round = (index: number) => lead.ok("GET", `/api/v1/projects/${project.id}/rounds/${index}`);
  const published = (index: number) =>
    waitFor(`round ${index} published`, async () => {
      const r = await round(index);
      if (r.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
      return r.status === "published" ? r : null;
    }, ...s.publishWait);

  const r0 = await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: s.demos });
  expect(r0).toMatchObject({ index: 0, status: "collecting" });
  const rounds = [await published(0)];
  const reports: R[] = [];
  for (let i = 1; i <= s.rounds; i++) {
    expect((await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {})).index).toBe(i);
    await waitFor(`round ${i} labeling`, async () => (await round(i)).status === "labeling", ...(s.labelingWait ?? ([] as const)));
    reports.push(await s.label(labellers, i, project.id));
    rounds.push(await published(i));
  }
  return { lead, labellers, project, rounds, reports };
}
