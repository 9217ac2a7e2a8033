/**
 * `invigil console export` and `import`: every row of every table of a centre's database, as JSON
 * lines, so that a centre moves from SQLite to PostgreSQL (or back) with nothing lost.
 *
 * The file: a first line `{"invigil":"console-export","schemaVersion":N,"exportedAt":…}`, then one line
 * per row, `{"table":"seats","row":{…}}`, tables in the order their rows can be inserted (a row's
 * references come first), and a last line `{"end":true,"rows":{"seats":12,…}}` so that a cut-off file
 * is refused rather than half-imported. Both databases hold the same schema version (the export
 * names it; the import refuses another), and values are portable (text, integers, null: see
 * tables.ts). Import writes into an empty database in one transaction: all of it or nothing.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { parseBoundedJson } from '../../../shared/schemas/bounded-json.ts';
import { DatabaseError, type Db, type Queryable } from './database.ts';
import { schemaVersion } from './migrate.ts';
import { TABLES_IN_ORDER } from './tables.ts';

export type TableName = (typeof TABLES_IN_ORDER)[number];
type Row = Record<string, string | number | null>;

/** A row is at most a stored event (512 KB of seat JSON) and its columns; a line above this is refused. */
const MAX_LINE = 4 * 1024 * 1024;
const PAGE = 1000;

const HeaderSchema = z.strictObject({
  invigil: z.literal('console-export'),
  schemaVersion: z.number().int().positive(),
  exportedAt: z.string(),
});
const RowLineSchema = z.strictObject({
  table: z.enum(TABLES_IN_ORDER),
  row: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
});
const EndSchema = z.strictObject({
  end: z.literal(true),
  rows: z.record(z.string(), z.number().int().nonnegative()),
});

/** The columns a table has in this database (what an imported row may name), in order. */
async function columnsOf(q: Queryable, db: Db, table: TableName): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const r = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table}) ORDER BY cid`.execute(
      q,
    );
    return r.rows.map((c) => c.name);
  }
  const r = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ${table} ORDER BY ordinal_position`.execute(q);
  return r.rows.map((c) => c.column_name);
}

/** The primary key's columns: rows are read in that order, so an export is the same every time. */
async function keyOf(q: Queryable, db: Db, table: TableName): Promise<string[]> {
  if (db.engine === 'sqlite') {
    const r = await sql<{
      name: string;
      pk: number;
    }>`SELECT name, pk FROM pragma_table_info(${table})`.execute(q);
    return r.rows
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name);
  }
  const r = await sql<{ attname: string }>`SELECT a.attname FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
    WHERE i.indrelid = ${table}::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`.execute(
    q,
  );
  return r.rows.map((c) => c.attname);
}

/** Every row of `table`, in primary-key order, a page at a time. */
async function* rowsOf(q: Queryable, db: Db, table: TableName): AsyncGenerator<Row> {
  const key = await keyOf(q, db, table);
  const order = sql.join(key.map((k) => sql.ref(k)));
  for (let offset = 0; ; offset += PAGE) {
    const page =
      await sql<Row>`SELECT * FROM ${sql.table(table)} ORDER BY ${order} LIMIT ${PAGE} OFFSET ${offset}`.execute(
        q,
      );
    for (const row of page.rows) yield row;
    if (page.rows.length < PAGE) return;
  }
}

