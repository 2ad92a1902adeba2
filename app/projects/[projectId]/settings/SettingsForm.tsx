"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { API } from "@/contracts/routes";

export function SettingsForm({ projectId, name, description }: { projectId: string; name: string; description: string }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setMessage(null);
    const res = await fetch(API.project(projectId), {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: form.get("name"), description: form.get("description") }),
    }).catch(() => null);
    setBusy(false);
    if (!res) return setMessage({ kind: "error", text: "Could not reach the server." });
    if (!res.ok) {
      const data = (await res.json().catch(() => null)) as { error?: { message?: string; fieldErrors?: Record<string, string[]> } } | null;
      const fields = Object.values(data?.error?.fieldErrors ?? {}).flat();
      return setMessage({ kind: "error", text: fields[0] ?? data?.error?.message ?? `Save failed (${res.status})` });
    }
    setMessage({ kind: "ok", text: "Saved." });
    router.refresh();
  }

  return (
    <form className="stack panel" onSubmit={onSubmit} data-testid="settings-form">
      {message && <div className={`alert ${message.kind}`} role="status">{message.text}</div>}
      <label>Name<input name="name" defaultValue={name} required maxLength={120} /></label>
      <label>Description<textarea name="description" defaultValue={description} rows={3} maxLength={2000} /></label>
      <div><button type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button></div>
    </form>
  );
}
