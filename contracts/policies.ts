/** Policy versions as the lead sees them (list, download, roll back). */
export interface TPolicySummary {
  id: string;
  version: number;
  roundId: string | null;
  roundIndex: number | null;
  head: string;
  training: Record<string, unknown>;
  metrics: { meanReturn?: number; successRate?: number | null; normalizedReturn?: number | null; episodes?: number } | null;
  publishedAt: string | null;
  createdAt: string;
  /** The version the next round rolls out: the most recently published one. */
  current: boolean;
}

export interface TPolicyPublished {
  version: number;
  policyId: string;
  previousVersion: number | null;
  publishedAt: string;
}
