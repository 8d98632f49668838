import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ownerQuery } from "@/tests/helpers/db";

/**
 * prisma/schema.prisma mirrors the hand-written migrations (prisma migrate is not used, see
 * prisma.config.ts), so nothing but this test notices when the two drift apart. Every model
 * is compared with the table the migrations created in this run's database: the table
 * exists, each scalar field is a column of the matching type and nullability, each column of
 * the table is a field (the mirror is complete), a field has a default exactly when the
 * column does, and the primary key is the same columns in the same order; and every table
 * has a model. Not compared: CHECK constraints, foreign keys, secondary indexes, policies
 * (the schema's doc comments name them; the migrations are their truth).
 */
interface Field {
  name: string;
  column: string;
  type: string;
  list: boolean;
  optional: boolean;
  hasDefault: boolean;
  dbType: string | null;
}
interface Model {
  name: string;
  table: string;
  fields: Field[];
  primaryKey: string[];
}

function parseSchema(text: string): { models: Model[]; enums: Set<string> } {
  const enums = new Set([...text.matchAll(/^enum (\w+) \{/gm)].map((m) => m[1]!));
  const modelNames = new Set([...text.matchAll(/^model (\w+) \{/gm)].map((m) => m[1]!));
  const models: Model[] = [];
  for (const block of text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const [, name, body] = block as unknown as [string, string, string];
    const lines = body
      .split("\n")
      .map((l) => l.replace(/\s+\/\/.*$/, "").trim())
      .filter((l) => l !== "" && !l.startsWith("//"));
    const fields: Field[] = [];
    let table = name;
    let compositeId: string[] | null = null;
    for (const line of lines) {
      if (line.startsWith("@@map(")) table = /@@map\("([^"]+)"\)/.exec(line)![1]!;
      else if (line.startsWith("@@id(")) compositeId = /@@id\(\[([^\]]+)\]/.exec(line)![1]!.split(",").map((f) => f.trim());
      if (line.startsWith("@@")) continue;
      const m = /^(\w+)\s+(Unsupported\("[^"]+"\)|\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) throw new Error(`schema-mirror: cannot read the line "${line}" of model ${name}`);
      const [, fieldName, type, list, optional, attrs] = m as unknown as [string, string, string, string | undefined, string | undefined, string];
      if (modelNames.has(type)) continue; // a relation field, not a column
      fields.push({
        name: fieldName,
        column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? fieldName,
        type,
        list: list !== undefined,
        optional: optional !== undefined,
        hasDefault: attrs.includes("@default(") || attrs.includes("@updatedAt"),
        dbType: /@db\.(\w+)/.exec(attrs)?.[1] ?? null,
      });
      if (/(^|\s)@id(\s|$)/.test(attrs)) compositeId = [fieldName];
    }
    const byName = new Map(fields.map((f) => [f.name, f.column]));
    models.push({ name, table, fields, primaryKey: (compositeId ?? []).map((f) => byName.get(f) ?? f) });
  }
  return { models, enums };
}

/** What information_schema calls the column a field maps to (udt_name, so arrays and enums are exact). */
function expectedUdt(field: Field, enums: Set<string>): string {
  const scalar = (() => {
    if (field.type.startsWith("Unsupported(")) return /Unsupported\("([^"]+)"\)/.exec(field.type)![1]!;
    if (enums.has(field.type)) return field.type;
    switch (field.type) {
      case "String":
        return field.dbType === "Uuid" ? "uuid" : "text";
      case "Int":
        return field.dbType === "SmallInt" ? "int2" : "int4";
      case "BigInt":
        return "int8";
      case "Boolean":
        return "bool";
      case "Float":
        return "float8";
      case "DateTime":
        return field.dbType === "Date" ? "date" : field.dbType === "Timestamptz" ? "timestamptz" : "timestamp";
      case "Json":
        return "jsonb";
      case "Bytes":
        return "bytea";
      default:
        throw new Error(`schema-mirror: no PostgreSQL type known for ${field.type}`);
    }
  })();
  return field.list ? `_${scalar}` : scalar;
}

/** Tables the schema deliberately leaves out: the record of applied migrations (lib/db/migrate.ts). */
const RAW_SQL_ONLY = ["_prisma_migrations"];

const schema = parseSchema(readFileSync(path.resolve("prisma/schema.prisma"), "utf8"));

interface ColumnRow {
  table_name: string;
  column_name: string;
  udt_name: string;
  is_nullable: "YES" | "NO";
  has_default: boolean;
  datetime_precision: number | null;
}

async function columnsOf(table: string): Promise<ColumnRow[]> {
  return ownerQuery<ColumnRow>(
    `SELECT table_name, column_name, udt_name, is_nullable, datetime_precision,
            (column_default IS NOT NULL OR is_identity = 'YES') AS has_default
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
}

async function primaryKeyOf(table: string): Promise<string[]> {
  const rows = await ownerQuery<{ column_name: string }>(
    `SELECT a.attname AS column_name
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid AND c.relnamespace = 'public'::regnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE c.relname = $1 AND i.indisprimary ORDER BY k.n`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe("prisma/schema.prisma mirrors the migrated database", () => {
  it("parses the schema, including the knowledge and memory models of 0018 and 0020", () => {
    const tables = schema.models.map((m) => m.table);
    for (const table of ["knowledge_documents", "knowledge_sources", "knowledge_chunks", "knowledge_terms", "user_memories", "user_memory_settings", "conversation_summaries"]) {
      expect(tables, table).toContain(table);
    }
    expect(schema.models.length).toBeGreaterThan(30);
    expect(schema.models.find((m) => m.table === "knowledge_chunks")?.fields.find((f) => f.column === "search_vector")?.type).toBe('Unsupported("tsvector")');
  });

  it("every table the migrations create has a model, except those only raw SQL touches", async () => {
    const tables = await ownerQuery<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const modelled = new Set(schema.models.map((m) => m.table));
    expect(tables.map((t) => t.table_name).filter((t) => !modelled.has(t))).toEqual([...RAW_SQL_ONLY].sort());
  });

  it.each(schema.models.map((m) => [m.name, m] as const))("%s: table, columns, types, nullability, defaults and primary key", async (_name, model) => {
    const columns = await columnsOf(model.table);
    expect(columns.length, `table ${model.table} exists`).toBeGreaterThan(0);
    const byColumn = new Map(columns.map((c) => [c.column_name, c]));

    const problems: string[] = [];
    for (const field of model.fields) {
      const column = byColumn.get(field.column);
      if (!column) {
        problems.push(`${field.name}: no column ${model.table}.${field.column}`);
        continue;
      }
      const udt = expectedUdt(field, schema.enums);
      if (column.udt_name !== udt) problems.push(`${field.name}: column is ${column.udt_name}, the schema says ${udt}`);
      // Prisma lists are never optional; the schema's `?` must say exactly whether NULL is allowed.
      if (!field.list && (column.is_nullable === "YES") !== field.optional) problems.push(`${field.name}: column nullable=${column.is_nullable}, the schema says optional=${field.optional}`);
      if (column.has_default !== field.hasDefault) problems.push(`${field.name}: column default=${column.has_default}, the schema says @default=${field.hasDefault}`);
      if (field.dbType === "Timestamptz" && column.datetime_precision !== 3) problems.push(`${field.name}: timestamptz(${column.datetime_precision}), the schema says (3)`);
    }
    const mapped = new Set(model.fields.map((f) => f.column));
    for (const column of columns) if (!mapped.has(column.column_name)) problems.push(`column ${model.table}.${column.column_name} (${column.udt_name}) has no field`);
    expect(problems).toEqual([]);
    expect(await primaryKeyOf(model.table), `primary key of ${model.table}`).toEqual(model.primaryKey);
  });
});
