/**
 * A project's current policy: the most recently published version (a rollback re-stamps `published_at`, so
 * the latest stamp wins; ties go to the higher version). The one definition of "the published policy" —
 * rounds roll it out, imports and evaluations compare against it, `GET …/policies/latest` serves it:
 *
 *     db.select(fields).from(policies).where(isPublishedIn(projectId)).orderBy(...LATEST_PUBLISHED_FIRST).limit(1)
 */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import { policies } from "../../db/schema";

/** The project's published versions. */
export const isPublishedIn = (projectId: string) => and(eq(policies.projectId, projectId), isNotNull(policies.publishedAt));

/** The order whose first row is the current policy. */
export const LATEST_PUBLISHED_FIRST = [desc(policies.publishedAt), desc(policies.version)] as const;
