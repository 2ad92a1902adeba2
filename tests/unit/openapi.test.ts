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
import type { z } from "zod";
import { ZSignIn, ZSignUp, type TSignUpAccepted } from "@/contracts/auth";
import type { TInvite, TInviteCreated } from "@/contracts/invites";
import { ZCreateComment, type TComment } from "@/contracts/comments";
import { ZClaimRideAlong, type TRideAlong } from "@/contracts/labeling";
import {
  API_ERROR_CODES,
  buildOpenApiDocument,
  ERROR_RESPONSES,
  HTTP_METHODS,
  OPERATIONS,
  requestJsonSchema,
  ZErrorBody,
  ZCommentView,
  ZLabelView,
  ZRetractedLabel,
  ZRideAlongView,
  ZMemberView,
  ZNextTaskView,
  ZProjectDetailView,
  ZProjectSummaryView,
  ZRoundView,
  ZTokenCreated,
  ZTokenSummary,
  ZUserView,
  ZHealthView,
  ZInviteCreated,
  ZInviteView,
  ZSignUpAccepted,
  type ErrorStatus,
  type JsonSchema,
} from "@/contracts/openapi";
import { ZUpdateProject, type TProjectSummary } from "@/contracts/projects";
import { ZDemonstrations, ZExternalRollout, ZStartRound, ZSubmitLabel, type TNextTask, type TRound } from "@/contracts/rounds";
import { ZAddMember, ZCreateProject } from "@/contracts/settings";
import { ZCreateToken } from "@/contracts/tokens";
import type { PublicUser } from "@/server/auth/sign-up";
import { AppError, type ErrorCode } from "@/server/errors";
import type { Health } from "@/server/health/check-health";
import { errorResponse, type ErrorBody } from "@/server/http/respond";
import type { addMember } from "@/server/projects/add-member";
import type { ProjectDetail } from "@/server/projects/get-project";
import { ZClaimNext } from "@/server/tasks/claim-next-task";
import type { RetractedLabel } from "@/server/tasks/retract-label";
import type { SubmittedLabel } from "@/server/tasks/submit-label";
import type { createApiToken, listApiTokens } from "@/server/tokens/api-tokens";

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
    expectTypeOf<ErrorBody>().toExtend<z.output<typeof ZErrorBody>>();
  });

  it("response shapes have the services' types (checked by tsc)", () => {
    expectTypeOf<z.output<typeof ZRoundView>>().toEqualTypeOf<TRound>();
    expectTypeOf<z.output<typeof ZNextTaskView>>().toEqualTypeOf<TNextTask>();
    expectTypeOf<z.output<typeof ZProjectSummaryView>>().toEqualTypeOf<TProjectSummary>();
    expectTypeOf<z.output<typeof ZProjectDetailView>>().toEqualTypeOf<ProjectDetail>();
    expectTypeOf<z.output<typeof ZUserView>>().toEqualTypeOf<PublicUser>();
    expectTypeOf<z.output<typeof ZLabelView>>().toEqualTypeOf<SubmittedLabel>();
    expectTypeOf<z.output<typeof ZHealthView>>().toEqualTypeOf<Health>();
    expectTypeOf<z.output<typeof ZRideAlongView>>().toEqualTypeOf<TRideAlong>();
    expectTypeOf<z.output<typeof ZCommentView>>().toEqualTypeOf<TComment>();
    expectTypeOf<z.output<typeof ZRetractedLabel>>().toEqualTypeOf<RetractedLabel>();
    expectTypeOf<z.output<typeof ZMemberView>>().toEqualTypeOf<Awaited<ReturnType<typeof addMember>>>();
    expectTypeOf<z.output<typeof ZTokenCreated>>().toEqualTypeOf<Awaited<ReturnType<typeof createApiToken>>>();
    expectTypeOf<z.output<typeof ZTokenSummary>[]>().toEqualTypeOf<Awaited<ReturnType<typeof listApiTokens>>>();
    expectTypeOf<z.output<typeof ZSignUpAccepted>>().toEqualTypeOf<TSignUpAccepted>();
    expectTypeOf<z.output<typeof ZInviteView>>().toEqualTypeOf<TInvite>();
    expectTypeOf<z.output<typeof ZInviteCreated>>().toEqualTypeOf<TInviteCreated>();
  });
});
