/**
 * The OpenAPI 3.1 description of the HTTP API, generated from the same zod schemas the route handlers parse
 * with: request bodies are `z.toJSONSchema(schema, { io: "input" })` of the contracts' schemas; response
 * bodies are the zod shapes below (what the services return, as output). Browser-safe: no server imports.
 * Served at `/api/v1/openapi.json`, rendered at `/docs/api`. `tests/unit/openapi.test.ts` validates the
 * document against the OpenAPI 3.1 schema and checks that every route file under `app/api/v1` is listed.
 */
import { z } from "zod";
import { ZChangePassword, ZLoginResult, ZSetSiteAdmin, ZSignIn, ZSignUp, ZSignUpAccepted, ZUserView } from "./auth";
import { ZCreateInvite, ZInviteCreated, ZInviteView } from "./invites";
import { ZCommentView, ZCreateComment, ZListComments } from "./comments";
import { ZClaimRideAlong, ZRideAlongView } from "./labeling";
import { LEAD_OPERATIONS, LEAD_PATH_PARAMS, LEAD_REQUEST_SCHEMAS, LEAD_RESPONSE_SCHEMAS, LEAD_TAGS } from "./openapi-lead";
import { ZMemberView, ZProjectDetailView, ZProjectSummaryView, ZUpdateProject, type TProjectRole } from "./projects";
import { API, routeTemplate } from "./routes";
import { FRAME_BATCH_MIME, MAX_FRAMES_PER_BATCH, ROLLOUT_SOURCES, ZClaimTasks, ZDemonstrations, ZExternalRollout, ZExternalRolloutBatch, ZStartRound, ZSubmitLabel, ZSubmitLabels } from "./rounds";
import {
  ZClaimedTasksView,
  ZDemonstrationsAdded,
  ZFramesStored,
  ZFrameStored,
  ZLabelResultsView,
  ZLabelView,
  ZLease,
  ZNextTaskView,
  ZReleased,
  ZRetractedLabel,
  ZRolloutAdded,
  ZRolloutsAdded,
  ZRoundView,
} from "./rounds";
import { ZAddMember, ZCreateProject } from "./settings";
import { API_ERROR_CODES, ZErrorBody } from "./errors";
import { ZActionOut, zId } from "./fields";
import { ZHealthView } from "./health";
import { ZLatestPolicyView, ZPolicyView } from "./policies";
import { ZBoxSpace, ZSpace } from "./spaces";
import { ZCreateToken, ZTokenCreated, ZTokenSummary } from "./tokens";

export type JsonSchema = { [key: string]: unknown };
export type HttpMethod = "get" | "post" | "patch" | "delete";
export const HTTP_METHODS: readonly HttpMethod[] = ["get", "post", "patch", "delete"];

/* ------------------------------------------------------------------------------------------------------------
 * Response shapes. Each is defined once, next to its topic (auth.ts, tokens.ts, invites.ts, projects.ts,
 * rounds.ts, labeling.ts, comments.ts, policies.ts, health.ts, errors.ts), with its `T…` type
 * (`z.output`), and the services return that type; below are only those without a service type of their own.
 * ---------------------------------------------------------------------------------------------------------- */

/** The error codes (one list, with their statuses: contracts/errors.ts). */
export { API_ERROR_CODES };

export const ZEnvView = z.object({
  id: z.string(),
  description: z.string(),
  source: z.enum(["gymnasium-1.4.0", "corrective"]),
  observationSpace: ZBoxSpace,
  observationFields: z.array(z.string()),
  actionSpace: ZSpace,
  stateFields: z.array(z.string()),
  maxEpisodeSteps: z.number(),
  dt: z.number(),
  hasExpert: z.boolean(),
  referenceReturns: z.object({ random: z.number(), expert: z.number().nullable() }),
  rewardThreshold: z.number().nullable(),
});

export const ZDatasetSample = z.object({
  observation: z.array(z.number()),
  action: ZActionOut,
  source: z.string().describe(`Where the sample came from: ${ROLLOUT_SOURCES.join(", ")}, or a label.`),
  version: z.number().describe("The dataset version that added it."),
  episode_index: z.number(),
  frame_index: z.number(),
  state_id: zId().nullable(),
});

/** `tasks/next` body. The server parses it with `ZClaimNext` (server/tasks/claim-next-task.ts); the unit test keeps the two equal. */
export const ZClaimNextBody = z.object({ exclude: z.array(z.uuid()).max(20).default([]) }).strict();

/* ------------------------------------------------------------------------------------------------------------
 * Components: every named schema, as JSON Schema 2020-12 (OpenAPI 3.1's dialect).
 * ---------------------------------------------------------------------------------------------------------- */

/** Request bodies: the contracts' schemas as the client must send them (defaults optional, before transforms). */
const REQUEST_SCHEMAS = {
  SignUp: ZSignUp,
  SignIn: ZSignIn,
  CreateToken: ZCreateToken,
  ChangePassword: ZChangePassword,
  SetSiteAdmin: ZSetSiteAdmin,
  CreateInvite: ZCreateInvite,
  CreateProject: ZCreateProject,
  UpdateProject: ZUpdateProject,
  AddMember: ZAddMember,
  Demonstrations: ZDemonstrations,
  ExternalRollout: ZExternalRollout,
  ExternalRolloutBatch: ZExternalRolloutBatch,
  StartRound: ZStartRound,
  ClaimNext: ZClaimNextBody,
  ClaimRideAlong: ZClaimRideAlong,
  SubmitLabel: ZSubmitLabel,
  ClaimTasks: ZClaimTasks,
  SubmitLabels: ZSubmitLabels,
  CreateComment: ZCreateComment,
  ...LEAD_REQUEST_SCHEMAS,
} satisfies Record<string, z.ZodType>;

