/**
 * The lead's routes in the OpenAPI document (contracts/openapi.ts spreads these in): operations, their
 * request schemas (the same zod schemas the services parse with) and response shapes (defined in their topic
 * contracts with the `T…` types the services return; tests/unit/openapi.test.ts checks both). Browser-safe.
 */
import { z } from "zod";
import { ZAuditPageView, ZAuditQuery } from "./audit";
import { ZDashboardView } from "./dashboard";
import { DATASET_FORMATS, POLICY_FORMATS, ZDatasetDiffView, ZDatasetImportView, ZDatasetSamplePageView, ZDatasetSamplesQuery, ZDatasetVersionDetailView, ZDatasetVersionView } from "./datasets";
import type { JsonSchema, OperationSpec } from "./openapi";
import { ZEvaluationResultView, ZPolicyPublishedView } from "./policies";
import { ZApplyGold, ZGoldAppliedView, ZGoldEntryView, ZGoldUnmarkedView, ZMarkGold, ZQualitySettings, ZQualitySettingsView, ZQualityView } from "./quality";
import { ZReviewDecision, ZReviewPageView, ZReviewQuery, ZReviewResultView } from "./review";
import { ZPostEvaluation } from "./rounds";
import { API, routeTemplate } from "./routes";

export const LEAD_REQUEST_SCHEMAS = {
  ReviewDecision: ZReviewDecision,
  QualitySettingsPatch: ZQualitySettings.partial().strict(),
  MarkGold: ZMarkGold,
  ApplyGold: ZApplyGold,
  PostEvaluation: ZPostEvaluation,
} satisfies Record<string, z.ZodType>;

export const LEAD_RESPONSE_SCHEMAS = {
  Dashboard: ZDashboardView,
  ReviewPage: ZReviewPageView,
  ReviewResult: ZReviewResultView,
  Quality: ZQualityView,
  QualitySettings: ZQualitySettingsView,
  GoldEntry: ZGoldEntryView,
  GoldApplied: ZGoldAppliedView,
  GoldUnmarked: ZGoldUnmarkedView,
  DatasetVersion: ZDatasetVersionView,
  DatasetVersionDetail: ZDatasetVersionDetailView,
  DatasetDiff: ZDatasetDiffView,
  DatasetSamplePage: ZDatasetSamplePageView,
  DatasetImport: ZDatasetImportView,
  PolicyPublished: ZPolicyPublishedView,
  EvaluationResult: ZEvaluationResultView,
  AuditPage: ZAuditPageView,
} satisfies Record<string, z.ZodType>;

export const LEAD_TAGS = [
  { name: "lead", description: "For project leads: the rounds dashboard, the review queue, labeller quality and gold, dataset versions (browse, diff, import), policy rollback and the audit log." },
] as const;

export const LEAD_PATH_PARAMS: Record<string, { description: string; schema: JsonSchema }> = {
  itemId: { description: "Review item id (an aggregated state, UUID).", schema: { type: "string", format: "uuid" } },
  stateId: { description: "State id (UUID).", schema: { type: "string", format: "uuid" } },
  policyVersion: { description: "Policy version (1, 2, …).", schema: { type: "integer", minimum: 1 } },
};

/** Query parameters of a zod object schema, for the document. */
function queryOf(schema: z.ZodType): NonNullable<OperationSpec["query"]> {
  const json = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input" }) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, description: typeof description === "string" ? description : name, schema: rest, required: json.required?.includes(name) ?? false };
  });
}

const FORMAT = { type: "string", enum: [...DATASET_FORMATS], default: "jsonl" };

