/**
 * core/db/schema.ts against the database migrations/ makes: drizzle-kit's snapshots say
 * the schema and the migrations agree, and this says the snapshots of 0001 and 0002 (made
 * from the schema, not from the SQL) describe what those files really create.
 */
import { env } from "cloudflare:test";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../../core/db/schema";

const tables = Object.values(schema as Record<string, unknown>).filter((value): value is SQLiteTable =>
  is(value, SQLiteTable),
);

async function pragma<T>(name: string, table: string): Promise<T[]> {
  return (await env.DB.prepare(`SELECT * FROM pragma_${name}(?)`).bind(table).all<T>()).results;
}

type Column = { name: string; type: string; notnull: number; dflt_value: string | null; pk: number };
type Index = { name: string; unique: number; origin: "c" | "u" | "pk"; partial: number };
type ForeignKey = { table: string; from: string; to: string; on_delete: string };

describe("the Drizzle schema", () => {
  it("has every table the migrations make, and no other", async () => {
    const { results } = await env.DB.prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*' AND name <> 'd1_migrations'",
    ).all<{ name: string }>();
    expect(tables.map((table) => getTableConfig(table).name).sort()).toEqual(results.map((row) => row.name).sort());
  });

  for (const table of tables) {
    const config = getTableConfig(table);
    const primaryKey = config.primaryKeys[0]?.columns.map((column) => column.name) ?? [];

    it(`gives ${config.name} the columns the migrations give it`, async () => {
      const columns = await pragma<Column>("table_info", config.name);
      const described = config.columns.map((column) => ({
        name: column.name,
        // The declared type's first word: "text COLLATE NOCASE" is text, as the pragma says.
        type: column.getSQLType().split(" ")[0]!.toUpperCase(),
        // A primary key column cannot be null, whether or not its SQL says NOT NULL.
        notNull: column.notNull,
        hasDefault: column.default !== undefined,
        primaryKey: column.primary || primaryKey.includes(column.name),
      }));
      const made = columns.map((column) => ({
        name: column.name,
        type: column.type.toUpperCase(),
        notNull: column.notnull === 1 || column.pk > 0,
        hasDefault: column.dflt_value !== null,
        primaryKey: column.pk > 0,
      }));
      expect(described).toEqual(made);
    });

    it(`gives ${config.name} the indexes and references the migrations give it`, async () => {
      const indexes = await pragma<Index>("index_list", config.name);
      // What CREATE INDEX made, by name; what a UNIQUE in a column made (drizzle-kit names
      // those <table>_<column>_unique), by count.
      expect(config.indexes.map((index) => index.config.name).sort()).toEqual(
        indexes
          .filter((index) => index.origin === "c")
          .map((index) => index.name)
          .sort(),
      );
      expect(config.columns.filter((column) => column.isUnique).length).toBe(
        indexes.filter((index) => index.origin === "u").length,
      );
      const foreignKeys = await pragma<ForeignKey>("foreign_key_list", config.name);
      const described = config.foreignKeys.map((key) => {
        const reference = key.reference();
        return {
          from: reference.columns.map((column) => column.name).join(),
          table: getTableConfig(reference.foreignTable).name,
          to: reference.foreignColumns.map((column) => column.name).join(),
          onDelete: (key.onDelete ?? "no action").toUpperCase(),
        };
      });
      const made = foreignKeys.map((key) => ({
        from: key.from,
        table: key.table,
        to: key.to,
        onDelete: key.on_delete,
      }));
      const byColumn = (a: { from: string }, b: { from: string }) => a.from.localeCompare(b.from);
      expect(described.sort(byColumn)).toEqual(made.sort(byColumn));
    });
  }
});
