"use client";

/**
 * The lead's dataset browser: versions (counts per round and source, checksum), one version's sources per
 * round and action histogram, its samples page by page, the diff of two versions, export (JSONL and a
 * LeRobot v3.0 .tar through the export route) and import of a file into this project.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import type { TDatasetDiff, TDatasetFormat, TDatasetImportResult, TDatasetSamplePage, TDatasetVersionDetail, TDatasetVersionSummary } from "@/contracts/datasets";
import { ApiError, apiData, errorMessage } from "@/app/_components/api-client";
import { isTyping } from "@/app/_components/control/actions";
import { EnvCanvas } from "@/app/_components/EnvCanvas";
import { fmtAction, fmtDate, fmtInt, shortHash } from "@/app/_components/lead/format";
import { Histogram } from "@/app/_components/lead/Histogram";
import { leadKeys } from "@/app/_components/lead/queries";
import { LoadError, Loading } from "@/app/_components/lead/QueryState";
import { uploadFile } from "@/app/_components/lead/upload";
import type { LeadProject } from "@/app/_components/lead/types";
import "@/app/_components/workspace.css";
import "@/app/_components/lead/lead.css";
import { API, diffUrl, exportUrl, importUrl, withQuery } from "@/contracts/routes";

const PAGE = 20;

const counts = (c: Record<string, number>) =>
  Object.keys(c).length === 0
    ? "—"
    : Object.entries(c)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([s, n]) => `${s} ${n}`)
        .join(" · ");

export function DatasetsBrowser({ project }: { project: LeadProject }) {
  const p = project.id;
  const versions = useQuery({ queryKey: leadKeys.datasets(p), queryFn: () => apiData<TDatasetVersionSummary[]>(API.datasets(p)) });
  const [selected, setSelected] = useState<number | null>(null);
  const list = versions.data ?? [];
  const current = selected ?? list.at(-1)?.version ?? null;

  return (
    <div className="stack-gap">
      <section className="panel" aria-labelledby="versions-h">
        <h2 id="versions-h" style={{ marginTop: 0 }}>Versions</h2>
        {versions.isPending && <Loading what="dataset versions" />}
        {versions.isError && <LoadError what="dataset versions" error={versions.error} retry={() => void versions.refetch()} />}
        {versions.isSuccess && list.length === 0 && (
          <div className="empty" data-testid="datasets-empty">
            No dataset yet. Round 0 (demonstrations) creates version 0 — or import a file below.
          </div>
        )}
        {list.length > 0 && (
          <div className="table-scroll">
            <table data-testid="dataset-versions">
              <thead>
                <tr>
                  <th>Version</th><th>Round</th><th>Samples</th><th>Added</th><th>By source (total)</th><th>Checksum</th><th>Created</th><th>Export</th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v.version} data-testid="dataset-version-row" data-version={v.version} data-samples={v.sampleCount} aria-selected={v.version === current} className={v.version === current ? "selected" : undefined}>
                    <td>
                      <button type="button" className="link-button" onClick={() => setSelected(v.version)} aria-label={`Browse version ${v.version}`}>
                        v{v.version}
                      </button>
                      {v.imported && <span className="badge" style={{ marginLeft: ".4rem" }}>imported</span>}
                    </td>
                    <td>{v.roundIndex ?? "—"}</td>
                    <td>{fmtInt(v.sampleCount)}</td>
                    <td title={counts(v.addedBySource)}>+{fmtInt(v.addedCount)}</td>
                    <td className="small">{counts(v.bySource)}</td>
                    <td><code title={v.checksum}>{shortHash(v.checksum)}</code></td>
                    <td className="small">{fmtDate(v.createdAt)}</td>
                    <td className="small nowrap">
                      <a href={exportUrl(p, v.version, "jsonl")} download data-testid={`export-jsonl-${v.version}`}>JSONL</a>
                      {" · "}
                      <a href={exportUrl(p, v.version, "lerobot")} download data-testid={`export-lerobot-${v.version}`}>LeRobot</a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {current !== null && <VersionDetail key={current} project={project} version={current} />}
      {list.length >= 2 && <DiffPanel projectId={p} versions={list} />}
      <ImportPanel projectId={p} hasData={list.length > 0} />
    </div>
  );
}

function VersionDetail({ project, version }: { project: LeadProject; version: number }) {
  const p = project.id;
  const detail = useQuery({ queryKey: leadKeys.dataset(p, version), queryFn: () => apiData<TDatasetVersionDetail>(API.dataset(p, version)) });
  const byVersion = detail.data?.byVersion ?? [];
  const sources = [...new Set(byVersion.map((r) => r.source))].sort();
  const rows = [...new Set(byVersion.map((r) => r.version))];
  return (
    <section className="panel" aria-labelledby="detail-h" data-testid="dataset-detail" data-version={version}>
      <h2 id="detail-h" style={{ marginTop: 0 }}>Version {version}</h2>
      {detail.isPending && <Loading what={`version ${version}`} />}
      {detail.isError && <LoadError what={`version ${version}`} error={detail.error} retry={() => void detail.refetch()} />}
      {detail.data && (
        <>
          <p className="small muted">
            {fmtInt(detail.data.sampleCount)} samples in {fmtInt(detail.data.episodes)} episodes · checksum <code data-testid="dataset-checksum">{detail.data.checksum}</code>
          </p>
          <div className="row" style={{ alignItems: "flex-start", gap: "2rem" }}>
            <div>
              <h3 className="small-heading">Samples per round and source</h3>
              <table className="compact" data-testid="dataset-by-version">
                <thead>
                  <tr><th>Version</th>{sources.map((s) => <th key={s}>{s}</th>)}</tr>
                </thead>
                <tbody>
                  {rows.map((v) => (
                    <tr key={v}>
                      <td>v{v}</td>
                      {sources.map((s) => <td key={s}>{fmtInt(byVersion.find((r) => r.version === v && r.source === s)?.count ?? 0)}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div>
              <h3 className="small-heading">Actions</h3>
              <Histogram histogram={detail.data.histogram} testId="dataset-histogram" />
            </div>
          </div>
          <SampleBrowser project={project} version={version} sources={Object.keys(detail.data.bySource).sort()} />
        </>
      )}
    </section>
  );
}

function SampleBrowser({ project, version, sources }: { project: LeadProject; version: number; sources: string[] }) {
  const p = project.id;
  const [offset, setOffset] = useState(0);
  const [source, setSource] = useState("");
  const [picked, setPicked] = useState<number | null>(null);
  const page = useQuery({
    queryKey: leadKeys.samples(p, version, offset, source),
    queryFn: () => apiData<TDatasetSamplePage>(withQuery(API.datasetSamples(p, version), { offset, limit: PAGE, source })),
    placeholderData: keepPreviousData,
  });
  const total = page.data?.total ?? 0;
  const canPrev = offset > 0;
  const canNext = offset + PAGE < total;
  const sample = page.data?.samples.find((s) => s.id === picked) ?? page.data?.samples[0] ?? null;

  const pageRef = useRef({ canPrev, canNext });
  pageRef.current = { canPrev, canNext };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === "[" && pageRef.current.canPrev) setOffset((o) => Math.max(0, o - PAGE));
      if (e.key === "]" && pageRef.current.canNext) setOffset((o) => o + PAGE);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div data-testid="samples">
      <div className="row" style={{ marginTop: "1rem" }}>
        <h3 className="small-heading" style={{ margin: 0 }}>Samples</h3>
        <label className="inline">
          Source
          <select value={source} onChange={(e) => { setSource(e.target.value); setOffset(0); }} data-testid="samples-source">
            <option value="">all</option>
            {sources.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <span className="spacer" />
        <span className="small muted" data-testid="samples-range">
          {total === 0 ? "none" : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${fmtInt(total)}`}
        </span>
        <button type="button" className="secondary" disabled={!canPrev} onClick={() => setOffset((o) => Math.max(0, o - PAGE))} aria-keyshortcuts="[" data-testid="samples-prev">
          ← Previous
        </button>
        <button type="button" className="secondary" disabled={!canNext} onClick={() => setOffset((o) => o + PAGE)} aria-keyshortcuts="]" data-testid="samples-next">
          Next →
        </button>
      </div>
      <p className="small muted">Oldest first. <kbd>[</kbd> / <kbd>]</kbd> page through.</p>
      {page.isPending && <Loading what="samples" />}
      {page.isError && <LoadError what="samples" error={page.error} retry={() => void page.refetch()} />}
      {page.data && page.data.samples.length === 0 && <div className="empty">No samples{source ? ` from ${source}` : ""} in this version.</div>}
      {page.data && page.data.samples.length > 0 && (
        <div className="row" style={{ alignItems: "flex-start" }}>
          <div className="table-scroll grow">
            <table className="compact" data-testid="samples-table" style={{ opacity: page.isPlaceholderData ? 0.6 : 1 }}>
              <thead>
                <tr><th>#</th><th>Version</th><th>Source</th><th>Episode</th><th>Frame</th><th>Action</th><th>Observation</th></tr>
              </thead>
              <tbody>
                {page.data.samples.map((s, i) => (
                  <tr key={s.id} className={s.id === sample?.id ? "selected" : undefined} onClick={() => setPicked(s.id)} data-testid="sample-row">
                    <td>{offset + i + 1}</td>
                    <td>v{s.version}</td>
                    <td>{s.source}</td>
                    <td>{s.episode}</td>
                    <td>{s.frameIndex}</td>
                    <td><code>{fmtAction(s.action)}</code></td>
                    <td className="small"><code>{s.observation.slice(0, 4).map((x) => x.toFixed(2)).join(", ")}{s.observation.length > 4 ? ", …" : ""}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {sample && (
            <div className="sample-side">
              <EnvCanvas envId={null} state={null} observation={sample.observation} label={`Observation of sample ${sample.id}`} width={280} height={160} />
              <p className="small">
                Action <code>{fmtAction(sample.action)}</code> · {sample.source} · episode {sample.episode}, frame {sample.frameIndex}
              </p>
              {sample.stateId && <MarkGoldButton key={sample.stateId} projectId={project.id} stateId={sample.stateId} action={sample.action} />}
            </div>
          )}
        </div>
      )}
    </div>
  );
}

/** Makes the sample's state gold with the sample's action as its answer. */
function MarkGoldButton({ projectId, stateId, action }: { projectId: string; stateId: string; action: number | number[] }) {
  const qc = useQueryClient();
  const mark = useMutation({
    mutationFn: () => apiData(API.gold(projectId), { body: { stateId, action } }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: leadKeys.quality(projectId) }),
  });
  return (
    <div className="small">
      <button type="button" className="secondary" disabled={mark.isPending || mark.isSuccess} onClick={() => mark.mutate()} data-testid="mark-gold">
        {mark.isSuccess ? "Gold ✓" : mark.isPending ? "Marking…" : "Mark state as gold with this action"}
      </button>
      {mark.isError && <div className="field-error">{errorMessage(mark.error)}</div>}
    </div>
  );
}

