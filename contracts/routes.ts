/**
 * Every HTTP path the browser, the CLI, the TypeScript client, the server and the tests use, defined once: `API`
 * (every API route, the labelling and lead ones included) and `PAGES` (every page). Everything else is derived
 * from these builders: the OpenAPI document's path templates and the custom server's fast routes and body limits
 * (`routeTemplate`, `routePattern` below), the project navigation (contracts/project-nav.ts), frame URLs. Browser-safe.
 */
import type { TDatasetFormat } from "./datasets";

const enc = encodeURIComponent;
type Index = number | string;

/** Every API path starts with this (`/api/health`, `/api/auth/*` of next-auth, `/api/v1/*`). */
export const API_ROOT = "/api/";

export const API = {
  health: "/api/health",
  auth: "/api/auth",
  signUp: "/api/v1/auth/signup",
  me: "/api/v1/me",
  /** DELETE: sign out everywhere (every session of the caller's account). */
  mySessions: "/api/v1/me/sessions",
  myPassword: "/api/v1/me/password",
  user: (userId: string) => `/api/v1/users/${enc(userId)}`,
  projects: "/api/v1/projects",
  project: (projectId: string) => `/api/v1/projects/${enc(projectId)}`,
  openApi: "/api/v1/openapi.json",
  login: "/api/v1/auth/login",
  envs: "/api/v1/envs",
  tokens: "/api/v1/tokens",
  token: (tokenId: string) => `/api/v1/tokens/${enc(tokenId)}`,
  invites: "/api/v1/invites",
  invite: (inviteId: string) => `/api/v1/invites/${enc(inviteId)}`,
  members: (projectId: string) => `${API.project(projectId)}/members`,

  // Collection: demonstrations, external rollouts and their frames.
  demonstrations: (projectId: string) => `${API.project(projectId)}/demonstrations`,
  rollouts: (projectId: string) => `${API.project(projectId)}/rollouts`,
  frames: (projectId: string) => `${API.project(projectId)}/frames`,
  frame: (projectId: string, frameId: string) => `${API.project(projectId)}/frames/${enc(frameId)}`,

  // Rounds.
  rounds: (projectId: string) => `${API.project(projectId)}/rounds`,
  round: (projectId: string, index: Index) => `${API.project(projectId)}/rounds/${enc(String(index))}`,
  closeRound: (projectId: string, index: Index) => `${API.round(projectId, index)}/close`,
  retryRound: (projectId: string, index: Index) => `${API.round(projectId, index)}/retry`,

  // Labelling (docs/LABELING.md).
  nextTask: (projectId: string) => `${API.project(projectId)}/tasks/next`,
  /** POST `{ count, exclude? }`: lease up to `count` tasks at once. */
  claimTasks: (projectId: string) => `${API.project(projectId)}/tasks/claim`,
  /** POST: lease the open tasks of one rollout for a ride-along replay. */
  rideAlong: (projectId: string) => `${API.project(projectId)}/tasks/ride`,
  /** POST `{ labels: [...] }`: submit up to 100 labels, answered per label. */
  labels: "/api/v1/labels",
  taskLabels: (taskId: string) => `/api/v1/tasks/${enc(taskId)}/labels`,
  /** DELETE: undo the caller's own label while its round is still labelling. */
  label: (taskId: string, labelId: string) => `${API.taskLabels(taskId)}/${enc(labelId)}`,
  taskRelease: (taskId: string) => `/api/v1/tasks/${enc(taskId)}/release`,
  taskHeartbeat: (taskId: string) => `/api/v1/tasks/${enc(taskId)}/heartbeat`,
  /** GET (?stateId|rolloutId) / POST: comments. */
  comments: (projectId: string) => `${API.project(projectId)}/comments`,

  // Policies.
  policies: (projectId: string) => `${API.project(projectId)}/policies`,
  latestPolicy: (projectId: string) => `${API.project(projectId)}/policies/latest`,
  policy: (projectId: string, version: Index) => `${API.project(projectId)}/policies/${enc(String(version))}`,
  policyPublish: (projectId: string, version: Index) => `${API.policy(projectId, version)}/publish`,
  policyEvaluations: (projectId: string, version: Index) => `${API.policy(projectId, version)}/evaluations`,

  // The lead's routes (docs/LEADS.md).
  dashboard: (projectId: string) => `${API.project(projectId)}/dashboard`,
  review: (projectId: string) => `${API.project(projectId)}/review`,
  reviewItem: (projectId: string, itemId: string) => `${API.review(projectId)}/${enc(itemId)}`,
  quality: (projectId: string) => `${API.project(projectId)}/quality`,
  qualitySettings: (projectId: string) => `${API.quality(projectId)}/settings`,
  gold: (projectId: string) => `${API.project(projectId)}/gold`,
  goldState: (projectId: string, stateId: string) => `${API.gold(projectId)}/${enc(stateId)}`,
  goldApply: (projectId: string) => `${API.gold(projectId)}/apply`,
  audit: (projectId: string) => `${API.project(projectId)}/audit`,

  // Dataset versions.
  datasets: (projectId: string) => `${API.project(projectId)}/datasets`,
  dataset: (projectId: string, version: Index) => `${API.datasets(projectId)}/${enc(String(version))}`,
  datasetDiff: (projectId: string) => `${API.datasets(projectId)}/diff`,
  datasetSamples: (projectId: string, version: Index) => `${API.dataset(projectId, version)}/samples`,
  /** Path only; add `?format=` (`exportUrl` below). */
  datasetExport: (projectId: string, version: Index) => `${API.dataset(projectId, version)}/export`,
  /** Path only; add `?format=` (`importUrl` below). */
  datasetImport: (projectId: string) => `${API.datasets(projectId)}/import`,
} as const;

