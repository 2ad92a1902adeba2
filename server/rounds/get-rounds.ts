import type { TRound } from "../../contracts/rounds";
import type { Db } from "../../db/client";
import { authorizeProject, type Caller } from "../auth/authorize-project";
import { findRound, listRoundRows, toRoundView } from "./round-view";

export async function listRounds(db: Db, caller: Caller, projectId: string): Promise<TRound[]> {
  await authorizeProject(db, caller, projectId, "viewer");
  const rows = await listRoundRows(db, projectId);
  return Promise.all(rows.map((r) => toRoundView(db, r)));
}

export async function getRound(db: Db, caller: Caller, projectId: string, index: number): Promise<TRound> {
  await authorizeProject(db, caller, projectId, "viewer");
  return toRoundView(db, await findRound(db, projectId, index));
}
