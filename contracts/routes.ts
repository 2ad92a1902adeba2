/** Every HTTP path the browser or a client calls, defined once. */
export const API = {
  health: "/api/health",
  auth: "/api/auth",
  signUp: "/api/v1/auth/signup",
  me: "/api/v1/me",
  projects: "/api/v1/projects",
  project: (projectId: string) => `/api/v1/projects/${encodeURIComponent(projectId)}`,
} as const;

export const PAGES = {
  home: "/",
  signIn: "/signin",
  signUp: "/signup",
  projects: "/projects",
  project: (projectId: string) => `/projects/${encodeURIComponent(projectId)}`,
  projectSettings: (projectId: string) => `/projects/${encodeURIComponent(projectId)}/settings`,
} as const;
