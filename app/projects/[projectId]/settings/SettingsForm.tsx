"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { API } from "@/contracts/routes";
import { api, errorMessage } from "@/app/_components/api-client";

export function SettingsForm({ projectId, name, description }: { projectId: string; name: string; description: string }) {
  const router = useRouter();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setMessage(null);
    try {
      await api(API.project(projectId), { method: "PATCH", body: { name: form.get("name"), description: form.get("description") } });
    } catch (err) {
      return setMessage({ kind: "error", text: errorMessage(err) });
    } finally {
      setBusy(false);
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
