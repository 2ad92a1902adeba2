/**
 * Drizzle schema — the source of truth for the tables. Migrations in `db/migrations` are generated from
 * this file with `npm run db:generate` and applied at start-up (`db/migrate.ts`).
 *
 * Roles are text columns with CHECK constraints rather than Postgres enums: enum types are created in a
 * fixed schema, which would stop the integration suite from isolating runs per database/schema.
 */
import { sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { POLICY_KINDS } from "../contracts/policies";
import { PROJECT_ROLES } from "../contracts/projects";
import { ROLLOUT_SOURCES, ROUND_STATUSES } from "../contracts/rounds";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * The values of the enum-like text columns come from `contracts/` (one list each), and so do their CHECK
 * constraints: `inList` writes the list as SQL. The separators match the SQL of the migrations already applied
 * (`', '` for roles, `','` elsewhere), so the generated SQL, and the migrations, are unchanged.
 */
const inList = (values: readonly string[], separator = ",") => sql.raw(values.map((v) => `'${v}'`).join(separator));

export type ProjectRole = (typeof PROJECT_ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    isAdmin: boolean("is_admin").notNull().default(false),
    /**
     * Carried in every session cookie (JWT claim `epoch`) and compared on each use (server/auth/check-session.ts):
     * bumping it — sign out everywhere, password change, admin demotion — ends every session issued before.
     */
    sessionEpoch: integer("session_epoch").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_lower_idx").on(sql`lower(${t.email})`)],
);

export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Built-in env id (e.g. `CartPole-v1`), or null for an external project. */
    envId: text("env_id"),
    /** Env options, action space, policy spec and round settings; validated by `contracts/`. */
    config: jsonb("config").notNull().default({}),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("projects_slug_idx").on(t.slug)],
);

export const memberships = pgTable(
  "memberships",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: PROJECT_ROLES }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index("memberships_user_idx").on(t.userId),
    check("memberships_role_check", sql`${t.role} in (${inList(PROJECT_ROLES, ", ")})`),
  ],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    actorId: uuid("actor_id").references(() => users.id, { onDelete: "set null" }),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    data: jsonb("data").notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_log_project_idx").on(t.projectId, t.createdAt)],
);

export type PolicyKind = (typeof POLICY_KINDS)[number];

export type RoundStatus = (typeof ROUND_STATUSES)[number];

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text("token_hash").notNull(),
    prefix: text("prefix").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** Every token expires (chosen at creation, bounded; sign-in tokens after hours). Tokens older than this column get 90 days from the migration. */
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull().default(sql`now() + interval '90 days'`),
  },
  (t) => [uniqueIndex("api_tokens_hash_idx").on(t.tokenHash)],
);

export const policies = pgTable(
  "policies",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    roundId: uuid("round_id"),
    head: text("head").notNull(),
    /** The serialised model (header + tfjs model JSON + weights), loadable in Node and the browser. */
    blob: bytea("blob").notNull(),
    training: jsonb("training").notNull().default({}),
    metrics: jsonb("metrics"),
    /** How the version was made: `imitation` (trained on the dataset) or `rl-finetune` (REINFORCE from `parentId`). */
    kind: text("kind", { enum: POLICY_KINDS }).notNull().default("imitation"),
    /** The policy an `rl-finetune` version started from (its round's imitation policy). */
    parentId: uuid("parent_id").references((): AnyPgColumn => policies.id, { onDelete: "set null" }),
    publishedAt: timestamp("published_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("policies_project_version_idx").on(t.projectId, t.version),
    check("policies_kind_check", sql`${t.kind} in (${inList(POLICY_KINDS)})`),
  ],
);

