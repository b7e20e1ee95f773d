// DuckDB's side of bench/parquet-vs-duckdb: load the CSV into memory, write
// zstd Parquet from memory (timed), read a Parquet file into memory (timed,
// best of 3 like sluice's side).
// Usage: node duckdb_parquet.mjs INPUT.csv OUT.parquet SLUICE.parquet THREADS
import { DuckDBInstance } from '@duckdb/node-api';

const [input, out, sluiceFile, threads] = process.argv.slice(2);
const db = await (await DuckDBInstance.create(':memory:', { threads: String(threads) })).connect();
const time = async (sql) => {
  const start = process.hrtime.bigint();
  await db.run(sql);
  return Number(process.hrtime.bigint() - start) / 1e9;
};
await db.run(`CREATE TABLE t AS SELECT * FROM read_csv('${input}', header = true, ignore_errors = true,
  types = {'VendorID': 'BIGINT', 'tpep_pickup_datetime': 'TIMESTAMP', 'tpep_dropoff_datetime': 'TIMESTAMP',
           'passenger_count': 'BIGINT', 'trip_distance': 'DOUBLE', 'pickup_longitude': 'DOUBLE',
           'pickup_latitude': 'DOUBLE', 'RatecodeID': 'BIGINT', 'store_and_fwd_flag': 'VARCHAR',
           'dropoff_longitude': 'DOUBLE', 'dropoff_latitude': 'DOUBLE', 'payment_type': 'BIGINT',
           'fare_amount': 'DOUBLE'})`);
const write = await time(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
const bestRead = async (file) => {
  let best = Infinity;
  for (let i = 0; i < 3; ++i) {
    best = Math.min(best, await time(`CREATE OR REPLACE TABLE r AS SELECT * FROM '${file}'`));
    await db.run('DROP TABLE r');
  }
  return best;
};
const readOwn = await bestRead(out);
const readSluice = await bestRead(sluiceFile);
console.log(JSON.stringify({ write, read_own: readOwn, read_sluice: readSluice }));
