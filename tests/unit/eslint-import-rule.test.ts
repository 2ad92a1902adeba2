import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const lint = async (code: string, filePath = "app/example/Widget.tsx") => {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === "corrective/no-server-in-client").map((m) => m.message);
};

describe("lint rule: client components cannot import server/ or db/", () => {
  it("flags server and db imports in a 'use client' file, by alias or relative path", async () => {
    const messages = await lint(`"use client";\nimport { getContext } from "@/server/context";\nimport { users } from "../../db/schema";\nimport fs from "node:fs";\nexport const x = [getContext, users, fs];\n`);
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain("@/server/context");
  });

  it("allows the same imports in a server component and contracts in a client component", async () => {
    expect(await lint(`import { getContext } from "@/server/context";\nexport const x = getContext;\n`)).toEqual([]);
    expect(await lint(`"use client";\nimport { API } from "@/contracts/routes";\nexport const x = API;\n`)).toEqual([]);
  });
});