/** Operations only; the lead's use of the existing routes (rounds, members, PATCH project) is documented there. */
export const LEAD_OPERATIONS: OperationSpec[] = [
  {
    method: "get", path: routeTemplate(API.dashboard, "projectId"), operationId: "getRoundsDashboard", tag: "lead", auth: "caller", role: "lead",
    summary: "Rounds dashboard and learning curve",
    description: "Every round with its progress, mean agreement, dataset size, training time and backend; the learning curve (evaluation normalised return per published round) with the expert (1.0) and behaviour-cloning (round 0) references; the latest loss curve; the efficacy benchmark's reference curves for the project's env (`references`, null when none).",
    responses: { 200: { description: "The dashboard.", data: "Dashboard" } },
    errors: [403, 404],
  },
  {
    method: "get", path: routeTemplate(API.review, "projectId"), operationId: "listReviewQueue", tag: "lead", auth: "caller", role: "lead",
    summary: "The review queue",
    description: "States whose labels disagreed or were mostly \"can't tell\", oldest round first, with every label, the policy's action and the rollout up to the state.",
    query: queryOf(ZReviewQuery),
    responses: { 200: { description: "One page of the queue.", data: "ReviewPage" } },
    errors: [400, 403, 404],
  },
  {
    method: "post", path: routeTemplate(API.reviewItem, "projectId", "itemId"), operationId: "decideReview", tag: "lead", auth: "caller", role: "lead",
    summary: "Accept an action for a review item, or exclude it",
    description: "An accepted action joins the next dataset version (source `review`); an excluded state never enters the dataset. Audited. Deciding an item twice is 409; an action outside the action space is 422.",
    body: { schema: "ReviewDecision", required: true },
    responses: { 200: { description: "The decision.", data: "ReviewResult" } },
    errors: [403, 404, 409, 422],
  },
  {
    method: "get", path: routeTemplate(API.quality, "projectId"), operationId: "getQuality", tag: "lead", auth: "caller", role: "lead",
    summary: "Labeller quality, gold pool and warnings",
    description: "Per labeller: gold accuracy, agreement with the consensus, labels per active hour and time per label. Warnings for a round whose gold accuracy fell below the threshold are also written to the audit log once (`quality.gold_accuracy_low`).",
    responses: { 200: { description: "Quality figures.", data: "Quality" } },
    errors: [403, 404],
  },
  {
    method: "patch", path: routeTemplate(API.qualitySettings, "projectId"), operationId: "updateQualitySettings", tag: "lead", auth: "caller", role: "lead",
    summary: "Change the gold-accuracy warning threshold",
    body: { schema: "QualitySettingsPatch", required: true },
    responses: { 200: { description: "The quality settings.", data: "QualitySettings" } },
    errors: [403, 404],
  },
  {
    method: "post", path: routeTemplate(API.gold, "projectId"), operationId: "markGold", tag: "lead", auth: "caller", role: "lead",
    summary: "Mark a state as gold with its answer",
    description: "The open labelling round gets a gold task on the state (labellers are scored against it); the state joins the project's gold pool. Audited.",
    body: { schema: "MarkGold", required: true },
    responses: { 201: { description: "The gold entry.", data: "GoldEntry" } },
    errors: [403, 404, 422],
  },
  {
    method: "post", path: routeTemplate(API.goldApply, "projectId"), operationId: "applyGold", tag: "lead", auth: "caller", role: "lead",
    summary: "Add the gold pool to the open labelling round",
    body: { schema: "ApplyGold", required: false },
    responses: { 200: { description: "How many gold tasks were added.", data: "GoldApplied" } },
    errors: [403, 404, 409],
  },
  {
    method: "delete", path: routeTemplate(API.goldState, "projectId", "stateId"), operationId: "unmarkGold", tag: "lead", auth: "caller", role: "lead",
    summary: "Remove a state from the gold pool",
    responses: { 200: { description: "The state is no longer gold.", data: "GoldUnmarked" } },
    errors: [403, 404],
  },
  {
    method: "get", path: routeTemplate(API.datasets, "projectId"), operationId: "listDatasetVersions", tag: "lead", auth: "caller", role: "lead",
    summary: "Dataset versions",
    responses: { 200: { description: "Versions, oldest first.", data: "DatasetVersion", list: true } },
    errors: [403, 404],
  },
  {
    method: "get", path: routeTemplate(API.dataset, "projectId", "version"), operationId: "getDatasetVersion", tag: "lead", auth: "caller", role: "lead",
    summary: "One dataset version: sources per round, episodes, action histogram",
    responses: { 200: { description: "The version.", data: "DatasetVersionDetail" } },
    errors: [403, 404],
  },
  {
    method: "get", path: routeTemplate(API.datasetSamples, "projectId", "version"), operationId: "listDatasetSamples", tag: "lead", auth: "caller", role: "lead",
    summary: "Browse one dataset version's samples",
    description: "Every sample with `version ≤ {version}`, oldest first, one page at a time; `source` keeps one source.",
    query: queryOf(ZDatasetSamplesQuery),
    responses: { 200: { description: "One page.", data: "DatasetSamplePage" } },
    errors: [400, 403, 404],
  },
  {
    method: "get", path: routeTemplate(API.datasetDiff, "projectId"), operationId: "diffDatasetVersions", tag: "lead", auth: "caller", role: "lead",
    summary: "What a newer dataset version adds to an older one",
    query: [
      { name: "from", description: "The older version.", schema: { type: "integer", minimum: 0 }, required: true },
      { name: "to", description: "The newer version.", schema: { type: "integer", minimum: 0 }, required: true },
    ],
    responses: { 200: { description: "The difference (versions are append-only).", data: "DatasetDiff" } },
    errors: [400, 403, 404],
  },
  {
    method: "post", path: routeTemplate(API.datasetImport, "projectId"), operationId: "importDataset", tag: "lead", auth: "caller", role: "lead",
    summary: "Import a dataset (jsonl or lerobot)",
    description: "The body is the file: JSON Lines (`format=jsonl`) or a LeRobot dataset as a `.tar` (`format=lerobot`: v3.0 as exported, or v2.1 with one Parquet file per episode). The whole file is validated against the project's spaces first: the first bad line or row is reported (422, `fieldErrors` keyed by file and line/row) and nothing is imported; samples are then inserted in batches. Then a new round holding the samples as its dataset version starts in `training`. 409 while a round is in progress.",
    query: [{ name: "format", description: "File format.", schema: FORMAT }],
    body: {
      raw: { "application/x-ndjson": { schema: { type: "string" } }, "application/x-tar": { schema: { type: "string", contentMediaType: "application/x-tar" } } },
      maxBytes: 64 * 1024 * 1024,
      description: "The exported file, at most 64 MiB.",
    },
    responses: { 201: { description: "The new dataset version.", data: "DatasetImport" } },
    errors: [400, 403, 404, 409, 422],
  },
  {
    method: "get", path: routeTemplate(API.policy, "projectId", "policyVersion"), operationId: "getPolicyVersion", tag: "policies", auth: "caller", role: "viewer",
    summary: "Download one policy version",
    description: "JSON (metadata with the loss curve, and the base64 model) by default; the raw model with `Accept: application/octet-stream` or `format=crpl`; an ONNX model with `format=onnx` (docs/FORMATS.md). Another format: 400 naming the choices.",
    requestHeaders: [{ name: "accept", description: "`application/octet-stream` for the raw model file.", schema: { type: "string" } }],
    query: [{ name: "format", description: "`crpl` (Corrective's blob) or `onnx` (an ONNX model).", schema: { type: "string", enum: [...POLICY_FORMATS] } }],
    responses: {
      200: {
        description: "The policy.",
        content: {
          "application/json": { schema: { type: "object", properties: { data: { $ref: "#/components/schemas/LatestPolicy" } }, required: ["data"] } },
          "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } },
          "application/onnx": { schema: { type: "string", contentMediaType: "application/onnx" } },
        },
        headers: { "x-policy-version": { description: "The policy version (files only).", schema: { type: "integer" } } },
      },
    },
    errors: [400, 404],
  },
  {
    method: "post", path: routeTemplate(API.policyPublish, "projectId", "policyVersion"), operationId: "publishPolicyVersion", tag: "lead", auth: "caller", role: "lead",
    summary: "Roll back to an earlier published policy, or publish an RL fine-tuned candidate",
    description: "The version becomes the published policy: the next round rolls it out and `policies/latest` serves it. Audited (`policy.rolled_back`; `policy.published` for an evaluated `rl-finetune` candidate that was never published). 409 for the current version or any other version never published.",
    responses: { 200: { description: "The published version.", data: "PolicyPublished" } },
    errors: [403, 404, 409],
  },
  {
    method: "post", path: routeTemplate(API.policyEvaluations, "projectId", "policyVersion"), operationId: "addEvaluation", tag: "policies", auth: "caller", role: "lead",
    summary: "Post evaluation episodes a client ran with this version (external projects)",
    description: "Returns, successes and lengths of episodes run on the client's robot or simulator become the version's metrics and its round's point on the learning curve (`returnRange` gives a normalised return). With the project setting `clientEvaluation`, a round waiting in `evaluating` for this version completes: the version is published only if its mean return beats the published one's (else it stays a candidate). Later posts replace the metrics.",
    body: { schema: "PostEvaluation", required: true },
    responses: { 201: { description: "The metrics and the publication decision.", data: "EvaluationResult" } },
    errors: [403, 404, 409],
  },
  {
    method: "get", path: routeTemplate(API.audit, "projectId"), operationId: "listAuditLog", tag: "lead", auth: "caller", role: "lead",
    summary: "The audit log",
    description: "Newest first, filtered by action (exact, or a prefix ending in `.` or `*`), actor and dates; `before` is the keyset cursor (`nextBefore` of the previous page).",
    query: queryOf(ZAuditQuery),
    responses: { 200: { description: "One page.", data: "AuditPage" } },
    errors: [400, 403, 404],
  },
];
