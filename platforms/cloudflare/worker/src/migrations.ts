// migrations.ts -- the D1 schema of mk-proxy (compat/cloud.md §2.4): a
// _migrations table records applied versions; runMigrations() applies the
// newer ones in order. Called on every successful auth; the caller ignores
// failures, as the original does.

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create_logs_and_config",
    statements: [
      "CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL DEFAULT (datetime('now')), node_id TEXT NOT NULL DEFAULT '', msg TEXT NOT NULL DEFAULT '')",
      "CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL DEFAULT (datetime('now')))",
    ],
  },
];

export async function runMigrations(db: D1Database): Promise<void> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS _migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL DEFAULT (datetime('now')))",
    )
    .run();
  const row = await db.prepare("SELECT MAX(version) AS v FROM _migrations").first<{ v: number | null }>();
  const current = row?.v ?? 0;
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    for (const sql of m.statements) await db.prepare(sql).run();
    await db.prepare("INSERT INTO _migrations (version, name) VALUES (?, ?)").bind(m.version, m.name).run();
  }
}
