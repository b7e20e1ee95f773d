// Parquet interop: DuckDB and hyparquet, two independent readers, read the
// files sluice writes and get the values sluice was given (nulls included),
// for every type and codec; and sluice reads the files DuckDB writes
// (dictionary pages, nulls, zstd, snappy, several row groups, large strings)
// and gets DuckDB's values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const SLUICE = process.env.SLUICE;
assert.ok(SLUICE, 'set SLUICE to the sluice binary');
const dir = mkdtempSync(join(tmpdir(), 'sluice-interop-'));
const sluice = (...args) => execFileSync(SLUICE, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const duck = await (await DuckDBInstance.create(':memory:', { threads: '2' })).connect();
const query = async (sql) => (await duck.runAndReadAll(sql)).getRowObjectsJS();

// A fixture with every sluice type, nulls in each column, strings with
// commas, quotes, newlines, non-ASCII and an empty string, and enough rows
// for dictionary pages, several row groups and several pages.
const ROWS = 5000;
const rows = [];
for (let i = 0; i < ROWS; i++) {
  rows.push({
    id: i,
    small: i % 7 === 3 ? null : (i % 5) - 2,
    price: i % 11 === 0 ? null : i * 0.25 - 100.125,
    name: i % 13 === 0 ? null : i % 17 === 0 ? '' : [`plain ${i % 50}`, 'comma, "quoted"', 'line\nbreak', 'café ☕ 東京'][i % 4],
    flag: i % 9 === 0 ? null : i % 2 === 0,
    ts: i % 10 === 0 ? null : 1420070400000000 + i * 1000003,  // micros, with sub-second parts
  });
}
const csvField = (v) => (v === null ? '' : typeof v === 'string' ? `"${v.replaceAll('"', '""')}"` : String(v));
const pad = (n, w = 2) => String(n).padStart(w, '0');
const tsText = (us) => {
  const d = new Date(Math.floor(us / 1000));
  const frac = us % 1000000;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:` +
         `${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` + (frac ? `.${pad(frac, 6)}` : '');
};
const csv = ['id,small,price,name,flag,ts']
  .concat(rows.map((r) => [r.id, r.small, r.price, r.name, r.flag, r.ts === null ? null : tsText(r.ts)]
    .map((v, k) => (k === 5 && v !== null ? v : csvField(v))).join(',')))
  .join('\n') + '\n';
const fixture = join(dir, 'fixture.csv');
writeFileSync(fixture, csv);
writeFileSync(join(dir, 'fixture.yaml'), '');

const CODECS = ['zstd', 'snappy', 'gzip', 'none'];

for (const codec of CODECS) {
  test(`DuckDB reads sluice's ${codec} Parquet with identical values and nulls`, async () => {
    const file = join(dir, `sluice-${codec}.parquet`);
    sluice('convert', fixture, file, '--compression', codec, '--row-group-rows', '1500');
    const got = await query(`SELECT id, small, price, name, flag, epoch_us(ts) AS ts FROM '${file}' ORDER BY id`);
    assert.equal(got.length, ROWS);
    for (let i = 0; i < ROWS; i++) {
      const g = got[i], r = rows[i];
      assert.equal(Number(g.id), r.id);
      assert.equal(g.small === null ? null : Number(g.small), r.small, `small, row ${i}`);
      assert.equal(g.price, r.price, `price, row ${i}`);
      assert.equal(g.name, r.name, `name, row ${i}`);
      assert.equal(g.flag, r.flag, `flag, row ${i}`);
      assert.equal(g.ts === null ? null : Number(g.ts), r.ts, `ts, row ${i}`);
    }
    const meta = await query(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`);
    const expected = codec === 'none' ? 'UNCOMPRESSED' : codec.toUpperCase();
    assert.deepEqual(meta.map((m) => m.compression), [expected]);
    const groups = await query(`SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata('${file}')`);
    assert.equal(Number(groups[0].n), 4);
  });

  test(`hyparquet reads sluice's ${codec} Parquet with identical values`, async () => {
    const file = join(dir, `sluice-${codec}.parquet`);
    sluice('convert', fixture, file, '--compression', codec, '--row-group-rows', '1500');
    const got = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
    assert.equal(got.length, ROWS);
    for (let i = 0; i < ROWS; i++) {
      const g = got[i], r = rows[i];
      assert.equal(Number(g.id), r.id);
      assert.equal(g.small === null || g.small === undefined ? null : Number(g.small), r.small);
      assert.equal(g.price ?? null, r.price);
      assert.equal(g.name ?? null, r.name);
      assert.equal(g.flag ?? null, r.flag);
      const ms = g.ts instanceof Date ? g.ts.getTime() : g.ts === null || g.ts === undefined ? null : Number(g.ts) / 1000;
      assert.equal(ms === null ? null : Math.floor(ms), r.ts === null ? null : Math.floor(r.ts / 1000), `ts, row ${i}`);
    }
  });
}

// Rows of a sluice JSON Lines conversion, timestamps as epoch micros.
const sluiceRead = (file) => {
  const out = join(dir, `read-${Math.random().toString(36).slice(2)}.jsonl`);
  sluice('convert', file, out);
  const toMicros = (text) => {
    const [whole, frac = ''] = text.split('.');
    return Date.parse(whole.replace(' ', 'T') + 'Z') * 1000 + Number(frac.padEnd(6, '0'));
  };
  return readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const row = JSON.parse(line);
    for (const key of Object.keys(row)) {
      if (typeof row[key] === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(row[key]) && key.startsWith('t')) {
        row[key] = toMicros(row[key]);
      }
    }
    return row;
  });
};