/** Response bodies: every shape is defined in its topic contract (the unit test checks that it is exported there). */
export const RESPONSE_SCHEMAS = {
  Error: ZErrorBody,
  User: ZUserView,
  LoginResult: ZLoginResult,
  SignUpAccepted: ZSignUpAccepted,
  Invite: ZInviteView,
  InviteCreated: ZInviteCreated,
  TokenCreated: ZTokenCreated,
  TokenSummary: ZTokenSummary,
  Env: ZEnvView,
  ProjectSummary: ZProjectSummaryView,
  ProjectDetail: ZProjectDetailView,
  Member: ZMemberView,
  DemonstrationsAdded: ZDemonstrationsAdded,
  RolloutAdded: ZRolloutAdded,
  RolloutsAdded: ZRolloutsAdded,
  FrameStored: ZFrameStored,
  FramesStored: ZFramesStored,
  Round: ZRoundView,
  NextTask: ZNextTaskView,
  Label: ZLabelView,
  ClaimedTasks: ZClaimedTasksView,
  LabelResults: ZLabelResultsView,
  RetractedLabel: ZRetractedLabel,
  RideAlong: ZRideAlongView,
  Comment: ZCommentView,
  Released: ZReleased,
  Lease: ZLease,
  Policy: ZPolicyView,
  LatestPolicy: ZLatestPolicyView,
  DatasetSample: ZDatasetSample,
  Health: ZHealthView,
  ...LEAD_RESPONSE_SCHEMAS,
} satisfies Record<string, z.ZodType>;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;
export type ResponseSchemaName = keyof typeof RESPONSE_SCHEMAS;
type SchemaName = RequestSchemaName | ResponseSchemaName;

/** A request body schema exactly as the document holds it (`$schema` dropped: OpenAPI sets the dialect). */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) as JsonSchema;
  return rest;
}

/** Response shapes are documented open: clients must tolerate fields added later. */
function responseJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: "draft-2020-12", io: "output" }) as JsonSchema;
  return openObjects(rest) as JsonSchema;
}

function openObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openObjects);
  if (node === null || typeof node !== "object") return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) if (!(k === "additionalProperties" && v === false)) out[k] = openObjects(v);
  return out;
}

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

/* ------------------------------------------------------------------------------------------------------------
 * Operations.
 * ---------------------------------------------------------------------------------------------------------- */

export const ERROR_RESPONSES = {
  400: { name: "BadRequest", code: "VALIDATION", description: "Invalid input: the body is not JSON or breaks the schema (`fieldErrors` names each field), or a query parameter is wrong." },
  401: { name: "Unauthenticated", code: "UNAUTHENTICATED", description: "No valid credentials: send `Authorization: Bearer crv_…` or the session cookie." },
  403: { name: "Forbidden", code: "FORBIDDEN", description: "You are a member of the project, but your role is too low for this; or a cookie-authenticated write came from another site (docs/SECURITY.md, \"Cross-site requests\")." },
  404: { name: "NotFound", code: "NOT_FOUND", description: "Not found. A project you are not a member of (or a malformed id) is also 404, never 403, so ids leak nothing." },
  405: { name: "MethodNotAllowed", code: "METHOD_NOT_ALLOWED", description: "The path exists but does not take this method; `Allow` lists the ones it does." },
  409: { name: "Conflict", code: "CONFLICT", description: "The request conflicts with the current state (the round is in another phase, the email is taken, the lease was lost…); the message says why." },
  413: { name: "PayloadTooLarge", code: "PAYLOAD_TOO_LARGE", description: "The body is larger than this operation accepts." },
  415: { name: "UnsupportedMediaType", code: "UNSUPPORTED_MEDIA_TYPE", description: "A cookie-authenticated write sent a form or plain-text body (or none named): send `Content-Type: application/json` (or the upload's own type)." },
  422: { name: "Unprocessable", code: "UNPROCESSABLE", description: "Well-formed but wrong for this project (an action outside the action space, an unknown env, a frame that is not PNG/JPEG)." },
  429: { name: "RateLimited", code: "RATE_LIMITED", description: "Too many failed sign-ins for this account or address; wait `Retry-After` seconds." },
  500: { name: "Internal", code: "INTERNAL", description: "An unexpected error (logged on the server; the message is generic)." },
  503: { name: "Unavailable", code: "UNAVAILABLE", description: "The database is unreachable; try again shortly." },
} as const;
export type ErrorStatus = keyof typeof ERROR_RESPONSES;

export const TAGS = [
  { name: "auth", description: "Accounts, sign-up invitations and API tokens. Log in with email and password to get a bearer token." },
  { name: "projects", description: "Projects, their settings and members; the environments a project can use." },
  { name: "rounds", description: "The DAgger round state machine: collecting → labeling → aggregating → training → evaluating → published (or failed); with RL fine-tuning on, evaluating → finetuning → published." },
  { name: "collection", description: "Data that enters a round: demonstrations, external rollouts and their frames." },
  { name: "labelling", description: "Leased labelling tasks: claim the next state, label it, release it or keep the lease alive." },
  { name: "policies", description: "Trained policies and the versioned dataset." },
  { name: "system", description: "Health and this document." },
  ...LEAD_TAGS,
] as const;
export type Tag = (typeof TAGS)[number]["name"];