function DiffPanel({ projectId, versions }: { projectId: string; versions: TDatasetVersionSummary[] }) {
  const [from, setFrom] = useState(versions[0]!.version);
  const [to, setTo] = useState(versions.at(-1)!.version);
  const [asked, setAsked] = useState<{ from: number; to: number } | null>(null);
  const diff = useQuery({
    queryKey: leadKeys.diff(projectId, asked?.from ?? -1, asked?.to ?? -1),
    queryFn: () => apiData<TDatasetDiff>(diffUrl(projectId, asked!.from, asked!.to)),
    enabled: asked !== null,
  });
  const invalid = from >= to;
  return (
    <section className="panel" aria-labelledby="diff-h">
      <h2 id="diff-h" style={{ marginTop: 0 }}>Compare two versions</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (!invalid) setAsked({ from, to });
        }}
      >
        <label className="inline">
          From
          <select value={from} onChange={(e) => setFrom(Number(e.target.value))} data-testid="diff-from">
            {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
          </select>
        </label>
        <label className="inline">
          To
          <select value={to} onChange={(e) => setTo(Number(e.target.value))} data-testid="diff-to">
            {versions.map((v) => <option key={v.version} value={v.version}>v{v.version}</option>)}
          </select>
        </label>
        <button type="submit" disabled={invalid} data-testid="diff-run">Diff</button>
        {invalid && <span className="field-error">“From” must be an older version than “To”.</span>}
      </form>
      {diff.isFetching && !diff.data && <Loading what="the difference" />}
      {diff.isError && <LoadError what="the difference" error={diff.error} retry={() => void diff.refetch()} />}
      {diff.data && (
        <div data-testid="dataset-diff" data-added={diff.data.added} data-from={diff.data.from.version} data-to={diff.data.to.version}>
          <p>
            v{diff.data.to.version} adds <strong>{fmtInt(diff.data.added)}</strong> samples to v{diff.data.from.version} ({fmtInt(diff.data.from.sampleCount)} → {fmtInt(diff.data.to.sampleCount)}).
            Versions are append-only, so nothing was removed.
          </p>
          <div className="row" style={{ alignItems: "flex-start", gap: "2rem" }}>
            <table className="compact" style={{ width: "auto" }}>
              <thead><tr><th>Added by source</th><th /></tr></thead>
              <tbody>
                {Object.entries(diff.data.addedBySource).map(([s, n]) => <tr key={s}><td>{s}</td><td>+{fmtInt(n)}</td></tr>)}
                {diff.data.addedByVersion.map((v) => <tr key={`v${v.version}`} className="muted"><td>in v{v.version}</td><td>+{fmtInt(v.count)}</td></tr>)}
              </tbody>
            </table>
            <Histogram histogram={diff.data.histogramFrom} title={`v${diff.data.from.version} actions`} testId="diff-histogram-from" />
            <Histogram histogram={diff.data.histogramTo} compare={diff.data.histogramFrom} title={`v${diff.data.to.version} actions (dashed: v${diff.data.from.version})`} testId="diff-histogram-to" />
          </div>
        </div>
      )}
    </section>
  );
}