const duckdbCases = [
  { name: 'zstd with dictionary pages and nulls', options: "COMPRESSION zstd, ROW_GROUP_SIZE 1000" },
  { name: 'snappy with several row groups', options: "COMPRESSION snappy, ROW_GROUP_SIZE 700" },
  { name: 'uncompressed', options: "COMPRESSION uncompressed" },
  { name: 'gzip', options: "COMPRESSION gzip" },
];

for (const { name, options } of duckdbCases) {
  test(`sluice reads DuckDB's Parquet (${name}) and gets DuckDB's values`, async () => {
    const file = join(dir, `duck-${name.replace(/\W+/g, '-')}.parquet`);
    await duck.run(`COPY (
      SELECT i AS id,
             CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 4)::INTEGER END AS small,
             CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.5 END AS price,
             CASE WHEN i % 6 = 0 THEN NULL ELSE 'category ' || (i % 3) END AS name,
             CASE WHEN i % 11 = 0 THEN NULL ELSE repeat('long text ' || i, 40) END AS big,
             i % 2 = 0 AS flag,
             TIMESTAMP '2015-01-01 00:00:00' + INTERVAL (i * 1000003) MICROSECOND AS ts,
             DATE '2020-01-01' + (i % 30)::INTEGER AS day,
             (i * 0.01)::DECIMAL(10, 2) AS amount,
             i::FLOAT / 4 AS ratio
      FROM range(3000) t(i)
    ) TO '${file}' (FORMAT parquet, ${options})`);
    const expected = await query(`SELECT id, small, price, name, big, flag, epoch_us(ts) AS ts,
                                         epoch_us(day::TIMESTAMP) AS day, amount::DOUBLE AS amount, ratio::DOUBLE AS ratio
                                  FROM '${file}' ORDER BY id`);
    const got = sluiceRead(file);
    assert.equal(got.length, expected.length);
    for (let i = 0; i < got.length; i++) {
      const g = got[i], e = expected[i];
      assert.equal(g.id, Number(e.id));
      assert.equal(g.small, e.small === null ? null : Number(e.small), `small, row ${i}`);
      assert.equal(g.price, e.price, `price, row ${i}`);
      assert.equal(g.name, e.name, `name, row ${i}`);
      assert.equal(g.big, e.big, `big, row ${i}`);
      assert.equal(g.flag, e.flag, `flag, row ${i}`);
      assert.equal(g.ts, Number(e.ts), `ts, row ${i}`);
      assert.equal(typeof g.day === 'string' ? Date.parse(g.day.replace(' ', 'T') + 'Z') * 1000 : g.day, Number(e.day), `day, row ${i}`);
      assert.ok(Math.abs(g.amount - e.amount) < 1e-9, `amount, row ${i}`);
      assert.equal(g.ratio, e.ratio, `ratio, row ${i}`);
    }
  });
}