interface BodySpec {
  /** A named JSON body schema from REQUEST_SCHEMAS. */
  schema: RequestSchemaName;
  required: boolean;
  maxBytes?: number;
}
interface RawBodySpec {
  raw: Record<string, { schema: JsonSchema }>;
  maxBytes: number;
  description: string;
}
interface ResponseSpec {
  description: string;
  /** `{ data: <schema> }`, or `{ data: <schema>[] }` with `list`. */
  data?: ResponseSchemaName;
  list?: boolean;
  /** Any other content (binary, JSONL, a bare JSON document). */
  content?: Record<string, { schema: JsonSchema }>;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}
export interface OperationSpec {
  method: HttpMethod;
  path: string;
  operationId: string;
  tag: Tag;
  summary: string;
  description?: string;
  /** `public`: no credentials; `caller`: a bearer token or the session cookie. */
  auth: "public" | "caller";
  /** The lowest project role allowed (site admins act as leads everywhere). */
  role?: TProjectRole;
  /** Site admins only (everyone else: 403). */
  siteAdmin?: boolean;
  /** A site-wide permission beyond being signed in: `inviter` = a site admin or the lead of any project (403 otherwise). */
  siteRole?: "inviter";
  body?: BodySpec | RawBodySpec;
  query?: { name: string; description: string; schema: JsonSchema; required?: boolean }[];
  requestHeaders?: { name: string; description: string; schema: JsonSchema }[];
  responses: Record<number, ResponseSpec>;
  /** Error statuses besides those every operation can answer (401 for `caller`, 400/413 with a body, 500, 503). */
  errors: ErrorStatus[];
}

const MiB = 1024 * 1024;
const BINARY = { type: "string", contentMediaType: "application/octet-stream" };
/** `?format=` of policy downloads. */
const POLICY_FORMAT_QUERY = { name: "format", description: "`crpl` (Corrective's blob) or `onnx` (an ONNX model, docs/FORMATS.md).", schema: { type: "string", enum: ["crpl", "onnx"] } };

