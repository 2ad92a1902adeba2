/**
 * The one route table (contracts/routes.ts) and what is derived from it: `routeTemplate` gives the OpenAPI
 * document its paths, `routePattern` gives the custom server's fast routes and body limits their matchers
 * (server/http/fast-path.ts). A fast route must answer exactly the paths its `API` builder produces — not a
 * neighbour Next.js serves — and hand the handler the parameter as the builder was given it.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "@/contracts/openapi";
import { PROJECT_NAV } from "@/contracts/project-nav";
import { API, PAGES, routePattern, routeTemplate, templatePattern, withQuery } from "@/contracts/routes";
import { BODY_LIMITS, bodyLimitOf, ROUTES } from "@/server/http/fast-path";
import { MAX_FRAME_BATCH_BYTES } from "@/server/rollouts/frames";
import { MAX_IMPORT_BYTES, MAX_JSON_BYTES, MAX_ROLLOUT_JSON_BYTES } from "@/server/http/respond";

/** Parameter values a builder may be given: plain ids and ones that need encoding. */
const VALUES = ["0b8a4f2e-6c1d-4f57-9a0e-3f1c2d4b5a69", "7", "a b/c?d#e%f", "ü€"];

/** The fast routes and the `API` builder each one stands for (a name in bench metrics → builder). */
const FAST_BUILDERS: Record<string, string | ((id: string) => string)> = {
  claim: API.nextTask,
  label: API.taskLabels,
  heartbeat: API.taskHeartbeat,
  claimBatch: API.claimTasks,
  labelBatch: API.labels,
};

/** Every `API` entry's template with its parameters unnamed (`/api/v1/projects/{}/rounds/{}`). */
const API_TEMPLATES = new Set(
  Object.values(API).map((build) => (typeof build === "string" ? build : decodeURIComponent((build as (...a: string[]) => string)(...Array<string>(build.length).fill("{}"))))),
);
const unnamed = (template: string) => template.replace(/\{[^}]+\}/g, "{}");

/** Every page under app/ (`page.tsx`; app/api holds routes, `_` folders none) as an unnamed template: `app/projects/[projectId]/label` → `/projects/{}/label`. */
function appPages(dir = path.resolve(import.meta.dirname, "../../app"), url = ""): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && !(url === "" && entry.name === "api") && !entry.name.startsWith("_")) out.push(...appPages(path.join(dir, entry.name), `${url}/${entry.name.replace(/^\[.+\]$/, "{}")}`));
    else if (entry.name === "page.tsx") out.push(url || "/");
  }
  return out;
}

describe("routeTemplate and routePattern", () => {
  it("turn a builder into its OpenAPI template and an anchored matcher with one group per parameter", () => {
    expect(routeTemplate(API.nextTask, "projectId")).toBe("/api/v1/projects/{projectId}/tasks/next");
    expect(routeTemplate(API.round, "projectId", "index")).toBe("/api/v1/projects/{projectId}/rounds/{index}");
    expect(routeTemplate(API.labels)).toBe("/api/v1/labels");
    const { template, pattern, params } = routePattern(API.label, "taskId", "labelId");
    expect(template).toBe("/api/v1/tasks/{taskId}/labels/{labelId}");
    expect(params).toEqual(["taskId", "labelId"]);
    expect(pattern.exec(API.label("t 1", "l/2"))?.slice(1).map(decodeURIComponent)).toEqual(["t 1", "l/2"]);
    expect(pattern.test(API.taskLabels("t"))).toBe(false);
  });

  it("escape the static parts and take a catch-all and an optional trailing slash", () => {
    expect(templatePattern(API.openApi).test("/api/v1/openapi.json")).toBe(true);
    expect(templatePattern(API.openApi).test("/api/v1/openapiXjson")).toBe(false);
    const nextAuth = templatePattern(`${API.auth}/{nextauth...}`, { trailingSlash: true });
    expect(nextAuth.test("/api/auth/callback/credentials")).toBe(true);
    expect(nextAuth.test("/api/auth/session/")).toBe(true);
    expect(nextAuth.test("/api/auth")).toBe(false);
  });
});

