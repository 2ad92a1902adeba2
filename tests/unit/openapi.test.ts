/**
 * The OpenAPI document (contracts/openapi.ts): valid OpenAPI 3.1 (checked offline against the official
 * schema shipped in @seriousme/openapi-schema-validator), complete (every route file under app/api/v1 and
 * every exported HTTP method is in `paths`, and nothing else is), generated from the very zod schemas the
 * services parse with, and in step with the error mapping and the services' return types.
 */
import fs from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { ZSignIn, ZSignUp } from "@/contracts/auth";
import { ZCreateComment } from "@/contracts/comments";
import { ZErrorBody, type TErrorBody } from "@/contracts/errors";
import { ZClaimRideAlong } from "@/contracts/labeling";
import {
  API_ERROR_CODES,
  buildOpenApiDocument,
  ERROR_RESPONSES,
  HTTP_METHODS,
  OPERATIONS,
  RESPONSE_SCHEMAS,
  requestJsonSchema,
  type ErrorStatus,
  type JsonSchema,
  type ResponseSchemaName,
} from "@/contracts/openapi";
import { ZUpdateProject } from "@/contracts/projects";
import { ZClaimTasks, ZDemonstrations, ZExternalRollout, ZStartRound, ZSubmitLabel, ZSubmitLabels } from "@/contracts/rounds";
import { ZAddMember, ZCreateProject } from "@/contracts/settings";
import { ZCreateToken } from "@/contracts/tokens";
import type { listAuditLog } from "@/server/audit/list-audit-log";
import type { createApiToken, listApiTokens } from "@/server/auth/api-tokens";
import type { loginForToken } from "@/server/auth/login-token";
import type { setSiteAdmin } from "@/server/auth/set-site-admin";
import type { signUp } from "@/server/auth/sign-up";
import type { addComment } from "@/server/comments/add-comment";
import type { listComments } from "@/server/comments/list-comments";
import type { listDatasetSamples } from "@/server/datasets/list-dataset-samples";
import type { diffDatasetVersions, getDatasetVersion, listDatasetVersions } from "@/server/datasets/list-dataset-versions";
import { AppError, type ErrorCode } from "@/server/errors";
import type { checkHealth } from "@/server/health/check-health";
import { errorResponse } from "@/server/http/respond";
import type { createInvite } from "@/server/invites/create-invite";
import type { listInvites } from "@/server/invites/list-invites";
import type { listPolicies } from "@/server/policies/list-policies";
import type { publishPolicyVersion } from "@/server/policies/publish-policy-version";
import type { addMember } from "@/server/projects/add-member";
import type { getProject } from "@/server/projects/get-project";
import type { listProjects } from "@/server/projects/list-projects";
import type { updateProject } from "@/server/projects/update-project";
import type { applyGold } from "@/server/quality/apply-gold";
import type { getDashboard } from "@/server/quality/get-dashboard";
import type { getQuality } from "@/server/quality/get-quality";
import type { markGold } from "@/server/quality/mark-gold";
import type { updateQualitySettings } from "@/server/quality/quality-settings";
import type { decideReview } from "@/server/review/decide-review";
import type { listReviewQueue } from "@/server/review/list-review-queue";
import type { addExternalRollout, addExternalRollouts } from "@/server/rollouts/add-external-rollout";
import type { uploadFrame, uploadFrameBatch } from "@/server/rollouts/frames";
import type { addDemonstrations } from "@/server/rounds/add-demonstrations";
import type { addEvaluation } from "@/server/rounds/add-evaluation";
import type { closeRound } from "@/server/rounds/close-round";
import type { getRound, listRounds } from "@/server/rounds/get-rounds";
import type { importDataset } from "@/server/rounds/import-dataset";
import type { retryRound } from "@/server/rounds/retry-round";
import type { startRound } from "@/server/rounds/start-round";
import { ZClaimNext, type claimNextTask } from "@/server/tasks/claim-next-task";
import type { claimRideAlong } from "@/server/tasks/claim-ride-along";
import type { claimTasks } from "@/server/tasks/claim-tasks";
import type { releaseTask, renewTaskLease } from "@/server/tasks/release-task";
import type { retractLabel } from "@/server/tasks/retract-label";
import type { submitLabel } from "@/server/tasks/submit-label";
import type { submitLabels } from "@/server/tasks/submit-labels";

