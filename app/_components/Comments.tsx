"use client";

/**
 * Comments on the state being labelled (threaded, with @mentions of project members) and the project's
 * newest comments, both updated live by `comment:added`.
 */
import { useQueryClient } from "@tanstack/react-query";
import { forwardRef, useMemo, useState, type FormEvent, type KeyboardEvent } from "react";
import type { TComment } from "@/contracts/comments";
import { api, errorMessage } from "./api-client";
import { queryKeys, useComments } from "./labeling/queries";
import { API } from "@/contracts/routes";

interface Member {
  id: string;
  name: string;
}

function byThread(list: TComment[]): { comment: TComment; depth: number }[] {
  const children = new Map<string | null, TComment[]>();
  const ids = new Set(list.map((c) => c.id));
  for (const c of list) {
    const parent = c.parentId && ids.has(c.parentId) ? c.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), c]);
  }
  const out: { comment: TComment; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const c of children.get(parent) ?? []) {
      out.push({ comment: c, depth });
      walk(c.id, Math.min(depth + 1, 4));
    }
  };
  walk(null, 0);
  return out;
}

function CommentBody({ text }: { text: string }) {
  const parts = text.split(/(@[\p{L}\p{N}_.@-]+(?: [\p{Lu}][\p{L}]+)?)/u);
  return <>{parts.map((p, i) => (p.startsWith("@") ? <strong key={i} className="mention">{p}</strong> : <span key={i}>{p}</span>))}</>;
}

interface ComposerProps {
  projectId: string;
  stateId: string | null;
  rolloutId: string | null;
  parentId?: string | null;
  members: Member[];
  meId: string;
  placeholder: string;
  onDone?: () => void;
}

const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer({ projectId, stateId, rolloutId, parentId, members, meId, placeholder, onDone }, ref) {
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [mentions, setMentions] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const query = /(?:^|\s)@([\p{L}\p{N}_.-]*)$/u.exec(text)?.[1];
  const suggestions = query === undefined ? [] : members.filter((m) => m.id !== meId && m.name.toLowerCase().includes(query.toLowerCase())).slice(0, 5);

  const pick = (m: Member) => {
    setText((t) => t.replace(/@([\p{L}\p{N}_.-]*)$/u, `@${m.name} `));
    setMentions((ms) => (ms.includes(m.id) ? ms : [...ms, m.id]));
  };

  async function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const body = {
        body: text.trim(),
        ...(parentId ? { parentId } : stateId ? { stateId } : rolloutId ? { rolloutId } : {}),
        mentions: mentions.filter((id) => text.includes(`@${members.find((m) => m.id === id)?.name ?? "\u0000"}`)),
      };
      const res = await api<TComment>(API.comments(projectId), { body });
      const c = res.data;
      if (c) {
        const add = (l: TComment[] | undefined) => (l && !l.some((x) => x.id === c.id) ? [...l, c] : l);
        qc.setQueryData(queryKeys.comments(projectId, "recent"), add);
        if (c.stateId) qc.setQueryData(queryKeys.comments(projectId, c.stateId), add);
      }
      setText("");
      setMentions([]);
      onDone?.();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit();
    if (e.key === "Tab" && suggestions[0] && query !== undefined) {
      e.preventDefault();
      pick(suggestions[0]);
    }
    if (e.key === "Escape") (e.target as HTMLTextAreaElement).blur();
  };

  return (
    <form className="comment-form" onSubmit={submit}>
      <textarea ref={ref} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} rows={2} maxLength={4000} aria-label={placeholder} placeholder={placeholder} data-testid={parentId ? "reply-input" : "comment-input"} />
      {suggestions.length > 0 && (
        <ul className="mention-list" role="listbox" aria-label="Mention a member">
          {suggestions.map((m) => (
            <li key={m.id}>
              {/* mousedown would move focus to the option: keep it in the textarea so typing goes on after a pick */}
              <button type="button" className="linkish" role="option" aria-selected={false} onMouseDown={(e) => e.preventDefault()} onClick={() => pick(m)}>
                @{m.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
      <div className="row">
        <button type="submit" className="small-button" disabled={busy || !text.trim()} data-testid={parentId ? "reply-submit" : "comment-submit"}>
          {busy ? "Posting…" : parentId ? "Reply" : "Comment"}
        </button>
        <span className="muted small">Ctrl+Enter to post · @ to mention · Esc to leave</span>
      </div>
    </form>
  );
});

function CommentList({ list, projectId, members, meId, showTarget }: { list: TComment[]; projectId: string; members: Member[]; meId: string; showTarget?: boolean }) {
  const [replyTo, setReplyTo] = useState<string | null>(null);
  const rows = useMemo(() => (showTarget ? list.map((comment) => ({ comment, depth: 0 })) : byThread(list)), [list, showTarget]);
  return (
    <ul className="plain comments">
      {rows.map(({ comment: c, depth }) => (
        <li key={c.id} className="comment" style={{ marginLeft: `${depth * 0.9}rem` }} data-testid="comment">
          <div className="small">
            <strong>{c.author.name}</strong>
            {showTarget && c.t !== null ? <span className="muted"> on state t={c.t}</span> : null}
            <span className="muted"> · {new Date(c.createdAt).toLocaleTimeString()}</span>
          </div>
          <div className="comment-body">
            <CommentBody text={c.body} />
          </div>
          {!showTarget && (
            <button type="button" className="linkish small" onClick={() => setReplyTo(replyTo === c.id ? null : c.id)} aria-expanded={replyTo === c.id}>
              Reply
            </button>
          )}
          {replyTo === c.id && (
            <Composer projectId={projectId} stateId={c.stateId} rolloutId={c.rolloutId} parentId={c.id} members={members} meId={meId} placeholder={`Reply to ${c.author.name}`} onDone={() => setReplyTo(null)} />
          )}
        </li>
      ))}
    </ul>
  );
}

export interface CommentsPanelProps {
  projectId: string;
  stateId: string | null;
  rolloutId: string | null;
  t: number | null;
  members: Member[];
  meId: string;
  canWrite: boolean;
}

export const CommentsPanel = forwardRef<HTMLTextAreaElement, CommentsPanelProps>(function CommentsPanel({ projectId, stateId, rolloutId, t, members, meId, canWrite }, ref) {
  const thread = useComments(projectId, stateId);
  const recent = useComments(projectId, null);
  // Everything but the thread shown above (with no state open, that is everything, rollout comments included).
  const others = (recent.data ?? []).filter((c) => stateId === null || c.stateId !== stateId).slice(-5).reverse();
  return (
    <section className="panel side-panel" aria-labelledby="comments-heading" data-testid="comments">
      <h2 id="comments-heading">Comments{stateId && t !== null ? ` · state t=${t}` : ""}</h2>
      {stateId ? (
        <>
          {thread.isError ? <p className="field-error">Could not load comments.</p> : <CommentList list={thread.data ?? []} projectId={projectId} members={members} meId={meId} />}
          {thread.data?.length === 0 && <p className="muted small">No comments on this state yet.</p>}
          {canWrite && <Composer ref={ref} projectId={projectId} stateId={stateId} rolloutId={rolloutId} members={members} meId={meId} placeholder="Comment on this state" />}
        </>
      ) : (
        <p className="muted small">Comments on the state you label appear here.</p>
      )}
      <h3 className="small-heading">Recent in this project</h3>
      <div data-testid="recent-comments">
        {others.length === 0 ? <p className="muted small">Nothing yet.</p> : <CommentList list={others} projectId={projectId} members={members} meId={meId} showTarget />}
      </div>
    </section>
  );
});
