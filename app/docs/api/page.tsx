import type { Metadata } from "next";
import type { ReactNode } from "react";
import { buildOpenApiDocument, ERROR_RESPONSES, TAGS, type JsonSchema } from "@/contracts/openapi";
import { API } from "@/contracts/routes";
import styles from "./page.module.css";

export const metadata: Metadata = { title: "API reference · Corrective" };

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
}
interface Content {
  [mediaType: string]: { schema?: JsonSchema };
}
interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  security?: unknown[];
  "x-corrective-role"?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content: Content };
  responses: Record<string, { description?: string; content?: Content; $ref?: string }>;
}

/** `code` and **bold** in the document's descriptions, as elements (no HTML is ever injected). */
function Text({ children }: { children?: string }) {
  if (!children) return null;
  const parts: ReactNode[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (const m of children.matchAll(re)) {
    parts.push(children.slice(last, m.index));
    parts.push(m[1] !== undefined ? <code key={m.index}>{m[1]}</code> : <strong key={m.index}>{m[2]}</strong>);
    last = m.index + m[0].length;
  }
  parts.push(children.slice(last));
  return <>{parts}</>;
}

const refName = (ref: string) => ref.split("/").pop() ?? ref;

/** A schema reference as a link to its definition below, or a short inline description. */
function SchemaLabel({ schema }: { schema?: JsonSchema }) {
  if (!schema) return null;
  if (typeof schema.$ref === "string") return <a href={`#schema-${refName(schema.$ref)}`}>{refName(schema.$ref)}</a>;
  const data = (schema.properties as Record<string, JsonSchema> | undefined)?.data;
  if (data) {
    const items = data.items as JsonSchema | undefined;
    return (
      <>
        {"{ data: "}
        {items ? <><SchemaLabel schema={items} />[]</> : <SchemaLabel schema={data} />}
        {" }"}
      </>
    );
  }
  return <code>{String(schema.contentMediaType ?? schema.type ?? "any")}</code>;
}

/** Media types with their schema; with `schemas`, a referenced schema is also shown in full (request bodies). */
function ContentList({ content, schemas }: { content?: Content; schemas?: Record<string, JsonSchema> }) {
  if (!content) return null;
  return (
    <>
      {Object.entries(content).map(([type, c]) => {
        const ref = typeof c.schema?.$ref === "string" ? refName(c.schema.$ref) : undefined;
        const full = ref && schemas ? schemas[ref] : undefined;
        return (
          <div key={type}>
            <code>{type}</code> <SchemaLabel schema={c.schema} />
            {full && <pre className={styles.inlineSchema}>{JSON.stringify(full, null, 2)}</pre>}
          </div>
        );
      })}
    </>
  );
}

function OperationCard({ method, path, op, errorNames, schemas }: { method: string; path: string; op: Operation; errorNames: Map<string, string>; schemas: Record<string, JsonSchema> }) {
  const role = op["x-corrective-role"];
  return (
    <section className={`panel ${styles.operation}`} id={op.operationId}>
      <h3 className={styles.opTitle}>
        <span className={`${styles.method} ${styles[method] ?? ""}`}>{method.toUpperCase()}</span>
        <code className={styles.path}>{path}</code>
      </h3>
      <p className={styles.summary}>{op.summary}</p>
      {op.description?.split("\n\n").map((para, i) => (
        <p key={i} className="muted">
          <Text>{para}</Text>
        </p>
      ))}
      <p className="row">
        {op.security?.length === 0 ? <span className="badge">public</span> : <span className="badge">token or session</span>}
        {role && <span className="badge">role: {role}</span>}
      </p>
      {op.parameters && op.parameters.length > 0 && (
        <>
          <h4>Parameters</h4>
          <table>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}-${p.name}`}>
                  <td><code>{p.name}</code></td>
                  <td>{p.in}{p.required ? ", required" : ""}</td>
                  <td><code>{JSON.stringify(p.schema)}</code></td>
                  <td><Text>{p.description}</Text></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {op.requestBody && (
        <>
          <h4>Request body{op.requestBody.required ? "" : " (optional)"}</h4>
          <p className="muted"><Text>{op.requestBody.description}</Text></p>
          <ContentList content={op.requestBody.content} schemas={schemas} />
        </>
      )}
      <h4>Responses</h4>
      <table>
        <tbody>
          {Object.entries(op.responses).map(([status, r]) => (
            <tr key={status}>
              <td className={styles.status}>{status}</td>
              <td>{r.$ref ? <><a href="#errors">{errorNames.get(refName(r.$ref)) ?? refName(r.$ref)}</a> (error envelope)</> : <Text>{r.description}</Text>}</td>
              <td><ContentList content={r.content} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export default function ApiDocsPage() {
  const doc = buildOpenApiDocument();
  const paths = doc.paths as Record<string, Record<string, Operation>>;
  const schemas = (doc.components as { schemas: Record<string, JsonSchema> }).schemas;
  const operations = Object.entries(paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));
  const errorNames = new Map(Object.values(ERROR_RESPONSES).map((e) => [e.name as string, e.code as string]));
  const info = doc.info as { title: string; version: string; description: string };

  return (
    <article className={styles.docs}>
      <h1>{info.title}</h1>
      <p><Text>{info.description}</Text></p>
      <p>
        The machine-readable description is <a href={API.openApi}>{API.openApi}</a> (OpenAPI 3.1, generated from the same zod schemas the
        server validates with). For scripts there is a CLI: <code>npm run corrective -- --help</code>; see <code>docs/API.md</code> in the repository.
      </p>

      <nav className={`panel ${styles.toc}`} aria-label="Operations">
        {TAGS.map((tag) => (
          <div key={tag.name}>
            <a href={`#tag-${tag.name}`}><strong>{tag.name}</strong></a>
            <ul>
              {operations.filter((o) => o.op.tags[0] === tag.name).map((o) => (
                <li key={o.op.operationId}>
                  <a href={`#${o.op.operationId}`}><span className={styles.tocMethod}>{o.method.toUpperCase()}</span> {o.path}</a>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>

      <h2 id="auth">Authentication</h2>
      <p>
        Send <code>Authorization: Bearer crv_…</code> with an API token from <code>POST {API.login}</code> (email and password) or{" "}
        <code>POST {API.tokens}</code>. In the browser the next-auth session cookie works too. Projects you are not a member of answer 404.
      </p>

      <h2 id="errors">Errors</h2>
      <p>
        Every failure has the body <code>{'{ "error": { "code", "message", "fieldErrors"? } }'}</code>; <code>fieldErrors</code> maps a field&apos;s
        dotted path to its messages.
      </p>
      <table>
        <thead>
          <tr><th>Status</th><th>Code</th><th>Meaning</th></tr>
        </thead>
        <tbody>
          {Object.entries(ERROR_RESPONSES).map(([status, e]) => (
            <tr key={status}>
              <td className={styles.status}>{status}</td>
              <td><code>{e.code}</code></td>
              <td><Text>{e.description}</Text></td>
            </tr>
          ))}
        </tbody>
      </table>

      {TAGS.map((tag) => (
        <div key={tag.name}>
          <h2 id={`tag-${tag.name}`}>{tag.name}</h2>
          <p className="muted">{tag.description}</p>
          {operations.filter((o) => o.op.tags[0] === tag.name).map((o) => (
            <OperationCard key={o.op.operationId} method={o.method} path={o.path} op={o.op} errorNames={errorNames} schemas={schemas} />
          ))}
        </div>
      ))}

      <h2 id="schemas">Schemas</h2>
      {Object.entries(schemas).map(([name, schema]) => (
        <details key={name} id={`schema-${name}`} className={styles.schema}>
          <summary><code>{name}</code>{typeof schema.description === "string" ? ` — ${schema.description}` : ""}</summary>
          <pre>{JSON.stringify(schema, null, 2)}</pre>
        </details>
      ))}
    </article>
  );
}