function ImportPanel({ projectId, hasData }: { projectId: string; hasData: boolean }) {
  const qc = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<TDatasetFormat>("jsonl");
  const [progress, setProgress] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: (f: File) => {
      setProgress(0);
      return uploadFile<TDatasetImportResult>(importUrl(projectId, format), f, format === "jsonl" ? "application/x-ndjson" : "application/x-tar", setProgress);
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: leadKeys.datasets(projectId) });
      setFile(null);
      if (input.current) input.current.value = "";
    },
  });

  function pick(f: File | null) {
    setFile(f);
    upload.reset();
    if (f) setFormat(/\.jsonl$|\.ndjson$/i.test(f.name) ? "jsonl" : /\.tar$/i.test(f.name) ? "lerobot" : format);
  }
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (file && !upload.isPending) upload.mutate(file);
  }
  const err = upload.error;
  return (
    <section className="panel" aria-labelledby="import-h">
      <h2 id="import-h" style={{ marginTop: 0 }}>Import demonstrations</h2>
      <p className="small muted">
        A JSONL file (one <code>{"{observation, action, source?, episode_index?, frame_index?}"}</code> per line, as exported) or a LeRobot dataset packed as a <code>.tar</code> (v3.0 as exported, or v2.1 with one Parquet file per episode).
        The whole file is checked against this project&apos;s spaces first; on any error nothing is imported. The samples become a new dataset version and a training round starts.
        {hasData ? " They are added on top of the current dataset." : ""}
      </p>
      <form className="row" onSubmit={onSubmit} data-testid="import-form">
        <label className="inline">
          File
          <input ref={input} type="file" accept=".jsonl,.ndjson,.tar,application/x-ndjson,application/x-tar" onChange={(e) => pick(e.target.files?.[0] ?? null)} data-testid="import-file" />
        </label>
        <label className="inline">
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as TDatasetFormat)} data-testid="import-format">
            <option value="jsonl">JSONL</option>
            <option value="lerobot">LeRobot (.tar)</option>
          </select>
        </label>
        <button type="submit" disabled={!file || upload.isPending} data-testid="import-submit">
          {upload.isPending ? "Importing…" : "Import"}
        </button>
      </form>
      {upload.isPending && (
        <div role="status" data-testid="import-progress" style={{ marginTop: ".75rem" }}>
          <div className="progress"><div className="progress-fill" style={{ width: `${Math.round(progress * 100)}%` }} /></div>
          <span className="small muted">{progress < 1 ? `Uploading ${file?.name ?? ""}… ${Math.round(progress * 100)}%` : "Validating and storing…"}</span>
        </div>
      )}
      {upload.isError && (
        <div className="alert error" role="alert" data-testid="import-error" style={{ marginTop: ".75rem" }}>
          <strong>Import refused</strong>
          {err instanceof ApiError && err.status ? ` (${err.status})` : ""}: {errorMessage(err)}
          <div className="small">Nothing was imported.</div>
        </div>
      )}
      {upload.isSuccess && upload.data && (
        <div className="alert ok" role="status" data-testid="import-ok" data-version={upload.data.version} data-samples={upload.data.samples} style={{ marginTop: ".75rem" }}>
          Imported {fmtInt(upload.data.samples)} samples in {fmtInt(upload.data.episodes)} episodes as version {upload.data.version} (round {upload.data.roundIndex} is training) · checksum <code>{shortHash(upload.data.checksum)}</code>
        </div>
      )}
    </section>
  );
}
