// The hub's database schema as versioned migrations, applied in order at
// start (`cmc hub serve`, `cmc hub token ...`) under an advisory lock, so two
// hubs starting at once on one database apply each migration once. A
// migration is never edited once released: a change is a new one.
//
// records: one row per pushed record, immutable. The record's JSON text is
// kept as pushed (what a pull gives back), with its content hash; the query
// fields beside it are its index summary (summary.ts), text COLLATE "C" so
// that text compares by code point as the local store's queries do.

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'records, files, tokens, projects',
    sql: `
-- JavaScript's Number(text) where it is finite, else NULL: what a query's
-- number compares with when a record holds text (sqlQuery.ts)
create function cmc_num(t text) returns double precision language plpgsql immutable parallel safe as $$
declare s text := btrim(t, E' \\t\\n\\r\\f\\v');
begin
  if s ~ '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$' then
    return s::double precision;
  elsif s ~ '^0[xX][0-9a-fA-F]{1,13}$' then
    return ('x' || lpad(substr(s, 3), 16, '0'))::bit(64)::bigint::double precision;
  end if;
  return null;
exception when others then
  return null; -- out of double's range: not finite in JavaScript either
end $$;

create table projects (
  name text collate "C" primary key,
  public boolean not null default false,
  created_at timestamptz not null default now()
);

create table tokens (
  id bigserial primary key,
  hash text not null unique,
  "user" text not null,
  scope text not null check (scope in ('read', 'push', 'admin')),
  project text collate "C",
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

create table records (
  seq bigserial primary key,
  project text collate "C" not null references projects (name),
  id text collate "C" not null,
  hash text not null,
  created_at text collate "C" not null,
  benchmark text collate "C" not null,
  image text collate "C" not null,
  digest text collate "C" not null,
  platform text collate "C" not null,
  status text collate "C" not null,
  host text collate "C" not null,
  limits text collate "C" not null,
  params jsonb not null,
  metrics jsonb not null,
  tags text[] not null,
  -- the index summary as JSON text: what a list answers, its keys in the record's order
  summary text not null,
  record text not null,
  pushed_by text not null,
  pushed_at timestamptz not null default now(),
  unique (project, id)
);
create index records_benchmark on records (project, benchmark, seq);
create index records_platform on records (project, platform, seq);
create index records_host on records (project, host, seq);
create index records_created on records (project, created_at);

-- logs and output files, each with its sha256
create table files (
  project text collate "C" not null,
  record_id text collate "C" not null,
  name text collate "C" not null,
  sha256 text not null,
  size bigint not null,
  content bytea not null,
  primary key (project, record_id, name),
  foreign key (project, record_id) references records (project, id)
);

-- the metric and param names a project's records have, for the warning that names the nearest one
create table fields (
  project text collate "C" not null,
  kind text not null check (kind in ('metrics', 'params')),
  name text collate "C" not null,
  primary key (project, kind, name)
);
`,
  },
  {
    version: 2,
    name: 'an index for one benchmark on one platform over a time span',
    // what compares ask most (`benchmark = b and platform = p and date < t`): without it
    // PostgreSQL walks every run of the platform
    sql: `create index records_benchmark_platform_created on records (project, benchmark, platform, created_at)`,
  },
  {
    version: 3,
    name: 'runs: the query fields of each record without its text, for compares',
    // A compare reads every run a side matches, and a row of records is the
    // record's whole text: a side of 10,000 runs visited that many wide rows.
    // runs holds the same fields in narrow rows (a few pages for what
    // records spreads over thousands), plus `facts`, the summary's fields
    // no column has (emulated, a published result's source, a LoadGen
    // scenario...), which a compare's refusals read. pushRecords writes both
    // tables in one statement.
    sql: `
create table runs (
  seq bigint primary key,
  project text collate "C" not null,
  id text collate "C" not null,
  created_at text collate "C" not null,
  benchmark text collate "C" not null,
  image text collate "C" not null,
  digest text collate "C" not null,
  platform text collate "C" not null,
  status text collate "C" not null,
  host text collate "C" not null,
  limits text collate "C" not null,
  params jsonb not null,
  metrics jsonb not null,
  tags text[] not null,
  -- the summary's other fields; null when it has none
  facts jsonb
);
insert into runs
select seq, project, id, created_at, benchmark, image, digest, platform, status, host, limits, params, metrics, tags,
       nullif(summary::jsonb - array['id', 'createdAt', 'benchmark', 'image', 'digest', 'platform', 'status', 'host', 'limits', 'params', 'metrics', 'tags'], '{}')
from records;
create index runs_benchmark_platform_created on runs (project, benchmark, platform, created_at);
analyze runs;
`,
  },
  {
    version: 4,
    name: 'cmc_num reads text as JavaScript does in more cases',
    // Migration 1's cmc_num disagreed with Number(text) (what compare() in evaluate.ts reads) where
    // \v, no escape in an E'' string, made it trim the letter v ('v5' read as 5), and where
    // JavaScript reads a number it did not: blank text (0), hexadecimal of more than 13 digits,
    // binary and octal (0b101, 0o17), and a decimal too small for a double (a zero).
    sql: `
create or replace function cmc_num(t text) returns double precision language plpgsql immutable parallel safe as $$
declare
  s text := btrim(t, E' \\t\\n\\r\\f\\x0B');
  base int;
  m numeric := 0;
  d text;
begin
  if s = '' then
    return case when t = '' then null else 0 end;
  elsif s ~ '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$' then
    begin
      return s::double precision;
    exception when others then
      -- beyond a double's range: Infinity in JavaScript (not finite) when large, a zero when small
      return case when abs(s::numeric) < 1 then (case when s like '-%' then '-0' else '0' end)::double precision end;
    end;
  elsif s ~ '^0([xX][0-9a-fA-F]+|[bB][01]+|[oO][0-7]+)$' then
    -- summed exactly, then rounded once to a double, as Number() rounds
    base := case lower(substr(s, 2, 1)) when 'x' then 16 when 'b' then 2 else 8 end;
    foreach d in array regexp_split_to_array(lower(substr(s, 3)), '') loop
      m := m * base + (strpos('0123456789abcdef', d) - 1);
    end loop;
    return m::double precision;
  end if;
  return null;
exception when others then
  return null; -- out of a double's range: not finite in JavaScript either
end $$;
`,
  },
  {
    version: 5,
    name: 'cmc_num trims the white space JavaScript trims',
    // Number(text) trims Unicode white space too (U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
    // U+202F, U+205F, U+3000, U+FEFF), which migration 4's cmc_num read as no number. chr() gives
    // those code points only in a UTF8 database; one in another encoding keeps the ASCII set,
    // decided here once so that a call does no more work than before.
    sql: `
do $do$
declare
  ws text := E' \\t\\n\\r\\f\\x0B';
begin
  if getdatabaseencoding() = 'UTF8' then
    ws := ws || (select string_agg(chr(c), '') from unnest(array[160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202,
                                                                 8232, 8233, 8239, 8287, 12288, 65279]) as c);
  end if;
  execute format($f$
create or replace function cmc_num(t text) returns double precision language plpgsql immutable parallel safe as $$
declare
  s text := btrim(t, %L);
  base int;
  m numeric := 0;
  d text;
begin
  if s = '' then
    return case when t = '' then null else 0 end;
  elsif s ~ '^[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?$' then
    begin
      return s::double precision;
    exception when others then
      return case when abs(s::numeric) < 1 then (case when left(s, 1) = '-' then '-0' else '0' end)::double precision end;
    end;
  elsif s ~ '^0([xX][0-9a-fA-F]+|[bB][01]+|[oO][0-7]+)$' then
    base := case lower(substr(s, 2, 1)) when 'x' then 16 when 'b' then 2 else 8 end;
    foreach d in array regexp_split_to_array(lower(substr(s, 3)), '') loop
      m := m * base + (strpos('0123456789abcdef', d) - 1);
    end loop;
    return m::double precision;
  end if;
  return null;
exception when others then
  return null;
end $$
$f$, ws);
end $do$;
`,
  },
  {
    version: 6,
    name: 'runs: who pushed each run, a query field',
    // `pushedBy = alice` is answered from runs like the other text fields, so its rows carry
    // the pusher the records table has, filled in for the runs held already
    sql: `
alter table runs add column pushed_by text collate "C";
update runs set pushed_by = r.pushed_by from records r where r.seq = runs.seq;
alter table runs alter column pushed_by set not null;
analyze runs;
`,
  },
]

/** The key of the advisory lock migrations run under. */
export const MIGRATION_LOCK = 0x636d6301