export const OPERATIONS: OperationSpec[] = [
  {
    method: "get", path: API.health, operationId: "getHealth", tag: "system", auth: "public",
    summary: "Liveness and database health",
    description: "200 when the database answers `select 1` within 2 s, else 503 with the reason. Not wrapped in `{ data }`.",
    responses: {
      200: { description: "Healthy.", content: { "application/json": { schema: ref("Health") } } },
      503: { description: "The database is unreachable.", content: { "application/json": { schema: ref("Health") } } },
    },
    errors: [],
  },
  {
    method: "get", path: API.openApi, operationId: "getOpenApi", tag: "system", auth: "public",
    summary: "This OpenAPI 3.1 document",
    responses: { 200: { description: "The document (not wrapped in `{ data }`).", content: { "application/json": { schema: { type: "object" } } } } },
    errors: [],
  },
  {
    method: "post", path: API.signUp, operationId: "signUp", tag: "auth", auth: "public",
    summary: "Create an account",
    description:
      "Under the instance's sign-up policy (`SIGNUP`): `closed` → 403; `invite` → `invite` must be an unused, unexpired invitation (422 on `invite`), spent by the attempt; `open` → anyone. " +
      "At most `SIGNUP_RATE_LIMIT` attempts per client address per hour (429 with `Retry-After`). A new email and a taken one get the same 202 and body, so the answer never reveals whether an account exists: sign in next.",
    body: { schema: "SignUp", required: true },
    responses: { 202: { description: "Accepted: the account exists now if the email was new.", data: "SignUpAccepted" } },
    errors: [403, 422, 429],
  },
  {
    method: "get", path: API.invites, operationId: "listInvites", tag: "auth", auth: "caller", siteRole: "inviter",
    summary: "List sign-up invitations",
    description: "Newest first (at most 200): every invitation for a site admin, the caller's own for a project lead. Tokens are never shown again.",
    responses: { 200: { description: "Invitations.", data: "Invite", list: true } },
    errors: [403],
  },
  {
    method: "post", path: API.invites, operationId: "createInvite", tag: "auth", auth: "caller", siteRole: "inviter",
    summary: "Create a sign-up invitation",
    description: "Single use, expires after `expiresInDays` (default 7). Only the token's SHA-256 is stored.",
    body: { schema: "CreateInvite", required: true },
    responses: { 201: { description: "The invitation with its token, shown once.", data: "InviteCreated" } },
    errors: [403],
  },
  {
    method: "delete", path: routeTemplate(API.invite, "inviteId"), operationId: "revokeInvite", tag: "auth", auth: "caller", siteRole: "inviter",
    summary: "Revoke an unused invitation",
    description: "Its creator or a site admin; it expires at once.",
    responses: { 204: { description: "Revoked." } },
    errors: [403, 404],
  },
  {
    method: "post", path: API.login, operationId: "login", tag: "auth", auth: "public",
    summary: "Log in for an API token",
    description: "Email and password → a new API token named `login <time>`. Wrong credentials get one generic 401; repeated failures are limited per account and per address (429 with `Retry-After`).",
    body: { schema: "SignIn", required: true },
    responses: { 201: { description: "A new token and the account.", data: "LoginResult" } },
    errors: [401, 429],
  },
  {
    method: "get", path: API.me, operationId: "getMe", tag: "auth", auth: "caller",
    summary: "The caller's account",
    responses: { 200: { description: "The account behind the token or session.", data: "User" } },
    errors: [],
  },
  {
    method: "get", path: API.tokens, operationId: "listTokens", tag: "auth", auth: "caller",
    summary: "List your API tokens",
    description: "Active (not revoked) tokens, newest first. Tokens themselves are never shown again.",
    responses: { 200: { description: "Your tokens.", data: "TokenSummary", list: true } },
    errors: [],
  },
  {
    method: "post", path: API.tokens, operationId: "createToken", tag: "auth", auth: "caller",
    summary: "Create an API token",
    body: { schema: "CreateToken", required: true },
    responses: { 201: { description: "The token, shown once.", data: "TokenCreated" } },
    errors: [],
  },
  {
    method: "delete", path: routeTemplate(API.token, "tokenId"), operationId: "revokeToken", tag: "auth", auth: "caller",
    summary: "Revoke one of your API tokens",
    responses: { 204: { description: "Revoked." } },
    errors: [404],
  },
  {
    method: "delete", path: API.mySessions, operationId: "signOutEverywhere", tag: "auth", auth: "caller",
    summary: "Sign out everywhere",
    description: "Ends every browser session of your account, this one included (cookies issued before are refused within seconds on every server, and open realtime connections are dropped). API tokens are not affected: revoke them one by one.",
    responses: { 204: { description: "Every session ended." } },
    errors: [],
  },
  {
    method: "post", path: API.myPassword, operationId: "changePassword", tag: "auth", auth: "caller",
    summary: "Change your password",
    description: "Needs the current password (a wrong one is 400 with a field error on `currentPassword`). Ends every session of the account, this one included; API tokens keep working until revoked or expired.",
    body: { schema: "ChangePassword", required: true },
    responses: { 204: { description: "Changed; sign in again." } },
    errors: [],
  },
  {
    method: "patch", path: routeTemplate(API.user, "userId"), operationId: "setSiteAdmin", tag: "auth", auth: "caller", siteAdmin: true,
    summary: "Grant or withdraw site admin",
    description: "Withdrawing the flag also ends the account's sessions. You cannot withdraw your own flag (409).",
    body: { schema: "SetSiteAdmin", required: true },
    responses: { 200: { description: "The account as it is now.", data: "User" } },
    errors: [403, 404, 409],
  },
  {
    method: "get", path: API.envs, operationId: "listEnvs", tag: "projects", auth: "caller",
    summary: "Built-in environments",
    description: "Spaces, field names, time limits and reference returns of every built-in environment.",
    responses: { 200: { description: "Every built-in environment.", data: "Env", list: true } },
    errors: [],
  },
  {
    method: "get", path: API.projects, operationId: "listProjects", tag: "projects", auth: "caller",
    summary: "Your projects",
    description: "Projects you belong to (every project for a site admin), newest first.",
    responses: { 200: { description: "Projects with your role in each.", data: "ProjectSummary", list: true } },
    errors: [],
  },
  {
    method: "post", path: API.projects, operationId: "createProject", tag: "projects", auth: "caller",
    summary: "Create a project",
    description: "Give either `envId` (a built-in environment) or `external` observation/action spaces. Any signed-in user may create a project (up to `PROJECT_QUOTA`; site admins exempt) and becomes its lead. Unset settings take their defaults; settings over the `TRAINING_BUDGET` get 422 naming them.",
    body: { schema: "CreateProject", required: true },
    responses: { 201: { description: "The new project.", data: "ProjectSummary" } },
    errors: [422],
  },
  {
    method: "get", path: routeTemplate(API.project, "projectId"), operationId: "getProject", tag: "projects", auth: "caller", role: "viewer",
    summary: "One project with its members and configuration",
    responses: { 200: { description: "The project.", data: "ProjectDetail" } },
    errors: [404],
  },
  {
    method: "patch", path: routeTemplate(API.project, "projectId"), operationId: "updateProject", tag: "projects", auth: "caller", role: "lead",
    summary: "Rename or re-describe a project, or set its RL fine-tuning option",
    description: "`rlFineTune` turns \"fine-tune with RL after round N\" on (or changes it) or off (`null`); 422 on the field for an external environment, a head without an exact log-likelihood, or an ensemble. `aggregation` picks how each state's labels are aggregated from the next round on (`mode-aware`, `majority`, `reliability`); 422 for `majority` with a multimodal head on continuous actions.",
    body: { schema: "UpdateProject", required: true },
    responses: { 200: { description: "The updated project.", data: "ProjectDetail" } },
    errors: [403, 404, 422],
  },
  {
    method: "delete", path: routeTemplate(API.project, "projectId"), operationId: "deleteProject", tag: "projects", auth: "caller", role: "lead",
    summary: "Delete a project and everything in it",
    description: "Rounds, rollouts, frames, labels, datasets and policies go with it; the images only this project referenced are removed from the blob store. Cannot be undone.",
    responses: { 204: { description: "Deleted." } },
    errors: [403, 404],
  },
  {
    method: "post", path: routeTemplate(API.members, "projectId"), operationId: "addMember", tag: "projects", auth: "caller", role: "lead",
    summary: "Add a member or change their role",
    description: "The account must exist (404 with a field error on `email` otherwise).",
    body: { schema: "AddMember", required: true },
    responses: { 201: { description: "The membership.", data: "Member" } },
    errors: [403, 404],
  },
  {
    method: "post", path: routeTemplate(API.demonstrations, "projectId"), operationId: "addDemonstrations", tag: "collection", auth: "caller", role: "labeler",
    summary: "Upload demonstration episodes",
    description: "Expert-labelled episodes join the current collecting round; with no round yet, a lead's upload starts round 0. `expert` demonstrations need the lead role; labellers may send `teleop`/`takeover`. Observations and actions are checked against the project's spaces (422). All or nothing.",
    body: { schema: "Demonstrations", required: true, maxBytes: 32 * MiB },
    responses: { 201: { description: "The stored rollouts.", data: "DemonstrationsAdded" } },
    errors: [403, 404, 409, 422],
  },
  {
    method: "post", path: routeTemplate(API.rollouts, "projectId"), operationId: "addExternalRollout", tag: "collection", auth: "caller", role: "labeler",
    summary: "Upload rollouts from an external system",
    description: "A robot or remote simulator sends the states its policy visited, for the current collecting round (after round 0): one rollout, or many as `{ rollouts: [...] }` (all or nothing). A rollout's client-generated `id` makes the upload idempotent: an id already stored comes back with `duplicate: true` and is not stored again (409 if it was stored in an earlier round). A step with `intervention: { action }` is a human takeover (HG-DAgger): the action becomes a dataset sample (source `intervention`) when the round aggregates, with no labelling task. `frameId`s must name frames uploaded to this project.",
    body: {
      raw: { "application/json": { schema: { oneOf: [ref("ExternalRollout"), ref("ExternalRolloutBatch")] } } },
      maxBytes: 32 * MiB,
      description: "One `ExternalRollout`, or an `ExternalRolloutBatch`.",
    },
    responses: { 201: { description: "The stored rollout (`RolloutAdded`), or for a batch the stored rollouts (`RolloutsAdded`).", content: { "application/json": { schema: envelope({ oneOf: [ref("RolloutAdded"), ref("RolloutsAdded")] }) } } } },
    errors: [400, 403, 404, 409, 422],
  },
  {
    method: "post", path: routeTemplate(API.frames, "projectId"), operationId: "uploadFrame", tag: "collection", auth: "caller", role: "labeler",
    summary: "Upload camera frames (one, or a batch)",
    description: `The raw image bytes are the body. The type is detected from the bytes, not the \`content-type\` header: anything but PNG or JPEG is 422; over 2 MiB is 413. With \`content-type: ${FRAME_BATCH_MIME}\` the body is a batch of up to ${MAX_FRAMES_PER_BATCH} frames with client-generated ids: records of [16-byte UUID][uint32 big-endian length][image bytes]; every frame is checked first (422 naming \`frames.<i>\` and its id), ids already stored are skipped (\`duplicate: true\`), all or nothing.`,
    body: {
      raw: {
        "image/png": { schema: { type: "string", contentMediaType: "image/png" } },
        "image/jpeg": { schema: { type: "string", contentMediaType: "image/jpeg" } },
        [FRAME_BATCH_MIME]: { schema: { type: "string", contentMediaType: FRAME_BATCH_MIME } },
      },
      maxBytes: 32 * MiB,
      description: "PNG or JPEG bytes, at most 2 MiB; or a frame batch, at most 32 MiB.",
    },
    responses: { 201: { description: "The stored frame (`FrameStored`; use its id in rollout steps), or for a batch `FramesStored`.", content: { "application/json": { schema: envelope({ oneOf: [ref("FrameStored"), ref("FramesStored")] }) } } } },
    errors: [403, 404, 409, 413, 422],
  },
  {
    method: "get", path: routeTemplate(API.frame, "projectId", "frameId"), operationId: "getFrame", tag: "collection", auth: "caller", role: "viewer",
    summary: "Download a frame",
    responses: {
      200: {
        description: "The image bytes (cacheable: frames never change).",
        content: { "image/png": { schema: { type: "string", contentMediaType: "image/png" } }, "image/jpeg": { schema: { type: "string", contentMediaType: "image/jpeg" } } },
      },
    },
    errors: [404],
  },
  {
    method: "get", path: routeTemplate(API.rounds, "projectId"), operationId: "listRounds", tag: "rounds", auth: "caller", role: "viewer",
    summary: "Every round of a project",
    responses: { 200: { description: "Rounds in index order, with live progress.", data: "Round", list: true } },
    errors: [404],
  },
  {
    method: "post", path: routeTemplate(API.rounds, "projectId"), operationId: "startRound", tag: "rounds", auth: "caller", role: "lead",
    summary: "Start the next round",
    description: "Round 0 collects demonstrations (uploaded, or generated by the scripted expert with `scriptedDemonstrations`); later rounds roll out the latest published policy and turn the visited states into labelling tasks. 409 while the previous round is not published.",
    body: { schema: "StartRound", required: false },
    responses: { 201: { description: "The new round (collecting).", data: "Round" } },
    errors: [403, 404, 409, 422],
  },
  {
    method: "get", path: routeTemplate(API.round, "projectId", "index"), operationId: "getRound", tag: "rounds", auth: "caller", role: "viewer",
    summary: "One round: status, progress and evaluation metrics",
    responses: { 200: { description: "The round.", data: "Round" } },
    errors: [404],
  },
  {
    method: "post", path: routeTemplate(API.closeRound, "projectId", "index"), operationId: "closeRound", tag: "rounds", auth: "caller", role: "lead",
    summary: "End the current phase of a round by hand",
    description: "Round 0 collecting → aggregating; a later round collecting external rollouts → labeling; labeling → aggregating with the labels so far.",
    responses: { 200: { description: "The round after the transition.", data: "Round" } },
    errors: [403, 404, 409],
  },
  {
    method: "post", path: routeTemplate(API.retryRound, "projectId", "index"), operationId: "retryRound", tag: "rounds", auth: "caller", role: "lead",
    summary: "Retry a failed round",
    description: "The round resumes from the state it failed in, and that state's job runs again.",
    responses: { 200: { description: "The round after the transition.", data: "Round" } },
    errors: [403, 404, 409],
  },
  {
    method: "post", path: routeTemplate(API.nextTask, "projectId"), operationId: "claimNextTask", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Lease the next state to label",
    description: "Concurrent callers get different tasks; `exclude` skips task ids you already hold (prefetching). The lease lasts a few minutes; renew it with the heartbeat. 204 when there is nothing to claim: with `Retry-After` while tasks you may label are held by others, without it when nothing is left for you.",
    body: { schema: "ClaimNext", required: false },
    responses: {
      200: { description: "The leased task, the state and its replay context.", data: "NextTask" },
      204: {
        description: "Nothing to claim now. With `Retry-After`, tasks you may label are held by others at the moment (ask again); without it, nothing is left for you in this round.",
        headers: {
          "retry-after": { description: "Seconds to wait before asking again (only while tasks you may label are held by others).", schema: { type: "integer" } },
          "x-tasks-waiting": { description: "Tasks you may still label that are held by others right now.", schema: { type: "integer" } },
        },
      },
    },
    errors: [403, 404],
  },
  {
    method: "post", path: routeTemplate(API.taskLabels, "taskId"), operationId: "submitLabel", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Label a task",
    description: "Idempotent by the client-generated label `id`: resubmitting it returns the stored label with 200 and counts once. The action is checked against the project's action space (422). The last label of a round with auto-advance moves it to aggregating.",
    body: { schema: "SubmitLabel", required: true },
    responses: {
      201: { description: "A new label.", data: "Label" },
      200: { description: "A resubmission of a stored label id (`duplicate: true`); nothing changed.", data: "Label" },
    },
    errors: [403, 404, 409, 422],
  },
  {
    method: "post", path: routeTemplate(API.claimTasks, "projectId"), operationId: "claimTasks", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Lease a batch of states to label",
    description: "The batched `claimNextTask`: leases up to `count` (1–100) tasks at once, each with its state and replay context, in one statement. Concurrent callers get disjoint tasks; `exclude` skips task ids you already hold. An empty `tasks` list (not 204) when nothing can be leased: `waiting` > 0 with `Retry-After` while tasks you may label are held by others, 0 when nothing is left for you.",
    body: { schema: "ClaimTasks", required: true },
    responses: {
      200: {
        description: "The leased tasks (possibly none).",
        data: "ClaimedTasks",
        headers: {
          "retry-after": { description: "Seconds to wait before asking again (only with no task leased while tasks you may label are held by others).", schema: { type: "integer" } },
          "x-tasks-waiting": { description: "Tasks you may still label that are held by others right now (only with no task leased).", schema: { type: "integer" } },
        },
      },
    },
    errors: [403, 404],
  },
  {
    method: "post", path: API.labels, operationId: "submitLabels", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Label a batch of tasks",
    description: "Up to 100 independent labels, each answered on its own with the status the single-label route would give: 201 stored, 200 a resubmission of a stored id (`duplicate: true`, counted once), 404 a task that does not exist or is not in your projects, 403 a role below labeler, 409 refused (another labeller holds the task, you already labelled it, the round no longer labels), 422 an invalid label (an action outside the action space). One label's refusal never undoes another's. The request as a whole is refused (400) only when it is malformed — not an object with 1–100 `labels`, each with a uuid `id` and `taskId`.",
    body: { schema: "SubmitLabels", required: true },
    responses: { 200: { description: "One result per label, in the order sent.", data: "LabelResults" } },
    errors: [],
  },
  {
    method: "post", path: routeTemplate(API.taskRelease, "taskId"), operationId: "releaseTask", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Give a leased task back",
    description: "Idempotent: releasing a task you do not hold changes nothing.",
    responses: { 200: { description: "Whether a lease was released.", data: "Released" } },
    errors: [403, 404],
  },
  {
    method: "post", path: routeTemplate(API.taskHeartbeat, "taskId"), operationId: "renewTaskLease", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Keep a task's lease alive",
    responses: { 200: { description: "The new lease expiry.", data: "Lease" } },
    errors: [403, 404, 409],
  },
  {
    method: "post", path: routeTemplate(API.rideAlong, "projectId"), operationId: "claimRideAlong", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Lease one rollout's open tasks for a ride-along replay",
    description: "Picks the rollout of the labelling round with the most tasks you may label (skipping `excludeRollouts`), leases up to `maxTasks` of them in step order, and returns the steps to replay. 204 when nothing is left.",
    body: { schema: "ClaimRideAlong", required: false },
    responses: {
      200: { description: "The leased tasks and the steps to replay.", data: "RideAlong" },
      204: {
        description: "Nothing to claim now. With `Retry-After`, tasks you may label are held by others at the moment (ask again); without it, nothing is left for you in this round.",
        headers: {
          "retry-after": { description: "Seconds to wait before asking again (only while tasks you may label are held by others).", schema: { type: "integer" } },
          "x-tasks-waiting": { description: "Tasks you may still label that are held by others right now.", schema: { type: "integer" } },
        },
      },
    },
    errors: [403, 404],
  },
  {
    method: "delete", path: routeTemplate(API.label, "taskId", "labelId"), operationId: "retractLabel", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Undo one of your labels",
    description: "Removes your own label while the round is still labelling (409 once it is not) and leases the task back to you when it is free. Someone else's label, or an unknown id, is 404.",
    responses: { 200: { description: "The removed label.", data: "RetractedLabel" } },
    errors: [403, 404, 409],
  },
  {
    method: "get", path: routeTemplate(API.comments, "projectId"), operationId: "listComments", tag: "labelling", auth: "caller", role: "viewer",
    summary: "Comments on a state, a rollout, or the whole project",
    description: "`stateId`: one state's thread; `rolloutId`: a rollout's (its states' comments included); neither: the newest `limit` comments of the project. Oldest first.",
    query: queryParameters(ZListComments),
    responses: { 200: { description: "Comments, oldest first.", data: "Comment", list: true } },
    errors: [400, 404],
  },
  {
    method: "post", path: routeTemplate(API.comments, "projectId"), operationId: "addComment", tag: "labelling", auth: "caller", role: "labeler",
    summary: "Comment on a state or a rollout, or reply to a comment",
    description: "Mentions must be project members (422); `@Name` in the body is recognised too. A reply inherits its parent's target. `comment:added` goes to the project's socket.io room.",
    body: { schema: "CreateComment", required: true },
    responses: { 201: { description: "The comment.", data: "Comment" } },
    errors: [403, 404, 422],
  },
  {
    method: "get", path: routeTemplate(API.policies, "projectId"), operationId: "listPolicies", tag: "policies", auth: "caller", role: "viewer",
    summary: "Every trained policy",
    responses: { 200: { description: "Policies, newest version first (metadata only).", data: "Policy", list: true } },
    errors: [404],
  },
  {
    method: "get", path: routeTemplate(API.latestPolicy, "projectId"), operationId: "getLatestPolicy", tag: "policies", auth: "caller", role: "viewer",
    summary: "The latest published policy",
    description: "JSON (metadata and the base64 model) by default; the raw model with `Accept: application/octet-stream` or `format=crpl`; an ONNX model with `format=onnx` (inputs, outputs and the cvae/diffusion samplers: docs/FORMATS.md).",
    requestHeaders: [{ name: "accept", description: "`application/octet-stream` for the raw model file.", schema: { type: "string" } }],
    query: [POLICY_FORMAT_QUERY],
    responses: {
      200: {
        description: "The policy.",
        content: {
          "application/json": { schema: envelope(ref("LatestPolicy")) },
          "application/octet-stream": { schema: BINARY },
          "application/onnx": { schema: BINARY },
        },
        headers: { "x-policy-version": { description: "The policy version (files only).", schema: { type: "integer" } } },
      },
    },
    errors: [400, 404],
  },
  {
    method: "get", path: routeTemplate(API.datasetExport, "projectId", "version"), operationId: "exportDataset", tag: "policies", auth: "caller", role: "viewer",
    summary: "Export a dataset version (JSONL or LeRobot v3.0 .tar)",
    description: "Every sample up to and including `version` (a number, or `latest`). `jsonl`: one JSON object per line (see the `DatasetSample` schema), streamed. `lerobot`: a LeRobotDataset v3.0 directory (meta/info.json, meta/stats.json, meta/tasks.parquet, meta/episodes/chunk-000/file-000.parquet, data/chunk-000/file-000.parquet; frames as image columns) packed as one streamed `.tar`; layout and columns in docs/FORMATS.md. Both re-import with `POST …/datasets/import`. Another format: 400 naming the choices.",
    query: [{ name: "format", description: "Export format.", schema: { type: "string", enum: ["jsonl", "lerobot"], default: "jsonl" } }],
    responses: {
      200: {
        description: "JSON Lines, one `DatasetSample` per line; or the LeRobot `.tar`.",
        content: {
          "application/x-ndjson": { schema: { type: "string", description: "Lines of `#/components/schemas/DatasetSample`." } },
          "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar", description: "The LeRobot v3.0 dataset directory as a tar archive." } },
        },
        headers: {
          "x-dataset-version": { description: "The exported version (resolves `latest`).", schema: { type: "integer" } },
          "x-sample-count": { description: "Number of lines.", schema: { type: "integer" } },
          "x-checksum": { description: "Checksum of the dataset version.", schema: { type: "string" } },
        },
      },
    },
    errors: [400, 404],
  },
  ...LEAD_OPERATIONS,
];

