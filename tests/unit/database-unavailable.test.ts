/** Which errors mean "the database is away" (→ 503 with a clear message) rather than a bug (→ 500). */
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, toAppError } from "../../server/errors";

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe("isDatabaseUnavailable", () => {
  it("recognises pg's connection errors by code and by message", () => {
    expect(isDatabaseUnavailable(withCode("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Client has encountered a connection error and is not queryable"))).toBe(true);
    expect(isDatabaseUnavailable(withCode("terminating connection due to administrator command", "57P01"))).toBe(true);
  });

  it("looks through drizzle's 'Failed query' wrapper and AggregateError to the connection error", () => {
    const wrapped = new Error('Failed query: select "id" from "projects"', { cause: new Error("Connection terminated unexpectedly") });
    expect(isDatabaseUnavailable(wrapped)).toBe(true);
    const refused = new Error("Failed query: rollback", { cause: new AggregateError([withCode("connect ECONNREFUSED ::1:5432", "ECONNREFUSED")]) });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(toAppError(refused)).toMatchObject({ code: "UNAVAILABLE", message: "The database is unavailable; try again shortly" });
  });

  it("leaves real bugs and SQL errors alone", () => {
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("Failed query: insert", { cause: withCode('duplicate key value violates unique constraint "labels_pkey"', "23505") }))).toBe(false);
    expect(isDatabaseUnavailable("ECONNREFUSED")).toBe(false);
  });
});