const ROOT = path.resolve(import.meta.dirname, "../..");
const doc = buildOpenApiDocument();
const paths = doc.paths as Record<string, Record<string, JsonSchema>>;
const components = doc.components as { schemas: Record<string, JsonSchema>; responses: Record<string, JsonSchema> };

/** Every `route.ts` under `dir` as `{ path, methods }`, with `[param]` → `{param}`. */
function routeFiles(dir: string, urlPrefix: string): { file: string; path: string; methods: string[] }[] {
  const out: { file: string; path: string; methods: string[] }[] = [];
  const walk = (abs: string, url: string) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const child = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(child, `${url}/${entry.name.replace(/^\[(\w+)\]$/, "{$1}")}`);
      else if (/^route\.tsx?$/.test(entry.name)) {
        const source = fs.readFileSync(child, "utf8");
        const methods = new Set<string>();
        for (const m of source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) methods.add(m[1]!);
        for (const m of source.matchAll(/export\s*\{([^}]*)\}/g)) for (const n of m[1]!.matchAll(/\bas\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) methods.add(n[1]!);
        out.push({ file: path.relative(ROOT, child), path: url, methods: [...methods].sort() });
      }
    }
  };
  walk(path.join(ROOT, dir), urlPrefix);
  return out;
}

const ROUTES = [...routeFiles("app/api/v1", "/api/v1"), ...routeFiles("app/api/health", "/api/health")];