/** Path parameters by name: every `{name}` in a path is one of these. */
export const PATH_PARAMS: Record<string, { description: string; schema: JsonSchema }> = {
  projectId: { description: "Project id (UUID).", schema: { type: "string", format: "uuid" } },
  index: { description: "Round index (0, 1, …).", schema: { type: "integer", minimum: 0 } },
  version: { description: "Dataset version (the round index that produced it).", schema: { type: "integer", minimum: 0 } },
  taskId: { description: "Task id (UUID).", schema: { type: "string", format: "uuid" } },
  tokenId: { description: "API token id (UUID).", schema: { type: "string", format: "uuid" } },
  userId: { description: "User id (UUID).", schema: { type: "string", format: "uuid" } },
  inviteId: { description: "Invitation id (UUID).", schema: { type: "string", format: "uuid" } },
  frameId: { description: "Frame id (UUID).", schema: { type: "string", format: "uuid" } },
  labelId: { description: "Label id (the client-generated UUID it was submitted with).", schema: { type: "string", format: "uuid" } },
  ...LEAD_PATH_PARAMS,
};

/** Query parameters from a zod object schema (each property one optional parameter). */
function queryParameters(schema: z.ZodType): NonNullable<OperationSpec["query"]> {
  const json = requestJsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, description: typeof description === "string" ? description : name, schema: rest, required: json.required?.includes(name) ?? false };
  });
}

