// DuckDB doing the prep of examples/taxi.yaml on the same CSV: the same
// derived columns, filter, median imputation, one-hot encoding and
// standardization fitted on the train split, written out as zstd Parquet, one
// dataset per split.
// Usage: node duckdb_taxi_prep.mjs INPUT.csv OUT_DIR THREADS
import { DuckDBInstance } from '@duckdb/node-api';

const [input, outDir, threads] = process.argv.slice(2);
const hav = (lat1, lon1, lat2, lon2) =>
  `2 * 6371.0088 * asin(sqrt(pow(sin(radians(${lat2} - ${lat1}) / 2), 2) + ` +
  `cos(radians(${lat1})) * cos(radians(${lat2})) * pow(sin(radians(${lon2} - ${lon1}) / 2), 2)))`;

const sql = `
COPY (
  WITH src AS (
    SELECT *,
      hour(tpep_pickup_datetime) AS pickup_hour,
      dayofweek(tpep_pickup_datetime) AS pickup_dow,
      date_diff('second', tpep_pickup_datetime, tpep_dropoff_datetime) / 60.0 AS duration_min,
      ${hav('pickup_latitude', 'pickup_longitude', 'dropoff_latitude', 'dropoff_longitude')} AS distance_km,
      least(${hav('pickup_latitude', 'pickup_longitude', 40.6413, -73.7781)},
            ${hav('dropoff_latitude', 'dropoff_longitude', 40.6413, -73.7781)}) AS jfk_km,
      hash(tpep_pickup_datetime, pickup_longitude, dropoff_latitude, fare_amount) % 10 AS bucket
    FROM read_csv('${input}', header = true, ignore_errors = true,
                  types = {'VendorID': 'BIGINT', 'tpep_pickup_datetime': 'TIMESTAMP',
                           'tpep_dropoff_datetime': 'TIMESTAMP', 'passenger_count': 'BIGINT',
                           'trip_distance': 'DOUBLE', 'pickup_longitude': 'DOUBLE', 'pickup_latitude': 'DOUBLE',
                           'RatecodeID': 'BIGINT', 'store_and_fwd_flag': 'VARCHAR',
                           'dropoff_longitude': 'DOUBLE', 'dropoff_latitude': 'DOUBLE',
                           'payment_type': 'BIGINT', 'fare_amount': 'DOUBLE'})
  ),
  kept AS (
    SELECT * FROM src
    WHERE fare_amount > 0 AND fare_amount < 500 AND trip_distance > 0 AND trip_distance < 100
      AND duration_min > 0 AND duration_min < 360
      AND abs(pickup_latitude - 40.75) < 1 AND abs(dropoff_latitude - 40.75) < 1
  ),
  stats AS (
    SELECT avg(trip_distance) AS m1, stddev_samp(trip_distance) AS s1,
           avg(duration_min) AS m2, stddev_samp(duration_min) AS s2,
           median(passenger_count) AS pc
    FROM kept WHERE bucket < 8
  )
  SELECT (trip_distance - m1) / s1 AS trip_distance, (duration_min - m2) / s2 AS duration_min,
         distance_km, jfk_km, pickup_hour, pickup_dow, coalesce(passenger_count, pc) AS passenger_count,
         (RatecodeID = 1)::INT AS "RatecodeID=1", (RatecodeID = 2)::INT AS "RatecodeID=2",
         (RatecodeID = 5)::INT AS "RatecodeID=5",
         (payment_type = 1)::INT AS "payment_type=1", (payment_type = 2)::INT AS "payment_type=2",
         (payment_type = 3)::INT AS "payment_type=3", (payment_type = 4)::INT AS "payment_type=4",
         fare_amount,
         CASE WHEN bucket < 8 THEN 'train' WHEN bucket < 9 THEN 'valid' ELSE 'test' END AS split
  FROM kept, stats
) TO '${outDir}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (split), OVERWRITE_OR_IGNORE);
`;

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const connection = await instance.connect();
const start = process.hrtime.bigint();
await connection.run(sql);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
// Rows written by both, counted by DuckDB.
const count = async (glob) => Number((await (await connection.runAndReadAll(
  `SELECT count(*) AS n FROM read_parquet('${glob}')`)).getRowObjectsJS())[0].n);
const sluiceOut = process.argv[5];
console.log(JSON.stringify({ seconds, duckdb_rows: await count(`${outDir}/*/*.parquet`),
                             sluice_rows: sluiceOut ? await count(`${sluiceOut}/*/*.parquet`) : null }));