describe("OpenAPI document: valid OpenAPI 3.1", () => {
  it("validates against the OpenAPI 3.1 schema (offline, shipped with the validator)", async () => {
    expect(Validator.supportedVersions.has("3.1")).toBe(true);
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it("the validator does reject a broken document (negative control)", async () => {
    const broken = structuredClone(doc) as { paths: Record<string, Record<string, { responses: unknown }>> };
    broken.paths[Object.keys(broken.paths)[0]!]!.get!.responses = { 200: { content: {} } }; // a response needs a description
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("is plain JSON: serialising and parsing it changes nothing", () => {
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it("every $ref points at an existing component", () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(schemas|responses)\/(\w+)"/g)];
    expect(refs.length).toBeGreaterThan(50);
    for (const [, kind, name] of refs) expect(components[kind as "schemas" | "responses"][name!], `${kind}/${name}`).toBeDefined();
    expect(JSON.stringify(doc)).not.toMatch(/"\$ref":"(?!#\/components\/(schemas|responses)\/)/);
  });
});

describe("OpenAPI document: complete", () => {
  it("found the route files (sanity check of the walk)", () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(26);
    expect(ROUTES.find((r) => r.path === "/api/v1/projects/{projectId}/rounds/{index}/close")?.methods).toEqual(["POST"]);
    expect(ROUTES.find((r) => r.path === "/api/v1/projects/{projectId}")?.methods).toEqual(["DELETE", "GET", "PATCH"]);
    expect(ROUTES.find((r) => r.path === "/api/v1/tokens/{tokenId}")?.methods).toEqual(["DELETE"]);
  });

  it("lists every route file under app/api/v1 (and /api/health) with each exported HTTP method", () => {
    const missing: string[] = [];
    for (const r of ROUTES) {
      expect(r.methods.length, `${r.file} exports no HTTP method the walk recognises`).toBeGreaterThan(0);
      for (const m of r.methods) if (!paths[r.path]?.[m.toLowerCase()]) missing.push(`${m} ${r.path} (${r.file})`);
    }
    expect(missing, "describe these routes in OPERATIONS (contracts/openapi.ts)").toEqual([]);
  });

  it("lists nothing that has no route file", () => {
    const byPath = new Map(ROUTES.map((r) => [r.path, r.methods]));
    const phantom: string[] = [];
    for (const [p, item] of Object.entries(paths)) {
      for (const m of Object.keys(item)) if (!byPath.get(p)?.includes(m.toUpperCase())) phantom.push(`${m.toUpperCase()} ${p}`);
    }
    expect(phantom).toEqual([]);
  });

  it("gives every operation a unique id, a declared tag, a summary, a success response and its path parameters", () => {
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(HTTP_METHODS).toContain(method);
        const where = `${method.toUpperCase()} ${p}`;
        expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId as string);
        expect(tags.has((op.tags as string[])[0]!), where).toBe(true);
        expect(op.summary, where).toEqual(expect.any(String));
        expect(Object.keys(op.responses as object).some((s) => /^2\d\d$/.test(s)), where).toBe(true);
        const declared = ((op.parameters ?? []) as { name: string; in: string }[]).filter((x) => x.in === "path").map((x) => x.name);
        expect(declared.sort(), where).toEqual([...p.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort());
      }
    }
  });

  it("marks only health, the document, sign-up and login as public; everything else answers 401 without credentials", () => {
    const publicOps: string[] = [];
    for (const [p, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        const isPublic = Array.isArray(op.security) && op.security.length === 0;
        if (isPublic) publicOps.push(`${method.toUpperCase()} ${p}`);
        else expect((op.responses as Record<string, unknown>)["401"], `${method} ${p}`).toEqual({ $ref: "#/components/responses/Unauthenticated" });
      }
    }
    expect(publicOps.sort()).toEqual(["GET /api/health", "GET /api/v1/openapi.json", "POST /api/v1/auth/login", "POST /api/v1/auth/signup"]);
    expect(doc.security).toEqual([{ bearerAuth: [] }, { sessionCookie: [] }]);
  });

  it("documents the special cases: 204 from tasks/next, 201/200 for labels, 413 for frames, octet-stream and ONNX policies, JSONL and LeRobot .tar export", () => {
    const responses = (method: string, p: string) => paths[p]![method]!.responses as Record<string, JsonSchema>;
    expect(Object.keys(responses("post", "/api/v1/projects/{projectId}/tasks/next"))).toEqual(expect.arrayContaining(["200", "204"]));
    expect(paths["/api/v1/projects/{projectId}/comments"]!.get!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "stateId", in: "query" }), expect.objectContaining({ name: "limit", in: "query" })]),
    );
    expect(Object.keys(responses("post", "/api/v1/tasks/{taskId}/labels"))).toEqual(expect.arrayContaining(["200", "201", "409", "422"]));
    const frames = paths["/api/v1/projects/{projectId}/frames"]!.post!;
    expect(Object.keys((frames.requestBody as { content: object }).content)).toEqual(["image/png", "image/jpeg", "application/vnd.corrective.frames"]);
    expect(responses("post", "/api/v1/projects/{projectId}/frames")["413"]).toEqual({ $ref: "#/components/responses/PayloadTooLarge" });
    expect(Object.keys(responses("get", "/api/v1/projects/{projectId}/policies/latest")["200"]!.content as object)).toEqual(["application/json", "application/octet-stream", "application/onnx"]);
    expect(Object.keys(responses("get", "/api/v1/projects/{projectId}/datasets/{version}/export")["200"]!.content as object)).toEqual(["application/x-ndjson", "application/x-tar"]);
    expect(responses("post", "/api/v1/auth/login")["429"]).toEqual({ $ref: "#/components/responses/RateLimited" });
  });
});