function envelope(data: JsonSchema): JsonSchema {
  return { type: "object", properties: { data }, required: ["data"] };
}

const errorRef = (status: ErrorStatus) => ({ $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` });

/** Statuses an operation can answer with an error envelope. */
export function errorStatuses(op: OperationSpec): ErrorStatus[] {
  const all = new Set<ErrorStatus>(op.errors);
  if (op.auth === "caller") all.add(401);
  if (op.body && "schema" in op.body) all.add(400);
  if (op.body) all.add(413);
  all.add(500);
  if (!op.responses[503]) all.add(503);
  return [...all].sort((a, b) => a - b);
}

function roleNote(op: OperationSpec): string {
  if (op.auth === "public") return "No authentication.";
  if (op.siteAdmin) return "Site admins only.";
  if (op.siteRole === "inviter") return "A site admin or the lead of any project.";
  if (!op.role) return "Any signed-in caller.";
  return `Needs the **${op.role}** role in the project (site admins act as leads).`;
}

function operationObject(op: OperationSpec): JsonSchema {
  const pathParams = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const p = PATH_PARAMS[name!];
    if (!p) throw new Error(`openapi: no description for path parameter {${name}} in ${op.path}`);
    return { name, in: "path", required: true, ...p };
  });
  const parameters = [
    ...pathParams,
    ...(op.query ?? []).map((q) => ({ name: q.name, in: "query", required: q.required ?? false, description: q.description, schema: q.schema })),
    ...(op.requestHeaders ?? []).map((h) => ({ name: h.name, in: "header", required: false, description: h.description, schema: h.schema })),
  ];
  let requestBody: JsonSchema | undefined;
  if (op.body && "schema" in op.body) {
    requestBody = {
      required: op.body.required,
      description: `JSON, at most ${Math.round((op.body.maxBytes ?? 8 * MiB) / MiB)} MiB.${op.body.required ? "" : " Optional: an empty body is the same as `{}`."}`,
      content: { "application/json": { schema: ref(op.body.schema) } },
    };
  } else if (op.body) {
    requestBody = { required: true, description: op.body.description, content: op.body.raw };
  }
  const responses: JsonSchema = {};
  for (const [status, r] of Object.entries(op.responses)) {
    const content = r.data ? { "application/json": { schema: envelope(r.list ? { type: "array", items: ref(r.data) } : ref(r.data)) } } : r.content;
    responses[status] = { description: r.description, ...(r.headers ? { headers: r.headers } : {}), ...(content ? { content } : {}) };
  }
  for (const status of errorStatuses(op)) responses[String(status)] = errorRef(status);
  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    description: [op.description, roleNote(op)].filter(Boolean).join("\n\n"),
    ...(op.auth === "public" ? { security: [] } : {}),
    ...(op.role ? { "x-corrective-role": op.role } : {}),
    ...(op.siteAdmin ? { "x-corrective-site-admin": true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** Builds the whole OpenAPI 3.1 document (plain JSON). */
export function buildOpenApiDocument(version = "0.1.0"): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of OPERATIONS) {
    const item = (paths[op.path] ??= {});
    if (item[op.method]) throw new Error(`openapi: ${op.method.toUpperCase()} ${op.path} is listed twice`);
    item[op.method] = operationObject(op);
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const [name, schema] of Object.entries(REQUEST_SCHEMAS)) schemas[name] = requestJsonSchema(schema);
  for (const [name, schema] of Object.entries(RESPONSE_SCHEMAS)) schemas[name] = responseJsonSchema(schema);
  const responses: Record<string, JsonSchema> = {};
  for (const [status, e] of Object.entries(ERROR_RESPONSES)) {
    responses[e.name] = {
      description: `${e.description} (\`${e.code}\`, HTTP ${status})`,
      ...(e.code === "RATE_LIMITED" ? { headers: { "retry-after": { description: "Seconds to wait.", schema: { type: "integer" } } } } : {}),
      content: { "application/json": { schema: ref("Error") } },
    };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "Corrective API",
      version,
      summary: "Human-in-the-loop DAgger: projects, rounds, labelling tasks, datasets and policies.",
      description:
        "Every success is `{ \"data\": … }` and every failure `{ \"error\": { code, message, fieldErrors? } }` with the status below. " +
        "Authenticate with an API token (`Authorization: Bearer crv_…`, from `POST /api/v1/auth/login` or `POST /api/v1/tokens`) " +
        "or, in the browser, the next-auth session cookie. Project ids you cannot see answer 404.",
    },
    tags: TAGS.map((t) => ({ ...t })),
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths,
    components: {
      schemas,
      responses,
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "crv_…", description: "An API token from `POST /api/v1/auth/login` or `POST /api/v1/tokens`." },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "next-auth.session-token",
          description: "The browser session set by signing in at /signin (`__Secure-next-auth.session-token` over HTTPS).",
        },
      },
    },
  };
}
