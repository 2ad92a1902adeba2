/**
 * Process configuration, parsed once at start-up with zod. A bad value stops start-up with one readable line.
 */
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { loadOrCreateSecret, SecretFileError } from "./secret-file";
import { DEFAULT_HEAP_GROWING_PERCENT } from "./heap-growth";

/**
 * Secrets that were ever published (the constant demo secret of earlier versions): anyone can sign a session
 * with them, so they are refused in every mode.
 */
const PUBLISHED_SECRETS = new Set(["corrective-demo-secret-do-not-use-in-production"]);

const boolFlag = z
  .enum(["0", "1", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Default: 127.0.0.1 in demo mode (known passwords), 0.0.0.0 otherwise. */
  HOST: z.string().min(1).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default(".corrective/data"),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** While an import or LeRobot export runs: V8's old-generation growing factor, 1 + percent/100 (server/heap-growth.ts); 0 (default) leaves V8's own. */
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(300).default(DEFAULT_HEAP_GROWING_PERCENT),
  DEMO: boolFlag.optional(),
  /** Demo mode: run round 0 and start round 1 of a fresh demo project in the background (0 leaves it empty). */
  DEMO_WARMUP: boolFlag.optional(),
  NEXTAUTH_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  NEXTAUTH_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Trust `X-Forwarded-Host`/`-Proto` for the public URL (next-auth reads it itself); only behind a proxy that sets them. */
  AUTH_TRUST_HOST: boolFlag.optional(),
  /** 0 = this web process does not run jobs (a separate `npm run trainer` does). */
  IN_PROCESS_JOBS: boolFlag.optional(),
  /** Job lease (ms): a job whose worker died is claimable again this long after its last renewal. */
  JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).optional(),
  // --- abuse limits (docs/SECURITY.md: login protection, signup, quotas, training budget) ---
  /** Comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: none. */
  TRUSTED_PROXIES: z.string().optional(),
  SIGNUP: z.enum(["open", "invite", "closed"]).optional(),
  /** Sign-up attempts per client address per hour. */
  SIGNUP_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** Failed sign-ins per client address per 15 minutes (any accounts). */
  LOGIN_ADDRESS_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Projects a non-admin user may create; 0 = no limit. */
  PROJECT_QUOTA: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /** Most epochs × parameters × ensemble members × episodes a project's settings may ask for; 0 = no limit. */
  TRAINING_BUDGET: z.coerce.number().min(0).default(2e11),
});

export interface Config {
  nodeEnv: "development" | "production" | "test";
  dev: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  /** HEAP_GROWING_PERCENT: during imports and LeRobot exports, how far the heap may grow past what survived the last full GC (0 = V8's own, always). */
  heapGrowingPercent: number;
  demo: boolean;
  /** Demo mode only: bring a fresh demo project to "round 1 labelling" in the background. */
  demoWarmUp: boolean;
  authSecret: string;
  /** Where the secret came from: the environment, or the generated file in DATA_DIR (demo mode). */
  authSecretSource: "env" | "file";
  /** The public origin (NEXTAUTH_URL, or http://localhost:PORT): redirects and next-auth's own URLs use it. */
  authUrl: string;
  /** AUTH_TRUST_HOST set explicitly: next-auth may take the origin from X-Forwarded-Host. Off by default. */
  trustHost: boolean;
  /** NEXTAUTH_URL was set: `authUrl` is the one public origin (else a loopback default, see server/http/same-origin.ts). */
  authUrlConfigured: boolean;
  inProcessJobs: boolean;
  /** Undefined: the job runner's default. */
  jobLeaseMs: number | undefined;
  /** Abuse limits: trusted proxies, signup policy, login/signup rates, project quota, training budget. */
  limits: Limits;
}

export type SignupPolicy = "open" | "invite" | "closed";

export interface Limits {
  trustedProxies: string[];
  signup: SignupPolicy;
  signupPerHour: number;
  loginFailuresPerAddress: number;
  projectQuota: number;
  trainingBudget: number;
}

/** Limits when no configuration is given (services called from tests and scripts). */
export const DEFAULT_LIMITS: Limits = {
  trustedProxies: [],
  signup: "invite",
  signupPerHour: 10,
  loginFailuresPerAddress: 30,
  projectQuota: 20,
  trainingBudget: 2e11,
};

