/**
 * Paths of the lead's pages and of the API routes they call, defined once (see contracts/routes.ts for the
 * general ones). Every path here is built from `projectApi`, so no route is a string literal typed twice.
 */
import type { TDatasetFormat } from "./datasets";

const enc = encodeURIComponent;
const projectApi = (projectId: string) => `/api/v1/projects/${enc(projectId)}`;
const projectPage = (projectId: string) => `/projects/${enc(projectId)}`;

const query = (params: Record<string, string | number | undefined | null>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};


export const LEAD_API = {
  envs: "/api/v1/envs",
  tokens: "/api/v1/tokens",
  token: (tokenId: string) => `/api/v1/tokens/${enc(tokenId)}`,
  members: (p: string) => `${projectApi(p)}/members`,
  rounds: (p: string) => `${projectApi(p)}/rounds`,
  round: (p: string, index: number) => `${projectApi(p)}/rounds/${index}`,
  roundClose: (p: string, index: number) => `${projectApi(p)}/rounds/${index}/close`,
  roundRetry: (p: string, index: number) => `${projectApi(p)}/rounds/${index}/retry`,
  dashboard: (p: string) => `${projectApi(p)}/dashboard`,
  review: (p: string, opts: { offset?: number; limit?: number } = {}) => `${projectApi(p)}/review${query(opts)}`,
  reviewItem: (p: string, itemId: string) => `${projectApi(p)}/review/${enc(itemId)}`,
  quality: (p: string) => `${projectApi(p)}/quality`,
  qualitySettings: (p: string) => `${projectApi(p)}/quality/settings`,
  gold: (p: string) => `${projectApi(p)}/gold`,
  goldState: (p: string, stateId: string) => `${projectApi(p)}/gold/${enc(stateId)}`,
  goldApply: (p: string) => `${projectApi(p)}/gold/apply`,
  datasets: (p: string) => `${projectApi(p)}/datasets`,
  dataset: (p: string, version: number) => `${projectApi(p)}/datasets/${version}`,
  datasetDiff: (p: string, from: number, to: number) => `${projectApi(p)}/datasets/diff${query({ from, to })}`,
  datasetExport: (p: string, version: number, format: TDatasetFormat = "jsonl") => `${projectApi(p)}/datasets/${version}/export${query({ format })}`,
  datasetImport: (p: string, format: TDatasetFormat) => `${projectApi(p)}/datasets/import${query({ format })}`,
  policies: (p: string) => `${projectApi(p)}/policies`,
  policyLatest: (p: string) => `${projectApi(p)}/policies/latest`,
  policy: (p: string, version: number) => `${projectApi(p)}/policies/${version}`,
  policyPublish: (p: string, version: number) => `${projectApi(p)}/policies/${version}/publish`,
  audit: (p: string, q: { action?: string; actor?: string; from?: string; to?: string; before?: number; limit?: number } = {}) => `${projectApi(p)}/audit${query(q)}`,
} as const;

export const LEAD_PAGES = {
  newProject: "/projects/new",
  tokens: "/account/tokens",
  rounds: (p: string) => `${projectPage(p)}/rounds`,
  review: (p: string) => `${projectPage(p)}/review`,
  quality: (p: string) => `${projectPage(p)}/quality`,
  datasets: (p: string) => `${projectPage(p)}/datasets`,
  policies: (p: string) => `${projectPage(p)}/policies`,
  audit: (p: string) => `${projectPage(p)}/audit`,
  members: (p: string) => `${projectPage(p)}/members`,
  settings: (p: string) => `${projectPage(p)}/settings`,
} as const;

/** The lead's navigation inside a project, in display order. */
export const LEAD_NAV = [
  { key: "rounds", label: "Rounds", href: LEAD_PAGES.rounds },
  { key: "review", label: "Review", href: LEAD_PAGES.review },
  { key: "quality", label: "Quality", href: LEAD_PAGES.quality },
  { key: "datasets", label: "Datasets", href: LEAD_PAGES.datasets },
  { key: "policies", label: "Policies", href: LEAD_PAGES.policies },
  { key: "members", label: "Members", href: LEAD_PAGES.members },
  { key: "audit", label: "Audit log", href: LEAD_PAGES.audit },
  { key: "settings", label: "Settings", href: LEAD_PAGES.settings },
] as const;
