/**
 * The layer rules in biome.json, shown failing: files that break them are linted in a copy
 * of the project's Biome config, so the real tree is never touched.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const PROJECT_ROOT = path.resolve(import.meta.dirname, "../..");
const BIOME = path.join(PROJECT_ROOT, "node_modules", ".bin", "biome");
const copies: string[] = [];

afterAll(() => {
  for (const copy of copies) rmSync(copy, { recursive: true, force: true });
});

/** The diagnostics Biome gives `source` at `file` (a path inside the project), by category. */
function lint(file: string, source: string): string[] {
  const copy = mkdtempSync(path.join(tmpdir(), "condor-layers-"));
  copies.push(copy);
  cpSync(path.join(PROJECT_ROOT, "biome.json"), path.join(copy, "biome.json"));
  cpSync(path.join(PROJECT_ROOT, "scripts", "biome"), path.join(copy, "scripts", "biome"), { recursive: true });
  mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
  writeFileSync(path.join(copy, file), source);
  const result = spawnSync(BIOME, ["lint", "--vcs-enabled=false", "--reporter=json", file], {
    cwd: copy,
    encoding: "utf8",
  });
  const report: { diagnostics: { category: string; location: { path: string | null } }[] } = JSON.parse(result.stdout);
  return report.diagnostics.filter((d) => d.location.path === file).map((d) => d.category);
}

const RESTRICTED = "lint/style/noRestrictedImports";

describe("the client", () => {
  it("may import types from core and the worker, and constants from core/protocol-constants", () => {
    const source = [
      'import type { WireMessage } from "../../core/protocol";',
      'import { MAX_MESSAGE_LENGTH } from "../../core/protocol-constants";',
      'import type { AppType } from "../../worker/index";',
      "export type Used = [WireMessage, AppType];",
      "export const limit = MAX_MESSAGE_LENGTH;",
      "",
    ].join("\n");
    expect(lint("client/lib/probe.ts", source)).toEqual([]);
  });

  it("may not import a value from core or the worker", () => {
    expect(lint("client/lib/probe.ts", 'import { parseFrame } from "../../core/protocol";\nparseFrame("");\n')).toEqual(
      ["plugin"],
    );
    expect(lint("client/lib/probe.ts", 'import app from "../../worker/index";\nexport const a = app;\n')).toEqual([
      "plugin",
    ]);
  });

  it("may not import the objects or the database, not even their types", () => {
    expect(
      lint("client/lib/probe.ts", 'import type { Room } from "../../durable/room";\nexport type R = Room;\n'),
    ).toEqual([RESTRICTED]);
    expect(
      lint("client/lib/probe.ts", 'import type { UserRow } from "../../core/db/schema";\nexport type U = UserRow;\n'),
    ).toEqual([RESTRICTED]);
  });
});

describe("the objects", () => {
  it("may import core but never the worker", () => {
    expect(lint("durable/probe.ts", 'import { dmKey } from "../core/db/dm-key";\nexport const k = dmKey;\n')).toEqual(
      [],
    );
    expect(
      lint("durable/probe.ts", 'import type { AppType } from "../worker/index";\nexport type A = AppType;\n'),
    ).toEqual([RESTRICTED]);
  });
});

describe("the core", () => {
  it("imports neither the worker nor the objects", () => {
    expect(
      lint("core/probe.ts", 'import type { AppType } from "../worker/index";\nexport type A = AppType;\n'),
    ).toEqual([RESTRICTED]);
    expect(
      lint(
        "core/presence/probe.ts",
        'import type { Presence } from "../../durable/presence";\nexport type P = Presence;\n',
      ),
    ).toEqual([RESTRICTED]);
  });
});