/** `10.0.0.1, 10.1.0.0/16, ::1` → the entries, each a valid address or CIDR (else a ConfigError naming it). */
export function parseTrustedProxies(value: string | undefined): string[] {
  const entries = (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr, bits, extra] = entry.split("/");
    const family = net.isIP(addr ?? "");
    const maxBits = family === 6 ? 128 : 32;
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !okBits || extra !== undefined) {
      throw new ConfigError(`Invalid configuration: TRUSTED_PROXIES entry "${entry}" is not an address or CIDR`);
    }
  }
  return entries;
}

export class ConfigError extends Error {}

/** How a browser names a bound host: `localhost` for a wildcard bind, brackets around IPv6. */
export function publicHostOf(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/** The set variables (empty ones count as unset) parsed by `schema`; the first problem stops with one line naming it. */
function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== "")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join(".") ?? "environment";
    throw new ConfigError(`Invalid configuration: ${key} ${issue?.message ?? "is invalid"}`);
  }
  return parsed.data;
}

export function parseConfig(env: Record<string, string | undefined>, opts: { dev?: boolean } = {}): Config {
  const e = parseEnv(EnvSchema, env);
  // Demo mode (seeded users with a known password) is on by default for the embedded database only.
  const demo = e.DEMO ?? !e.DATABASE_URL;
  const dataDir = path.resolve(e.DATA_DIR);
  if (e.NEXTAUTH_SECRET && PUBLISHED_SECRETS.has(e.NEXTAUTH_SECRET)) {
    throw new ConfigError("Invalid configuration: NEXTAUTH_SECRET is a published secret; set your own (or unset it in demo mode)");
  }
  if (!e.NEXTAUTH_SECRET && !demo) {
    throw new ConfigError("Invalid configuration: NEXTAUTH_SECRET must be set outside demo mode");
  }
  let secret = e.NEXTAUTH_SECRET;
  if (!secret) {
    try {
      secret = loadOrCreateSecret(dataDir);
    } catch (err) {
      const reason = err instanceof SecretFileError ? err.message : `cannot keep a secret in ${dataDir}: ${(err as Error).message}`;
      throw new ConfigError(`Invalid configuration: NEXTAUTH_SECRET is unset and ${reason}`);
    }
  }
  // Demo accounts have a published password: reachable from this machine only, unless HOST says otherwise.
  const host = e.HOST ?? (demo ? "127.0.0.1" : "0.0.0.0");
  return {
    nodeEnv: e.NODE_ENV,
    dev: opts.dev ?? false,
    port: e.PORT,
    host,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    poolSize: e.DB_POOL_SIZE,
    heapGrowingPercent: e.HEAP_GROWING_PERCENT,
    demo,
    demoWarmUp: demo && (e.DEMO_WARMUP ?? true),
    authSecret: secret,
    authSecretSource: e.NEXTAUTH_SECRET ? "env" : "file",
    authUrl: (e.NEXTAUTH_URL ? new URL(e.NEXTAUTH_URL).origin : undefined) ?? `http://${publicHostOf(host)}:${e.PORT}`,
    trustHost: e.AUTH_TRUST_HOST ?? false,
    authUrlConfigured: e.NEXTAUTH_URL !== undefined,
    inProcessJobs: e.IN_PROCESS_JOBS ?? true,
    jobLeaseMs: e.JOB_LEASE_MS,
    limits: {
      trustedProxies: parseTrustedProxies(e.TRUSTED_PROXIES),
      // Invite-only unless this is the demo instance, where anyone trying it out may create an account.
      signup: e.SIGNUP ?? (demo ? "open" : "invite"),
      signupPerHour: e.SIGNUP_RATE_LIMIT,
      loginFailuresPerAddress: e.LOGIN_ADDRESS_LIMIT,
      projectQuota: e.PROJECT_QUOTA,
      trainingBudget: e.TRAINING_BUDGET,
    },
  };
}

export interface WorkerConfig {
  databaseUrl: string;
  poolSize: number;
  jobLeaseMs: number | undefined;
}

/**
 * `npm run trainer`'s configuration: the same variables, validated by the same schema, as the web process's —
 * and DATABASE_URL is required (the embedded database is private to its web process).
 */
export function parseWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const e = parseEnv(EnvSchema.pick({ DATABASE_URL: true, DB_POOL_SIZE: true, JOB_LEASE_MS: true }), env);
  if (!e.DATABASE_URL) {
    throw new ConfigError("Invalid configuration: DATABASE_URL must be set for npm run trainer (a PostgreSQL shared with the web process)");
  }
  return { databaseUrl: e.DATABASE_URL, poolSize: Math.min(e.DB_POOL_SIZE, 4), jobLeaseMs: e.JOB_LEASE_MS };
}
