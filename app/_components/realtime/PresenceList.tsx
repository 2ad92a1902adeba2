"use client";

import { useEffect, useState } from "react";
import { useRealtime } from "./ProjectRealtime";

const VIEW_TEXT: Record<string, string> = {
  label: "labelling",
  ride: "riding along",
  demos: "teleoperating",
  takeover: "taking over",
  overview: "on the overview",
  settings: "in settings",
};

/** Who is in the project now, on which view, and whether they claimed a task in the last half minute. */
export function PresenceList({ meId }: { meId: string }) {
  const users = useRealtime((s) => s.users);
  const activity = useRealtime((s) => s.activity);
  const status = useRealtime((s) => s.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);

  return (
    <section className="panel side-panel" aria-labelledby="presence-heading">
      <h2 id="presence-heading">Online now</h2>
      <ul className="plain" data-testid="presence-list" data-status={status}>
        {users.map((u) => {
          const active = (activity.get(u.id) ?? 0) > now - 30_000;
          return (
            <li key={u.id} data-testid="presence-user" data-user={u.name}>
              <span className={active ? "dot" : "dot idle"} aria-hidden /> {u.name}
              {u.id === meId ? " (you)" : ""}
              {u.views?.length ? <span className="muted small"> — {u.views.map((v) => VIEW_TEXT[v] ?? v).join(", ")}</span> : null}
              {active && u.id !== meId ? <span className="muted small"> · claiming tasks</span> : null}
            </li>
          );
        })}
        {users.length === 0 && <li className="muted">{status === "online" ? "Just you" : "Connecting…"}</li>}
      </ul>
    </section>
  );
}