/** Writes the database as export lines (each without its newline) to `write`; returns the rows per table. */
export async function exportDatabase(
  db: Db,
  write: (line: string) => Promise<void> | void,
): Promise<Record<TableName, number>> {
  const version = await schemaVersion(db);
  // One transaction: a consistent copy even while a console writes (REPEATABLE READ on PostgreSQL).
  return db.kysely.transaction().execute(async (trx) => {
    if (db.engine === 'postgres')
      await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`.execute(trx);
    await write(
      JSON.stringify({
        invigil: 'console-export',
        schemaVersion: version,
        exportedAt: new Date().toISOString(),
      }),
    );
    const counts = {} as Record<TableName, number>;
    for (const table of TABLES_IN_ORDER) {
      counts[table] = 0;
      for await (const row of rowsOf(trx, db, table)) {
        await write(JSON.stringify({ table, row }));
        counts[table]++;
      }
    }
    await write(JSON.stringify({ end: true, rows: counts }));
    return counts;
  });
}

/** A problem with an import file: a message for a person, naming the line. */
export class ImportError extends DatabaseError {
  override name = 'ImportError';
}

/**
 * Reads export lines into `db`, which must be empty (migrated, no centre yet), in one transaction.
 * Returns the rows per table. Anything wrong (another schema version, a table or column this schema
 * does not have, a line that is not what an export writes, a file cut short) writes nothing.
 */
export async function importDatabase(
  db: Db,
  lines: AsyncIterable<string>,
): Promise<Record<TableName, number>> {
  const version = await schemaVersion(db);
  const existing = await db.kysely
    .selectFrom('centres')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  if (Number(existing?.n ?? 0) > 0)
    throw new ImportError(
      `${db.where} already holds a centre: import only into a new, empty database (nothing was written)`,
    );
  return db.transaction(async (trx) => {
    const columns = new Map<TableName, Set<string>>();
    for (const t of TABLES_IN_ORDER) columns.set(t, new Set(await columnsOf(trx, db, t)));
    const counts = Object.fromEntries(TABLES_IN_ORDER.map((t) => [t, 0])) as Record<TableName, number>;
    const pending: { table: TableName; rows: Row[] } = { table: TABLES_IN_ORDER[0], rows: [] };
    const flush = async () => {
      if (pending.rows.length === 0) return;
      await trx
        .insertInto(pending.table)
        .values(pending.rows as never)
        .execute();
      pending.rows = [];
    };
    let n = 0;
    let header = false;
    let end: z.infer<typeof EndSchema> | null = null;
    const fail = (why: string): never => {
      throw new ImportError(`line ${n}: ${why} (nothing was written)`);
    };
    for await (const text of lines) {
      n++;
      if (text.trim() === '') continue;
      if (end) fail('there is more after the end line');
      const parsed = parseBoundedJson(text, { maxLength: MAX_LINE, maxDepth: 4 });
      if (!parsed.ok) fail(`not an export line: ${parsed.reason}`);
      const value = (parsed as { value: unknown }).value;
      if (!header) {
        const h = HeaderSchema.safeParse(value);
        if (!h.success) fail('not an Invigil console export (its first line should name one)');
        const found = (h.data as z.infer<typeof HeaderSchema>).schemaVersion;
        if (found !== version)
          fail(
            `the export is of schema version ${found} and this database is at ${version}: migrate both to the same Invigil first (invigil console migrate)`,
          );
        header = true;
        continue;
      }
      const last = EndSchema.safeParse(value);
      if (last.success) {
        end = last.data;
        continue;
      }
      const line = RowLineSchema.safeParse(value);
      if (!line.success) fail('neither a row of a known table nor the end line');
      const { table, row } = line.data as z.infer<typeof RowLineSchema>;
      const known = columns.get(table) as Set<string>;
      for (const c of Object.keys(row))
        if (!known.has(c)) fail(`${table} has no column ${JSON.stringify(c)}`);
      if (table !== pending.table) {
        if (TABLES_IN_ORDER.indexOf(table) < TABLES_IN_ORDER.indexOf(pending.table))
          fail(`${table} comes after ${pending.table}: rows are not in the order an export writes them`);
        await flush();
        pending.table = table;
      }
      pending.rows.push(row);
      counts[table]++;
      // Within both engines' limits on parameters per statement (SQLite 32,766; PostgreSQL 65,535).
      if (pending.rows.length >= 200) await flush();
    }
    await flush();
    if (!header) fail('the file is empty');
    if (!end) fail('the file ends before its end line: it was cut short');
    for (const t of TABLES_IN_ORDER) {
      if ((end as z.infer<typeof EndSchema>).rows[t] !== counts[t])
        fail(`the end line says ${String(end?.rows[t])} rows of ${t}, the file has ${counts[t]}`);
    }
    // The audit trail's numbering goes on after the imported rows (SQLite's AUTOINCREMENT does this itself).
    if (db.engine === 'postgres')
      await sql`SELECT setval(pg_get_serial_sequence('audit', 'id'), COALESCE((SELECT MAX(id) FROM audit), 0) + 1, false)`.execute(
        trx,
      );
    return counts;
  });
}
