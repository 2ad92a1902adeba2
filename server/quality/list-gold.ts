/**
 * The gold pool: every state of the project with a gold answer. Gold answers are stored on tasks
 * (`tasks.is_gold`, `tasks.gold_action`) — on the open round's task when the state is being labelled, and on
 * a task of the state's own round otherwise (see mark-gold.ts) — so the round loop scores them with no
 * extra table. The newest answer per state wins.
 */
import { sql } from "drizzle-orm";
import type { TGoldEntry } from "../../contracts/quality";
import { sameAction } from "../aggregation/aggregate-state";
import type { DbOrTx } from "../../db/tx";
import { loadProjectSpec } from "../projects/project-spec";

export async function listGold(db: DbOrTx, projectId: string): Promise<TGoldEntry[]> {
  const spec = await loadProjectSpec(db, projectId);
  const pool = await db.execute<{ state_id: string; action: number | number[]; round_index: number; t: number; in_open: boolean }>(sql`
    with pool as (
      select distinct on (t.state_id) t.state_id, t.gold_action as action
      from tasks t
      where t.project_id = ${projectId} and t.is_gold and t.gold_action is not null
      order by t.state_id, t.created_at desc
    )
    select p.state_id, p.action, r.index as round_index, s.t,
      exists (select 1 from tasks t2 join rounds r2 on r2.id = t2.round_id
              where t2.state_id = p.state_id and t2.is_gold and r2.status = 'labeling') as in_open
    from pool p
    join states s on s.id = p.state_id
    join rollouts ro on ro.id = s.rollout_id
    join rounds r on r.id = ro.round_id
    order by r.index, s.t`);
  const answers = await db.execute<{ state_id: string; action: number | number[] | null; cant_tell: boolean; gold: number | number[] }>(sql`
    select l.state_id, l.action, l.cant_tell, t.gold_action as gold
    from labels l join tasks t on t.id = l.task_id
    where t.project_id = ${projectId} and t.is_gold and t.gold_action is not null`);
  const space = spec.actionSpace;
  const tol = spec.settings.clusterTolerance;
  return pool.rows.map((r) => {
    const mine = answers.rows.filter((a) => a.state_id === r.state_id);
    return {
      stateId: r.state_id,
      action: r.action,
      roundIndex: r.round_index,
      t: r.t,
      inOpenRound: r.in_open,
      answered: mine.length,
      correct: mine.filter((a) => !a.cant_tell && a.action !== null && sameAction(space, a.action, a.gold, tol)).length,
    };
  });
}