describe("the fast path's routes", () => {
  it("are exactly the labelling hot routes, each from its API builder", () => {
    expect(ROUTES.map((r) => r.name).sort()).toEqual(Object.keys(FAST_BUILDERS).sort());
  });

  for (const route of ROUTES) {
    const build = FAST_BUILDERS[route.name]!;
    it(`${route.name} matches what its builder produces and hands over the parameter decoded`, () => {
      const examples = typeof build === "string" ? [[build, undefined] as const] : VALUES.map((v) => [build(v), v] as const);
      for (const [path, value] of examples) {
        const m = route.pattern.exec(path);
        expect(m, path).not.toBeNull();
        if (value === undefined) expect(route.param).toBeUndefined();
        else expect(decodeURIComponent(m![1]!)).toBe(value);
      }
    });

    it(`${route.name} matches no neighbour`, () => {
      const path = typeof build === "string" ? build : build("p1");
      const neighbours = [`${path}/x`, `${path}/`, `/x${path}`, path.slice(0, path.lastIndexOf("/")), `${path}x`];
      // A parameter spanning two segments, an empty one, none at all.
      if (typeof build !== "string") neighbours.push(path.replace("p1", "p1/x"), build(""), build("").replace("//", "/"));
      for (const n of neighbours) expect(route.pattern.test(n), n).toBe(false);
    });
  }

  it("body limits come from API builders: their routes' own, the JSON limit for any other API path, none for pages", () => {
    expect(BODY_LIMITS).toHaveLength(4);
    for (const id of VALUES) {
      expect(bodyLimitOf(API.frames(id))).toBe(MAX_FRAME_BATCH_BYTES);
      expect(bodyLimitOf(API.datasetImport(id))).toBe(MAX_IMPORT_BYTES);
      expect(bodyLimitOf(API.rollouts(id))).toBe(MAX_ROLLOUT_JSON_BYTES);
      expect(bodyLimitOf(API.demonstrations(id))).toBe(MAX_ROLLOUT_JSON_BYTES);
      expect(bodyLimitOf(API.frame(id, "f"))).toBe(MAX_JSON_BYTES);
      expect(bodyLimitOf(`${API.datasetImport(id)}/x`)).toBe(MAX_JSON_BYTES);
      expect(bodyLimitOf(API.nextTask(id))).toBe(MAX_JSON_BYTES);
    }
    expect(bodyLimitOf(API.auth + "/callback/credentials")).toBe(MAX_JSON_BYTES);
    expect(bodyLimitOf(API.health)).toBe(MAX_JSON_BYTES);
    expect(bodyLimitOf(PAGES.project("p"))).toBeUndefined();
  });
});

describe("the one route table", () => {
  it("every OpenAPI path is the template of an API entry", () => {
    const strays = OPERATIONS.map((op) => op.path).filter((p) => !API_TEMPLATES.has(unnamed(p)));
    expect(strays).toEqual([]);
  });

  it("every API entry is in the OpenAPI document, but next-auth's", () => {
    const documented = new Set(OPERATIONS.map((op) => unnamed(op.path)));
    expect([...API_TEMPLATES].filter((t) => !documented.has(t))).toEqual([API.auth]);
  });

  it("the OpenAPI paths name their parameters consistently with the builders (no two names for one template)", () => {
    const byShape = new Map<string, Set<string>>();
    for (const op of OPERATIONS) byShape.set(unnamed(op.path), (byShape.get(unnamed(op.path)) ?? new Set()).add(op.path));
    expect([...byShape.values()].filter((s) => s.size > 1).map((s) => [...s])).toEqual([]);
  });

  it("PAGES holds every page under app/, and nothing else", () => {
    const pages = Object.values(PAGES).map((build) => (typeof build === "string" ? build : unnamed(decodeURIComponent(build("{}")))).split("?")[0]!);
    expect([...new Set(pages)].sort()).toEqual(appPages().sort());
  });

  it("the project navigation links to project pages, in order", () => {
    expect(PROJECT_NAV.map((n) => n.label)).toEqual(["Overview", "Label", "Demonstrate", "Take over", "Rounds", "Review", "Quality", "Datasets", "Policies", "Members", "Audit log", "Settings"]);
    for (const n of PROJECT_NAV) expect(n.href("p 1").startsWith(PAGES.project("p 1"))).toBe(true);
  });

  it("query helpers leave out empty values", () => {
    expect(withQuery(API.audit("p"), { action: "round.", before: undefined, limit: "" })).toBe("/api/v1/projects/p/audit?action=round.");
    expect(withQuery(API.audit("p"), {})).toBe("/api/v1/projects/p/audit");
  });
});