export const rounds = pgTable(
  "rounds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    status: text("status", { enum: ROUND_STATUSES }).notNull(),
    /** Status the round failed in; `retry` resumes from it. */
    failedFrom: text("failed_from", { enum: ROUND_STATUSES }),
    error: text("error"),
    /** Policy whose rollouts this round labels (null for round 0: demonstrations). */
    policyId: uuid("policy_id").references(() => policies.id, { onDelete: "set null" }),
    resultPolicyId: uuid("result_policy_id").references(() => policies.id, { onDelete: "set null" }),
    datasetVersion: integer("dataset_version"),
    beta: doublePrecision("beta").notNull().default(0),
    options: jsonb("options").notNull().default({}),
    metrics: jsonb("metrics"),
    progress: jsonb("progress").notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("rounds_project_index_idx").on(t.projectId, t.index),
    check("rounds_status_check", sql`${t.status} in (${inList(ROUND_STATUSES)})`),
  ],
);

export const rollouts = pgTable(
  "rollouts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    roundId: uuid("round_id").notNull().references(() => rounds.id, { onDelete: "cascade" }),
    policyId: uuid("policy_id").references(() => policies.id, { onDelete: "set null" }),
    source: text("source", { enum: ROLLOUT_SOURCES }).notNull(),
    seed: integer("seed"),
    length: integer("length").notNull(),
    totalReturn: doublePrecision("total_return"),
    meta: jsonb("meta").notNull().default({}),
    /** Client-generated id of an uploaded rollout: a retried upload (same id) is stored once. */
    clientId: uuid("client_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("rollouts_round_idx").on(t.roundId), uniqueIndex("rollouts_project_client_idx").on(t.projectId, t.clientId)],
);

/**
 * Metadata of a content-addressed blob (server/blobs/): the bytes live in the blob store (files under
 * `DATA_DIR/blobs` by default), never here. Its references are `frames` rows; a blob no frame references is
 * garbage (server/blobs/collect-garbage.ts), freed when its last project is deleted.
 */
export const blobs = pgTable("blobs", {
  /** SHA-256 of the bytes, lower-case hex: the blob's name in the store. */
  hash: text("hash").primaryKey(),
  size: integer("size").notNull(),
  mediaType: text("media_type").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const frames = pgTable(
  "frames",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    mime: text("mime").notNull(),
    /** The image in the blob store. Null only for a frame from before the blob store not yet moved out. */
    blobHash: text("blob_hash").references(() => blobs.hash),
    /** Legacy: the bytes of a frame stored before the blob store; moved out at start-up (server/blobs/move-legacy-frames.ts). */
    bytes: bytea("bytes"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("frames_blob_hash_idx").on(t.blobHash),
    index("frames_legacy_idx").on(t.id).where(sql`${t.blobHash} IS NULL`),
    check("frames_has_bytes", sql`${t.blobHash} IS NOT NULL OR ${t.bytes} IS NOT NULL`),
  ],
);

export const states = pgTable(
  "states",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    rolloutId: uuid("rollout_id").notNull().references(() => rollouts.id, { onDelete: "cascade" }),
    t: integer("t").notNull(),
    observation: jsonb("observation").$type<number[]>().notNull(),
    envState: jsonb("env_state").$type<number[] | null>(),
    /** The action taken at this step (the policy's, the expert's under β-mixing, or the demonstrator's). */
    action: jsonb("action").$type<number | number[] | null>(),
    policyAction: jsonb("policy_action").$type<number | number[] | null>(),
    uncertainty: doublePrecision("uncertainty"),
    reward: doublePrecision("reward"),
    frameId: uuid("frame_id").references(() => frames.id, { onDelete: "set null" }),
    /**
     * For image observations (a `Dict` space): camera key → frame id of the image the policy saw. `frameId` is the
     * first camera's (the main one; labellers see every camera, docs/LABELING.md); `observation` holds the `state` vector.
     */
    images: jsonb("images").$type<Record<string, string> | null>(),
    /** A person took over at this step (HG-DAgger): `action` is what they did, and it is a label as it stands. */
    intervention: boolean("intervention").notNull().default(false),
  },
  (t) => [uniqueIndex("states_rollout_t_idx").on(t.rolloutId, t.t)],
);

export const tasks = pgTable(
  "tasks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    roundId: uuid("round_id").notNull().references(() => rounds.id, { onDelete: "cascade" }),
    stateId: uuid("state_id").notNull().references(() => states.id, { onDelete: "cascade" }),
    required: integer("required").notNull(),
    labelCount: integer("label_count").notNull().default(0),
    isGold: boolean("is_gold").notNull().default(false),
    goldAction: jsonb("gold_action").$type<number | number[] | null>(),
    leaseOwner: uuid("lease_owner").references(() => users.id, { onDelete: "set null" }),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("tasks_round_open_idx").on(t.roundId, t.labelCount),
    uniqueIndex("tasks_round_state_idx").on(t.roundId, t.stateId),
    // The claim's order over the tasks that still need labels (server/tasks/claim-next-task.ts).
    index("tasks_claim_idx").on(t.roundId, t.labelCount.desc(), t.createdAt, t.id).where(sql`${t.labelCount} < ${t.required}`),
    index("tasks_lease_owner_idx").on(t.leaseOwner).where(sql`${t.leaseOwner} is not null`),
  ],
);

export const labels = pgTable(
  "labels",
  {
    /** Client-generated UUID: a resubmission with the same id is the same label. */
    id: uuid("id").primaryKey(),
    taskId: uuid("task_id").notNull().references(() => tasks.id, { onDelete: "cascade" }),
    stateId: uuid("state_id").notNull().references(() => states.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    action: jsonb("action").$type<number | number[] | null>(),
    cantTell: boolean("cant_tell").notNull().default(false),
    durationMs: integer("duration_ms"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("labels_task_user_idx").on(t.taskId, t.userId), index("labels_user_idx").on(t.userId)],
);

export const aggregatedLabels = pgTable(
  "aggregated_labels",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    roundId: uuid("round_id").notNull().references(() => rounds.id, { onDelete: "cascade" }),
    stateId: uuid("state_id").notNull().references(() => states.id, { onDelete: "cascade" }),
    /** Accepted action(s): one for a consensus, several for separate modes kept as samples. */
    actions: jsonb("actions").$type<(number | number[])[]>().notNull(),
    agreement: doublePrecision("agreement").notNull(),
    spread: doublePrecision("spread"),
    labelCount: integer("label_count").notNull(),
    status: text("status", { enum: ["accepted", "review", "excluded"] }).notNull(),
    reason: text("reason"),
    reviewerId: uuid("reviewer_id").references(() => users.id, { onDelete: "set null" }),
    /** Dataset version that first included this state's sample(s). */
    datasetVersion: integer("dataset_version"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("aggregated_round_state_idx").on(t.roundId, t.stateId), index("aggregated_state_idx").on(t.stateId)],
);

export const datasetVersions = pgTable(
  "dataset_versions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    roundId: uuid("round_id").references(() => rounds.id, { onDelete: "set null" }),
    sampleCount: integer("sample_count").notNull(),
    addedCount: integer("added_count").notNull(),
    counts: jsonb("counts").notNull().default({}),
    checksum: text("checksum").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("dataset_versions_project_version_idx").on(t.projectId, t.version)],
);

/** Samples are immutable; version v of a project's dataset is every sample with version ≤ v. */
export const datasetSamples = pgTable(
  "dataset_samples",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    stateId: uuid("state_id").references(() => states.id, { onDelete: "set null" }),
    observation: jsonb("observation").$type<number[]>().notNull(),
    action: jsonb("action").$type<number | number[]>().notNull(),
    source: text("source").notNull(),
    episode: integer("episode").notNull().default(0),
    frameIndex: integer("frame_index").notNull().default(0),
  },
  (t) => [
    index("dataset_samples_project_version_idx").on(t.projectId, t.version),
    // Exports read a version in episode order with a keyset cursor (server/datasets/sample-pages.ts).
    index("dataset_samples_episode_order_idx").on(t.projectId, t.version, t.episode, t.frameIndex, t.id),
  ],
);

export const labelerStats = pgTable(
  "labeler_stats",
  {
    roundId: uuid("round_id").notNull().references(() => rounds.id, { onDelete: "cascade" }),
    userId: uuid("user_id").notNull().references(() => users.id, { onDelete: "cascade" }),
    labels: integer("labels").notNull(),
    goldTotal: integer("gold_total").notNull(),
    goldCorrect: integer("gold_correct").notNull(),
    consensusTotal: integer("consensus_total").notNull(),
    consensusAgree: integer("consensus_agree").notNull(),
    totalDurationMs: integer("total_duration_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.userId] })],
);

/** The Postgres-backed job queue (see docs/ARCHITECTURE.md, "Jobs"). */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    type: text("type").notNull(),
    projectId: uuid("project_id").references(() => projects.id, { onDelete: "cascade" }),
    roundId: uuid("round_id").references(() => rounds.id, { onDelete: "cascade" }),
    payload: jsonb("payload").notNull().default({}),
    status: text("status", { enum: ["queued", "running", "done", "failed"] }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    maxAttempts: integer("max_attempts").notNull().default(3),
    runAfter: timestamp("run_after", { withTimezone: true }).notNull().defaultNow(),
    lockedBy: text("locked_by"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    progress: jsonb("progress"),
    result: jsonb("result"),
    error: text("error"),
    /** When a worker last claimed it: the fair claim serves the project whose jobs started least recently. */
    startedAt: timestamp("started_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("jobs_claim_idx").on(t.status, t.runAfter), index("jobs_project_started_idx").on(t.projectId, t.startedAt)],
);

/**
 * Abuse counters (failed sign-ins per account and per address, sign-ups per address), in the database so
 * they hold across restarts and web processes. `count` is the failures or hits in the window starting at
 * `windowStart`; `blockedUntil` the end of an account's back-off. See server/limits/rate-counter.ts.
 */
export const rateLimits = pgTable(
  "rate_limits",
  {
    key: text("key").primaryKey(),
    count: integer("count").notNull().default(0),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull().defaultNow(),
    blockedUntil: timestamp("blocked_until", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("rate_limits_updated_idx").on(t.updatedAt)],
);

/** Sign-up invitations: only the sha256 of the token is kept; single use, with an expiry. */
export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tokenHash: text("token_hash").notNull(),
    note: text("note").notNull().default(""),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    usedBy: uuid("used_by").references(() => users.id, { onDelete: "set null" }),
  },
  (t) => [uniqueIndex("invitations_token_hash_idx").on(t.tokenHash), index("invitations_created_by_idx").on(t.createdBy, t.createdAt)],
);

export type User = typeof users.$inferSelect;
export type Invitation = typeof invitations.$inferSelect;
export type Project = typeof projects.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
export type Round = typeof rounds.$inferSelect;
export type Task = typeof tasks.$inferSelect;
export type Job = typeof jobs.$inferSelect;
export type PolicyRow = typeof policies.$inferSelect;

/** Comments on a state or a rollout, threaded by `parentId`, with the members they @mention. */
export const comments = pgTable(
  "comments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
    stateId: uuid("state_id").references(() => states.id, { onDelete: "cascade" }),
    rolloutId: uuid("rollout_id").references(() => rollouts.id, { onDelete: "cascade" }),
    parentId: uuid("parent_id").references((): AnyPgColumn => comments.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    body: text("body").notNull(),
    mentions: jsonb("mentions").$type<string[]>().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("comments_project_state_idx").on(t.projectId, t.stateId), index("comments_project_rollout_idx").on(t.projectId, t.rolloutId, t.createdAt)],
);
export type CommentRow = typeof comments.$inferSelect;
