/**
 * Paths of the lead's pages and of the API routes they call, defined once. General paths come from
 * contracts/routes.ts (`API`, `PAGES`); only the lead's own routes are spelled out here.
 */
import type { TDatasetFormat } from "./datasets";
import { API, PAGES } from "./routes";

const enc = encodeURIComponent;
const projectPage = PAGES.project;

const query = (params: Record<string, string | number | undefined | null>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};


type Index = number | string;

/** The lead's API paths: the general ones from `API` (contracts/routes.ts) plus the lead-only routes. */
export const LEAD_API = {
  envs: API.envs,
  tokens: API.tokens,
  token: API.token,
  members: API.members,
  rounds: API.rounds,
  round: API.round,
  roundClose: API.closeRound,
  roundRetry: API.retryRound,
  policies: API.policies,
  policyLatest: API.latestPolicy,
  dashboard: (p: string) => `${API.project(p)}/dashboard`,
  review: (p: string) => `${API.project(p)}/review`,
  reviewItem: (p: string, itemId: string) => `${API.project(p)}/review/${enc(itemId)}`,
  quality: (p: string) => `${API.project(p)}/quality`,
  qualitySettings: (p: string) => `${API.project(p)}/quality/settings`,
  gold: (p: string) => `${API.project(p)}/gold`,
  goldState: (p: string, stateId: string) => `${API.project(p)}/gold/${enc(stateId)}`,
  goldApply: (p: string) => `${API.project(p)}/gold/apply`,
  datasets: (p: string) => `${API.project(p)}/datasets`,
  dataset: (p: string, version: Index) => `${API.project(p)}/datasets/${enc(String(version))}`,
  datasetDiff: (p: string) => `${API.project(p)}/datasets/diff`,
  datasetSamples: (p: string, version: Index) => `${API.project(p)}/datasets/${enc(String(version))}/samples`,
  datasetExport: API.datasetExport,
  datasetImport: (p: string) => `${API.project(p)}/datasets/import`,
  policy: (p: string, version: Index) => `${API.project(p)}/policies/${enc(String(version))}`,
  policyPublish: (p: string, version: Index) => `${API.project(p)}/policies/${enc(String(version))}/publish`,
  policyEvaluations: (p: string, version: Index) => `${API.project(p)}/policies/${enc(String(version))}/evaluations`,
  audit: (p: string) => `${API.project(p)}/audit`,
} as const;

/** A path with a query string (empty values left out): `withQuery(LEAD_API.audit(id), { action: "round." })`. */
export const withQuery = (path: string, params: Record<string, string | number | undefined | null>) => `${path}${query(params)}`;
export const exportUrl = (p: string, version: number | "latest", format: TDatasetFormat = "jsonl") => withQuery(API.datasetExport(p, version), { format });
export const importUrl = (p: string, format: TDatasetFormat) => withQuery(LEAD_API.datasetImport(p), { format });
export const diffUrl = (p: string, from: number, to: number) => withQuery(LEAD_API.datasetDiff(p), { from, to });

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
  settings: PAGES.projectSettings,
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