describe("OpenAPI document: generated from the contracts", () => {
  it("request bodies are the contracts' zod schemas as JSON Schema (input side)", () => {
    const expected = {
      SignUp: ZSignUp,
      SignIn: ZSignIn,
      CreateToken: ZCreateToken,
      CreateProject: ZCreateProject,
      UpdateProject: ZUpdateProject,
      AddMember: ZAddMember,
      Demonstrations: ZDemonstrations,
      ExternalRollout: ZExternalRollout,
      StartRound: ZStartRound,
      SubmitLabel: ZSubmitLabel,
      ClaimTasks: ZClaimTasks,
      SubmitLabels: ZSubmitLabels,
      ClaimRideAlong: ZClaimRideAlong,
      CreateComment: ZCreateComment,
      // Still defined in the service; the document's copy must not drift from it.
      ClaimNext: ZClaimNext,
    };
    for (const [name, schema] of Object.entries(expected)) expect(components.schemas[name], name).toEqual(requestJsonSchema(schema));
    // Defaults are optional on the way in.
    expect((components.schemas.CreateProject as { required: string[] }).required).toEqual(["name"]);
  });

  it("every operation's JSON body references a request schema", () => {
    for (const op of OPERATIONS) {
      if (!op.body || !("schema" in op.body)) continue;
      const body = paths[op.path]![op.method]!.requestBody as { content: Record<string, { schema: unknown }> };
      expect(body.content["application/json"]!.schema).toEqual({ $ref: `#/components/schemas/${op.body.schema}` });
    }
  });

  it("error responses match the server's one error mapping (status, code and envelope)", async () => {
    expect([...API_ERROR_CODES].sort()).toEqual(Object.values(ERROR_RESPONSES).map((e) => e.code).sort());
    for (const [status, e] of Object.entries(ERROR_RESPONSES)) {
      const res = errorResponse(new AppError(e.code, "example", e.code === "VALIDATION" ? { fieldErrors: { name: ["Name is required"] } } : undefined));
      expect(res.status, e.code).toBe(Number(status) as ErrorStatus);
      const body = ZErrorBody.parse(await res.json());
      expect(body.error.code).toBe(e.code);
    }
    expectTypeOf<(typeof API_ERROR_CODES)[number]>().toEqualTypeOf<ErrorCode>();
  });

  it("every response shape is a named export of its topic contract, next to its `T…` type (one definition, no copy in openapi.ts)", async () => {
    const home = new Map<unknown, string>();
    for (const file of fs.readdirSync(path.join(ROOT, "contracts")).sort()) {
      if (!file.endsWith(".ts") || file.startsWith("openapi")) continue;
      const source = fs.readFileSync(path.join(ROOT, "contracts", file), "utf8");
      const mod = (await import(path.join(ROOT, "contracts", file))) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (!(value instanceof z.ZodType)) continue;
        home.set(value, `contracts/${file}: ${name}`);
        // Every exported response shape has its output type beside it, which the services return.
        if (Object.values(RESPONSE_SCHEMAS).includes(value as never)) expect(source, `${file}: ${name}`).toMatch(new RegExp(`export type T\\w+ = z\\.output<typeof ${name}>;`));
      }
    }
    // Defined in openapi.ts, having no service type: `GET /envs` answers envs/' specs, and the JSONL export
    // streams rows rather than returning a value.
    const notYetHomed = new Set<string>(["Env", "DatasetSample"]);
    const homeless = Object.entries(RESPONSE_SCHEMAS).filter(([name, schema]) => !home.has(schema) && !notYetHomed.has(name)).map(([name]) => name);
    expect(homeless, "define these response shapes in their topic contract, with `export type T… = z.output<typeof Z…>`").toEqual([]);
  });

  it("the services return the contract's output type of their operation's response schema (checked by tsc)", () => {
    type Out<N extends ResponseSchemaName> = z.output<(typeof RESPONSE_SCHEMAS)[N]>;
    type Returns<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
    expectTypeOf<Returns<typeof signUp>>().toEqualTypeOf<Out<"User">>();
    expectTypeOf<Returns<typeof setSiteAdmin>>().toEqualTypeOf<Out<"User">>();
    expectTypeOf<Returns<typeof loginForToken>>().toEqualTypeOf<Out<"LoginResult">>();
    expectTypeOf<Returns<typeof createApiToken>>().toEqualTypeOf<Out<"TokenCreated">>();
    expectTypeOf<Returns<typeof listApiTokens>>().toEqualTypeOf<Out<"TokenSummary">[]>();
    expectTypeOf<Returns<typeof createInvite>>().toEqualTypeOf<Out<"InviteCreated">>();
    expectTypeOf<Returns<typeof listInvites>>().toEqualTypeOf<Out<"Invite">[]>();
    expectTypeOf<Returns<typeof listProjects>>().toEqualTypeOf<Out<"ProjectSummary">[]>();
    expectTypeOf<Returns<typeof getProject>>().toEqualTypeOf<Out<"ProjectDetail">>();
    expectTypeOf<Returns<typeof updateProject>>().toEqualTypeOf<Out<"ProjectDetail">>();
    expectTypeOf<Returns<typeof addMember>>().toEqualTypeOf<Out<"Member">>();
    expectTypeOf<Returns<typeof addDemonstrations>>().toEqualTypeOf<Out<"DemonstrationsAdded">>();
    expectTypeOf<Returns<typeof addExternalRollout>>().toEqualTypeOf<Out<"RolloutAdded">>();
    expectTypeOf<Returns<typeof addExternalRollouts>>().toEqualTypeOf<Out<"RolloutsAdded">>();
    expectTypeOf<Returns<typeof uploadFrame>>().toEqualTypeOf<Out<"FrameStored">>();
    expectTypeOf<Returns<typeof uploadFrameBatch>>().toEqualTypeOf<Out<"FramesStored">>();
    expectTypeOf<Returns<typeof startRound>>().toEqualTypeOf<Out<"Round">>();
    expectTypeOf<Returns<typeof getRound>>().toEqualTypeOf<Out<"Round">>();
    expectTypeOf<Returns<typeof closeRound>>().toEqualTypeOf<Out<"Round">>();
    expectTypeOf<Returns<typeof retryRound>>().toEqualTypeOf<Out<"Round">>();
    expectTypeOf<Returns<typeof listRounds>>().toEqualTypeOf<Out<"Round">[]>();
    expectTypeOf<Returns<typeof claimNextTask>>().toEqualTypeOf<Out<"NextTask"> | null>(); // null → 204
    expectTypeOf<Returns<typeof claimTasks>>().toEqualTypeOf<Out<"ClaimedTasks">>();
    expectTypeOf<Returns<typeof submitLabel>>().toEqualTypeOf<Out<"Label">>();
    expectTypeOf<{ results: Returns<typeof submitLabels> }>().toEqualTypeOf<Out<"LabelResults">>();
    expectTypeOf<Returns<typeof retractLabel>>().toEqualTypeOf<Out<"RetractedLabel">>();
    expectTypeOf<Returns<typeof releaseTask>>().toEqualTypeOf<Out<"Released">>();
    expectTypeOf<Returns<typeof renewTaskLease>>().toEqualTypeOf<Out<"Lease">>();
    expectTypeOf<Returns<typeof claimRideAlong>>().toEqualTypeOf<Out<"RideAlong"> | null>(); // null → 204
    expectTypeOf<Returns<typeof addComment>>().toEqualTypeOf<Out<"Comment">>();
    expectTypeOf<Returns<typeof listComments>>().toEqualTypeOf<Out<"Comment">[]>();
    expectTypeOf<Returns<typeof listPolicies>>().toEqualTypeOf<Out<"Policy">[]>();
    expectTypeOf<Returns<typeof checkHealth>>().toEqualTypeOf<Out<"Health">>();
    expectTypeOf<TErrorBody>().toEqualTypeOf<Out<"Error">>();
    // The lead's operations (contracts/openapi-lead.ts).
    expectTypeOf<Returns<typeof getDashboard>>().toEqualTypeOf<Out<"Dashboard">>();
    expectTypeOf<Returns<typeof listReviewQueue>>().toEqualTypeOf<Out<"ReviewPage">>();
    expectTypeOf<Returns<typeof decideReview>>().toEqualTypeOf<Out<"ReviewResult">>();
    expectTypeOf<Returns<typeof getQuality>>().toEqualTypeOf<Out<"Quality">>();
    expectTypeOf<Returns<typeof updateQualitySettings>>().toEqualTypeOf<Out<"QualitySettings">>();
    expectTypeOf<Returns<typeof markGold>>().toEqualTypeOf<Out<"GoldEntry">>();
    expectTypeOf<Returns<typeof applyGold>>().toEqualTypeOf<Out<"GoldApplied">>();
    expectTypeOf<Returns<typeof listDatasetVersions>>().toEqualTypeOf<Out<"DatasetVersion">[]>();
    expectTypeOf<Returns<typeof getDatasetVersion>>().toEqualTypeOf<Out<"DatasetVersionDetail">>();
    expectTypeOf<Returns<typeof diffDatasetVersions>>().toEqualTypeOf<Out<"DatasetDiff">>();
    expectTypeOf<Returns<typeof listDatasetSamples>>().toEqualTypeOf<Out<"DatasetSamplePage">>();
    expectTypeOf<Returns<typeof importDataset>>().toEqualTypeOf<Out<"DatasetImport">>();
    expectTypeOf<Returns<typeof publishPolicyVersion>>().toEqualTypeOf<Out<"PolicyPublished">>();
    expectTypeOf<Returns<typeof addEvaluation>>().toEqualTypeOf<Out<"EvaluationResult">>();
    expectTypeOf<Returns<typeof listAuditLog>>().toEqualTypeOf<Out<"AuditPage">>();
  });
});
