/**
 * Drives the API from e2e tests as the lead (bearer token from POST /api/v1/auth/login): creates a project
 * with small settings, adds the demo labellers, runs round 0 on scripted demonstrations and starts round 1
 * so the browser tests have states to label.
 */
import fs from "node:fs";
import path from "node:path";
import { expect, request, type APIRequestContext, type Page } from "@playwright/test";
import { DEMO_PASSWORD } from "./helpers";

export const LEAD = "lead@corrective.local";
export const LAB1 = "labeler1@corrective.local";
export const LAB2 = "labeler2@corrective.local";

export class LeadApi {
  constructor(
    readonly ctx: APIRequestContext,
    readonly token: string,
  ) {}

  static async login(baseURL: string, email = LEAD): Promise<LeadApi> {
    const ctx = await request.newContext({ baseURL });
    const res = await ctx.post("/api/v1/auth/login", { data: { email, password: DEMO_PASSWORD } });
    expect(res.status(), await res.text()).toBe(201);
    return new LeadApi(ctx, (await res.json()).data.token);
  }

  async call(method: "GET" | "POST" | "PATCH" | "DELETE", url: string, data?: unknown): Promise<{ status: number; data: any; headers: Record<string, string> }> {
    const res = await this.ctx.fetch(url, { method, headers: { authorization: `Bearer ${this.token}` }, ...(data === undefined ? {} : { data }) });
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    return { status: res.status(), data: body?.data ?? body, headers: res.headers() };
  }

  async ok(method: "GET" | "POST" | "PATCH", url: string, data?: unknown): Promise<any> {
    const res = await this.call(method, url, method === "GET" ? undefined : (data ?? {}));
    if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status}: ${JSON.stringify(res.data)}`);
    return res.data;
  }

  round(projectId: string, index: number): Promise<any> {
    return this.ok("GET", `/api/v1/projects/${projectId}/rounds/${index}`);
  }

  async waitRound(projectId: string, index: number, status: string, timeoutMs = 240_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.round(projectId, index).catch(() => null);
      if (r?.status === "failed") throw new Error(`round ${index} failed: ${r.error}`);
      if (r?.status === status) return r;
      if (Date.now() > deadline) throw new Error(`round ${index} did not reach ${status} (is ${r?.status})`);
      await new Promise((res) => setTimeout(res, 300));
    }
  }

  async dispose(): Promise<void> {
    await this.ctx.dispose();
  }
}

export interface LabelingProjectOptions {
  name: string;
  envId: string;
  settings: Record<string, unknown>;
  /** Stop after creating the project and members (no rounds). */
  noRounds?: boolean;
}

/** A project in round 1 `labeling` (policy v1 from one scripted demonstration), with both demo labellers. */
export async function createLabelingProject(lead: LeadApi, opts: LabelingProjectOptions): Promise<{ projectId: string; round1: any }> {
  const project = await lead.ok("POST", "/api/v1/projects", { name: `${opts.name} ${Date.now()}`, envId: opts.envId, settings: opts.settings });
  for (const email of [LAB1, LAB2]) await lead.ok("POST", `/api/v1/projects/${project.id}/members`, { email, role: "labeler" });
  if (opts.noRounds) return { projectId: project.id, round1: null };
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, { scriptedDemonstrations: 1 });
  await lead.waitRound(project.id, 0, "published");
  await lead.ok("POST", `/api/v1/projects/${project.id}/rounds`, {});
  const round1 = await lead.waitRound(project.id, 1, "labeling", 120_000);
  return { projectId: project.id, round1 };
}

const SHOTS = path.resolve(import.meta.dirname, "screenshots");
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The task on screen in the labelling view. */
export async function currentTask(page: Page): Promise<string> {
  const id = await page.getByTestId("labeler").getAttribute("data-task-id");
  if (!id) throw new Error("no task on screen");
  return id;
}

/** Presses `key` and waits for a different task to be on screen; returns the new task id. */
export async function labelWithKey(page: Page, key: string): Promise<string> {
  const before = await currentTask(page);
  await page.keyboard.press(key);
  await expect(page.getByTestId("labeler")).not.toHaveAttribute("data-task-id", before);
  return currentTask(page);
}