test('sluice reads DuckDB data page v2 with delta encodings', async () => {
  const file = join(dir, 'duck-v2.parquet');
  // DuckDB writes DELTA_BINARY_PACKED / DELTA_LENGTH_BYTE_ARRAY with parquet_version v2.
  await duck.run(`COPY (SELECT i AS id, 'value ' || i AS label, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 2 END AS twice
                        FROM range(5000) t(i))
                  TO '${file}' (FORMAT parquet, PARQUET_VERSION v2, COMPRESSION zstd)`);
  const encodings = await query(`SELECT DISTINCT encodings FROM parquet_metadata('${file}')`);
  const got = sluiceRead(file);
  assert.equal(got.length, 5000, JSON.stringify(encodings));
  for (let i = 0; i < 5000; i++) {
    assert.equal(got[i].id, i);
    assert.equal(got[i].label, `value ${i}`);
    assert.equal(got[i].twice, i % 3 === 0 ? null : i * 2);
  }
});

test('a corrupt file is a clear error with exit code 3', () => {
  const good = join(dir, 'sluice-zstd.parquet');
  sluice('convert', fixture, good, '--row-group-rows', '1500');
  const bytes = readFileSync(good);
  const cases = {
    truncated: bytes.subarray(0, bytes.length - 100),
    'wrong magic': Buffer.concat([Buffer.from('XXXX'), bytes.subarray(4)]),
    'page damaged': (() => { const b = Buffer.from(bytes); for (let k = 200; k < 260; k++) b[k] ^= 0x5a; return b; })(),
  };
  for (const [name, content] of Object.entries(cases)) {
    const file = join(dir, `corrupt-${name.replace(/\W+/g, '-')}.parquet`);
    writeFileSync(file, content);
    let status = 0, stderr = '';
    try {
      execFileSync(SLUICE, ['convert', file, join(dir, 'x.jsonl')], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      status = error.status;
      stderr = String(error.stderr);
    }
    assert.equal(status, 3, `${name}: exit code (${stderr})`);
    assert.match(stderr, /corrupt|magic|footer|checksum|truncated|outside|past|end of file/i, `${name}: ${stderr}`);
    assert.ok(stderr.includes(file), `${name}: names the file`);
  }
});

test('DuckDB reads a Hive-partitioned dataset sluice writes, and sluice reads DuckDB\'s', async () => {
  const dataset = join(dir, 'sluice-partitioned');
  sluice('convert', fixture, dataset, '--partition-by', 'flag', '--row-group-rows', '700');
  const got = await query(`SELECT id, name, flag FROM read_parquet('${dataset}/*/*.parquet', hive_partitioning = true)
                           ORDER BY id`);
  assert.equal(got.length, ROWS);
  for (let i = 0; i < ROWS; i++) {
    assert.equal(Number(got[i].id), rows[i].id);
    assert.equal(got[i].name, rows[i].name);
    // DuckDB types partition values itself: compare as text, nulls as Hive's default partition.
    const expected = rows[i].flag === null ? null : String(rows[i].flag);
    const value = got[i].flag === null || got[i].flag === '__HIVE_DEFAULT_PARTITION__' ? null : String(got[i].flag);
    assert.equal(value, expected, `flag, row ${i}`);
  }

  const duckDataset = join(dir, 'duck-partitioned');
  await duck.run(`COPY (SELECT i AS id, 'v' || i AS label, i % 3 AS bucket, 2020 + i % 2 AS year FROM range(900) t(i))
                  TO '${duckDataset}' (FORMAT parquet, PARTITION_BY (year, bucket), OVERWRITE_OR_IGNORE)`);
  const back = sluiceRead(duckDataset).sort((a, b) => a.id - b.id);
  assert.equal(back.length, 900);
  for (let i = 0; i < 900; i++) {
    assert.equal(back[i].id, i);
    assert.equal(back[i].label, `v${i}`);
    assert.equal(back[i].bucket, i % 3);
    assert.equal(back[i].year, 2020 + (i % 2));
  }
});

test('DuckDB and hyparquet read DATE and narrow INT columns sluice writes, and sluice reads them back', async () => {
  const src = join(dir, 'narrow.csv');
  const lines = ['day,tiny,short,word,ubyte,ushort,uword,half,id'];
  const expected = [];
  for (let i = 0; i < 3000; i++) {
    const nul = i % 9 === 4;
    const row = {
      day: nul ? null : 16436 + (i % 400) - 200,           // days since the epoch
      tiny: nul ? null : (i % 256) - 128,
      short: nul ? null : (i * 37 % 65536) - 32768,
      word: nul ? null : (i * 1000003 % 4294967296) - 2147483648,
      ubyte: nul ? null : i % 256,
      ushort: nul ? null : i * 37 % 65536,
      uword: nul ? null : 4294967295 - i * 7,
      half: nul ? null : i * 0.25 - 300,  // exact in float32
      id: i,                                // never null: REQUIRED
    };
    expected.push(row);
    const dayText = row.day === null ? '' : new Date(row.day * 86400000).toISOString().slice(0, 10);
    lines.push([dayText, row.tiny, row.short, row.word, row.ubyte, row.ushort, row.uword, row.half, row.id]
      .map((v) => v ?? '').join(','));
  }
  writeFileSync(src, lines.join('\n') + '\n');
  const file = join(dir, 'narrow.parquet');
  sluice('convert', src, file, '--row-group-rows', '1000', '--parquet-type', 'day=date', '--parquet-type', 'tiny=int8',
         '--parquet-type', 'short=int16', '--parquet-type', 'word=int32', '--parquet-type', 'ubyte=uint8',
         '--parquet-type', 'ushort=uint16', '--parquet-type', 'uword=uint32', '--parquet-type', 'half=float',
         '--parquet-required', 'id');
  const types = await query(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${file}')`);
  assert.deepEqual(Object.fromEntries(types.map((t) => [t.column_name, t.column_type])), {
    day: 'DATE', tiny: 'TINYINT', short: 'SMALLINT', word: 'INTEGER', ubyte: 'UTINYINT', ushort: 'USMALLINT', uword: 'UINTEGER',
    half: 'FLOAT', id: 'BIGINT',
  });
  const repetition = await query(`SELECT name, repetition_type FROM parquet_schema('${file}') WHERE name IN ('id', 'half')`);
  assert.deepEqual(Object.fromEntries(repetition.map((r) => [r.name, r.repetition_type])), { id: 'REQUIRED', half: 'OPTIONAL' });
  const got = await query(`SELECT (day - DATE '1970-01-01')::INTEGER AS day, tiny, short, word, ubyte, ushort, uword, half, id
                           FROM '${file}'`);
  assert.equal(got.length, expected.length);
  got.forEach((g, i) => {
    for (const key of Object.keys(expected[i])) {
      assert.equal(g[key] === null ? null : Number(g[key]), expected[i][key], `${key}, row ${i}`);
    }
  });
  // Min/max statistics in the columns' own order (unsigned for UINT).
  const stats = await query(`SELECT path_in_schema AS c, stats_min_value AS lo, stats_max_value AS hi
                             FROM parquet_metadata('${file}') WHERE row_group_id = 0 AND path_in_schema = 'uword'`);
  assert.equal(stats[0].hi, '4294967295');
  const hy = await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors });
  assert.equal(hy.length, expected.length);
  assert.equal(Number(hy[5].tiny), expected[5].tiny);
  assert.equal(Number(hy[5].uword), expected[5].uword);
  const back = sluiceRead(file);
  assert.equal(back[5].uword, expected[5].uword);
  assert.equal(back[5].day, new Date(expected[5].day * 86400000).toISOString().slice(0, 10) + ' 00:00:00');
  assert.equal(back[4].day, null);
});