export const PAGES = {
  home: "/",
  signIn: "/signin",
  signUp: "/signup",
  /** The sign-up page with an invitation filled in. */
  signUpWithInvite: (token: string) => `/signup?invite=${enc(token)}`,
  invites: "/invites",
  account: "/account",
  /** The API reference rendered from the OpenAPI document. */
  apiDocs: "/docs/api",
  projects: "/projects",
  newProject: "/projects/new",
  project: (projectId: string) => `/projects/${enc(projectId)}`,
  projectSettings: (projectId: string) => `${PAGES.project(projectId)}/settings`,
  // Labelling.
  label: (projectId: string) => `${PAGES.project(projectId)}/label`,
  demos: (projectId: string) => `${PAGES.project(projectId)}/demos`,
  takeover: (projectId: string) => `${PAGES.project(projectId)}/takeover`,
  // The lead's pages.
  rounds: (projectId: string) => `${PAGES.project(projectId)}/rounds`,
  review: (projectId: string) => `${PAGES.project(projectId)}/review`,
  quality: (projectId: string) => `${PAGES.project(projectId)}/quality`,
  datasets: (projectId: string) => `${PAGES.project(projectId)}/datasets`,
  policies: (projectId: string) => `${PAGES.project(projectId)}/policies`,
  audit: (projectId: string) => `${PAGES.project(projectId)}/audit`,
  members: (projectId: string) => `${PAGES.project(projectId)}/members`,
} as const;

type QueryParams = Record<string, string | number | undefined | null>;

/** A path with a query string (empty values left out): `withQuery(API.audit(id), { action: "round." })`. */
export function withQuery(path: string, params: QueryParams): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
export const exportUrl = (projectId: string, version: number | "latest", format: TDatasetFormat = "jsonl") => withQuery(API.datasetExport(projectId, version), { format });
export const importUrl = (projectId: string, format: TDatasetFormat) => withQuery(API.datasetImport(projectId), { format });
export const diffUrl = (projectId: string, from: number, to: number) => withQuery(API.datasetDiff(projectId), { from, to });

/** An `API` entry: a fixed path, or a builder of one from its parameters. */
export type RouteBuilder<A extends string[] = string[]> = string | ((...args: A) => string);

/**
 * The OpenAPI path template of an `API` entry, its parameters named in order:
 * `routeTemplate(API.round, "projectId", "index")` → `/api/v1/projects/{projectId}/rounds/{index}`.
 */
export function routeTemplate<A extends string[]>(build: RouteBuilder<A>, ...names: A): string {
  return typeof build === "string" ? build : decodeURIComponent(build(...(names.map((n) => `{${n}}`) as A)));
}

/**
 * An anchored RegExp of a path template, one capture group per parameter, in order: `{name}` is one segment,
 * `{name...}` (a catch-all) one or more. `trailingSlash` also accepts the path with a `/` at its end.
 */
export function templatePattern(template: string, options: { trailingSlash?: boolean } = {}): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? (part.endsWith("...}") ? "(.+)" : "([^/]+)") : part.replace(/[.*+?^$(){}|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}${options.trailingSlash ? "/?" : ""}$`);
}

/** An `API` entry as a template and a matcher: `routePattern(API.nextTask, "projectId").pattern.exec(path)?.[1]`. */
export function routePattern<A extends string[]>(build: RouteBuilder<A>, ...names: A): { template: string; pattern: RegExp; params: A } {
  const template = routeTemplate(build, ...names);
  return { template, pattern: templatePattern(template), params: names };
}
