/** react-query keys for the lead's pages (all under ["project", id, "lead", …] so one invalidation refreshes a page). */
export const leadKeys = {
  all: (p: string) => ["project", p, "lead"] as const,
  datasets: (p: string) => ["project", p, "lead", "datasets"] as const,
  dataset: (p: string, v: number) => ["project", p, "lead", "datasets", v] as const,
  samples: (p: string, v: number, offset: number, source: string) => ["project", p, "lead", "datasets", v, "samples", offset, source] as const,
  diff: (p: string, from: number, to: number) => ["project", p, "lead", "datasets", "diff", from, to] as const,
  policies: (p: string) => ["project", p, "lead", "policies"] as const,
  policyModel: (p: string, v: number) => ["project", p, "lead", "policies", v, "model"] as const,
  quality: (p: string) => ["project", p, "lead", "quality"] as const,
  audit: (p: string, filters: string, before: number | null) => ["project", p, "lead", "audit", filters, before] as const,
  tokens: ["me", "tokens"] as const,
};
