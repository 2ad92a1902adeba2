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

describe("lint rule: the layers below the server cannot reach up", () => {
  const restricted = async (code: string, filePath: string) => {
    const eslint = new ESLint({ cwd: process.cwd() });
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
  };

  it("flags a planted trainer/ import of server/, db/ or app/", async () => {
    const messages = await restricted(
      `import { getContext } from "../server/context";\nimport { users } from "@/db/schema";\nimport { api } from "../app/_components/api-client";\nexport const x = [getContext, users, api];\n`,
      "trainer/fixture.ts",
    );
    expect(messages).toHaveLength(3);
    expect(messages[0]).toContain("trainer/ may import only envs/ and contracts/");
  });

  it("flags a planted db/ import of server/ or app/, and allows contracts/", async () => {
    const messages = await restricted(`import { AppError } from "../server/errors";\nimport { PAGES } from "@/app/x";\nexport const x = [AppError, PAGES];\n`, "db/fixture.ts");
    expect(messages).toHaveLength(2);
    expect(await restricted(`import { ROUND_STATUSES } from "../contracts/rounds";\nexport const x = ROUND_STATUSES;\n`, "db/fixture.ts")).toEqual([]);
    expect(await restricted(`import { ENVS } from "../envs/index";\nexport const x = ENVS;\n`, "trainer/fixture.ts")).toEqual([]);
  });

  it("flags a planted contracts/ import of the trainer, the server, the database or the pages, and allows contracts/", async () => {
    const messages = await restricted(
      `import { actionDim } from "../trainer/policy/spec";\nimport { AppError } from "@/server/errors";\nimport { users } from "../db/schema";\nimport { PAGES } from "@/app/x";\nexport const x = [actionDim, AppError, users, PAGES];\n`,
      "contracts/fixture.ts",
    );
    expect(messages).toHaveLength(4);
    expect(messages[0]).toContain("they import only each other");
    expect(await restricted(`import { ZSpace } from "./spaces";\nexport const x = ZSpace;\n`, "contracts/fixture.ts")).toEqual([]);
  });
});
