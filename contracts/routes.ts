/** Every HTTP path the browser or a client calls, defined once. */
export const API = {
  health: "/api/health",
  auth: "/api/auth",
  signUp: "/api/v1/auth/signup",
  me: "/api/v1/me",
  /** DELETE: sign out everywhere (every session of the caller's account). */
  mySessions: "/api/v1/me/sessions",
  myPassword: "/api/v1/me/password",
  user: (userId: string) => `/api/v1/users/${encodeURIComponent(userId)}`,
  projects: "/api/v1/projects",
  project: (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}`,
  openApi: "/api/v1/openapi.json",
  login: "/api/v1/auth/login",
  envs: "/api/v1/envs",
  tokens: "/api/v1/tokens",
  token: (tokenId: string) => `/api/v1/tokens/${encodeURIComponent(tokenId)}`,
  members: (projectId: string) => `${API.project(projectId)}/members`,
  demonstrations: (projectId: string) => `${API.project(projectId)}/demonstrations`,
  rollouts: (projectId: string) => `${API.project(projectId)}/rollouts`,
  frames: (projectId: string) => `${API.project(projectId)}/frames`,
  frame: (projectId: string, frameId: string) => `${API.project(projectId)}/frames/${encodeURIComponent(frameId)}`,
  rounds: (projectId: string) => `${API.project(projectId)}/rounds`,
  round: (projectId: string, index: number | string) => `${API.project(projectId)}/rounds/${encodeURIComponent(String(index))}`,
  closeRound: (projectId: string, index: number | string) => `${API.round(projectId, index)}/close`,
  retryRound: (projectId: string, index: number | string) => `${API.round(projectId, index)}/retry`,
  nextTask: (projectId: string) => `${API.project(projectId)}/tasks/next`,
  /** POST `{ count, exclude? }`: lease up to `count` tasks at once. */
  claimTasks: (projectId: string) => `${API.project(projectId)}/tasks/claim`,
  /** POST `{ labels: [...] }`: submit up to 100 labels, answered per label. */
  labels: "/api/v1/labels",
  policies: (projectId: string) => `${API.project(projectId)}/policies`,
  latestPolicy: (projectId: string) => `${API.project(projectId)}/policies/latest`,
  /** Path only; add `?format=jsonl` (the default and only format). */
  datasetExport: (projectId: string, version: number | string) => `${API.project(projectId)}/datasets/${encodeURIComponent(String(version))}/export`,
  taskLabels: (taskId: string) => `/api/v1/tasks/${encodeURIComponent(taskId)}/labels`,
  taskRelease: (taskId: string) => `/api/v1/tasks/${encodeURIComponent(taskId)}/release`,
  taskHeartbeat: (taskId: string) => `/api/v1/tasks/${encodeURIComponent(taskId)}/heartbeat`,
  invites: "/api/v1/invites",
  invite: (inviteId: string) => `/api/v1/invites/${encodeURIComponent(inviteId)}`,
} as const;

export const PAGES = {
  home: "/",
  signIn: "/signin",
  signUp: "/signup",
  projects: "/projects",
  account: "/account",
  project: (projectId: string) => `/projects/${encodeURIComponent(projectId)}`,
  projectSettings: (projectId: string) => `/projects/${encodeURIComponent(projectId)}/settings`,
  invites: "/invites",
  /** The sign-up page with an invitation filled in. */
  signUpWithInvite: (token: string) => `/signup?invite=${encodeURIComponent(token)}`,
} as const;
