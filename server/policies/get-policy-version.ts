import type { Db } from "../../db/client";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { notFound } from "../errors";
import { getPolicyRow } from "./list-policies";

/** One policy version (published or not): metadata with its loss curve, and the model blob. Viewers may download. */
export async function getPolicyVersion(db: Db, caller: Caller, projectId: string, version: number) {
  await authorizeProject(db, caller, projectId, "viewer");
  if (!Number.isInteger(version) || version < 1) throw notFound("Policy version not found");
  return getPolicyRow(db, projectId, version);
}
