// S3 interop: sluice against a real S3 implementation (s3rver) on loopback,
// with the AWS SDK for JavaScript as the independent client. sluice reads
// what the SDK wrote and the SDK reads what sluice wrote, byte for byte.
// sluice talks to s3rver through a proxy in this file that checks every
// request's SigV4 signature with the SDK's own signer (s3rver does not) and
// injects faults on demand: 503 SlowDown, dropped connections, 500s on part
// uploads, a bucket in another region.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { S3Client, PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';

const SLUICE = process.env.SLUICE;
assert.ok(SLUICE, 'set SLUICE to the sluice binary');
const dir = mkdtempSync(join(tmpdir(), 'sluice-s3-'));
const KEY_ID = 'S3RVER';
const SECRET = 'S3RVER';
const TAXI_YAML = new URL('../../examples/taxi.yaml', import.meta.url).pathname;  // s3rver's one account; the proxy checks signatures against it

// The SDK's signer wants a hash class; node's crypto is one.
class Sha256 {
  constructor(secret) { this.hash = secret ? createHmac('sha256', secret) : createHash('sha256'); }
  update(data) { this.hash.update(typeof data === 'string' ? Buffer.from(data) : data); }
  async digest() { return new Uint8Array(this.hash.digest()); }
}

let s3rver, proxy, sdk, s3rverPort, proxyPort;
// What the proxy does to the next requests: a list of actions taken in
// order ('503', 'drop', 'region'), and a rule for part uploads.
// `listing`: the proxy answers listings itself, 'circles' (the same
// continuation token again and again) or 'endless' (10,000 made-up objects a
// page, without end).
// `afterGet`: { path, action }, run once the next GET of that path has been
// answered (a replacement that goes on while sluice reads).
const faults = { next: [], failParts: false, seen: [], listing: null, afterGet: null };

async function checkSignature(req) {
  const auth = req.headers.authorization;
  if (!auth) return 'no Authorization header';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return `malformed Authorization: ${auth}`;
  const [, keyId, , region, signedHeaders, signature] = match;
  const url = new URL(req.url, `http://${req.headers.host}`);
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = req.headers[name];
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const amzDate = req.headers['x-amz-date'];
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T` +
                               `${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({ credentials: { accessKeyId: keyId, secretAccessKey: SECRET }, region,
                                   service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({ method: req.method, protocol: 'http:', hostname: url.hostname,
                                     port: Number(url.port), path: url.pathname, query, headers },
                                   { signingDate, signableHeaders: new Set(signedHeaders.split(';')) });
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization)[1];
  return expected === signature ? null : `signature ${signature}, the SDK's signer computes ${expected}`;
}

function s3Error(res, status, code, message, extraHeaders = {}) {
  res.writeHead(status, { 'content-type': 'application/xml', ...extraHeaders });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

before(async () => {
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: join(dir, 's3rver'),
                        configureBuckets: [{ name: 'trips' }, { name: 'models' }] });
  ({ port: s3rverPort } = await s3rver.run());
  proxy = http.createServer(async (req, res) => {
    faults.seen.push(`${req.method} ${req.url} ${req.headers.range ?? ''}`);
    const problem = await checkSignature(req);
    if (problem) return s3Error(res, 403, 'SignatureDoesNotMatch', problem);
    const action = faults.next.shift();
    if (action === 'drop') return req.socket.destroy();
    if (action === 'hang') return;  // never answers: the client must give up on its own
    if (action === '503') return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
    if (action === 'region') {
      return s3Error(res, 301, 'PermanentRedirect', 'The bucket is in another region.', { 'x-amz-bucket-region': 'eu-west-1' });
    }
    if (faults.listing && req.url.includes('list-type=2')) {
      const page = Number(new URL(req.url, 'http://proxy').searchParams.get('continuation-token') ?? '0');
      const count = faults.listing === 'circles' ? 1 : 10000;
      let contents = '';
      for (let i = 0; i < count; ++i) {
        contents += `<Contents><Key>many/${page}-${i}.csv</Key><Size>10</Size><ETag>"e"</ETag>` +
                    '<LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>';
      }
      const next = faults.listing === 'circles' ? 7 : page + 1;
      res.writeHead(200, { 'content-type': 'application/xml' });
      return res.end('<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>trips</Name>' +
                     `<IsTruncated>true</IsTruncated>${contents}<NextContinuationToken>${next}</NextContinuationToken></ListBucketResult>`);
    }
    if (faults.failParts && req.method === 'PUT' && req.url.includes('partNumber=')) {
      return s3Error(res, 500, 'InternalError', 'We encountered an internal error.');
    }
    if (faults.afterGet && req.method === 'GET' && req.url.split('?')[0] === faults.afterGet.path) {
      const { action } = faults.afterGet;
      faults.afterGet = null;
      res.on('finish', () => action());
    }
    const upstream = http.request({ host: '127.0.0.1', port: s3rverPort, method: req.method, path: req.url,
                                    headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyPort = proxy.address().port;
  sdk = new S3Client({ endpoint: `http://127.0.0.1:${s3rverPort}`, region: 'us-east-1', forcePathStyle: true,
                       credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } });
});

after(async () => {
  proxy?.close();
  await s3rver?.close();
  sdk?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

// sluice, asynchronously (the servers live in this process), with S3 settings
// in its environment; resolves to { code, out } (stdout and stderr).
function sluice(args, env = {}) {
  return new Promise((resolve) => {
    execFile(SLUICE, args, {
      cwd: dir, maxBuffer: 64 << 20,
      env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: `http://127.0.0.1:${proxyPort}`,
             AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1', ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, out: stdout + stderr }));
  });
}
const ok = async (args, env) => {
  const { code, out } = await sluice(args, env);
  assert.equal(code, 0, out);
  return out;
};
const put = (Bucket, Key, Body) => sdk.send(new PutObjectCommand({ Bucket, Key, Body: Buffer.from(Body) }));
const get = async (Bucket, Key) => Buffer.from(await (await sdk.send(new GetObjectCommand({ Bucket, Key }))).Body.transformToByteArray());
const keys = async (Bucket, Prefix) => ((await sdk.send(new ListObjectsV2Command({ Bucket, Prefix }))).Contents ?? []).map((o) => o.Key);

// 30,000 generated trips, split in two CSV objects and one Parquet object.
let trips;
before(async () => {
  await ok(['datagen', 'taxi', '--rows', '30000', '--seed', '11', '--out', 'trips.csv']);
  trips = readFileSync(join(dir, 'trips.csv'), 'utf8');
  const lines = trips.split('\n');
  const header = lines[0];
  const half = 15000;
  mkdirSync(join(dir, '2015'));
  writeFileSync(join(dir, '2015/part-a.csv'), lines.slice(0, half + 1).join('\n') + '\n');
  writeFileSync(join(dir, '2015/part-b.csv'), [header, ...lines.slice(half + 1)].join('\n'));
  await put('trips', '2015/part-a.csv', readFileSync(join(dir, '2015/part-a.csv')));
  await put('trips', '2015/part-b.csv', readFileSync(join(dir, '2015/part-b.csv')));
  await put('trips', '2015/_SUCCESS', '');
  await ok(['convert', 'trips.csv', 'trips.parquet']);
  await put('trips', 'parquet/trips.parquet', readFileSync(join(dir, 'trips.parquet')));
});

test('the taxi run from an S3 prefix into an S3 output equals the run from a local folder, and the SDK reads the model back', async () => {
  const local = JSON.parse(await ok(['run', TAXI_YAML,
    '--set', `source.uri=${dir}/2015/`, '--set', 'output=local-model', '--set', 'train.rounds=30', '--json', '--threads', '2']));
  faults.seen = [];
  const remote = JSON.parse(await ok(['run', TAXI_YAML,
    '--set', 'source.uri=s3://trips/2015/', '--set', 'output=s3://models/taxi', '--set', 'train.rounds=30', '--json', '--threads', '2']));
  assert.deepEqual(remote.rows, local.rows);
  assert.deepEqual(remote.metrics, local.metrics);
  assert.equal(remote.artifact, 's3://models/taxi');
  assert.equal(remote.rejects_file, 's3://models/taxi/rejects.csv');  // where it now lies, not the staging copy
  assert.ok((await keys('models', 'taxi/')).includes('taxi/rejects.csv'));
  assert.ok(faults.seen.some((r) => r.startsWith('GET /trips?') && r.includes('list-type=2')), 'listed the prefix');
  assert.ok(faults.seen.every((r) => !r.includes('_SUCCESS')), 'the _SUCCESS marker is not read');
  const modelKeys = await keys('models', 'taxi/');
  assert.ok(modelKeys.includes('taxi/sluice-model.json') && modelKeys.includes('taxi/model.json'), modelKeys.join());
  assert.deepEqual(await get('models', 'taxi/model.json'), readFileSync(join(dir, 'local-model/model.json')));
  // Batch transform with everything in S3: the model (downloaded once into
  // the state directory's cache), the input and the output.
  await ok(['transform', '--model', 's3://models/taxi', '--input', 's3://trips/2015/part-a.csv',
            '--output', 's3://trips/scores/part-a.csv', '--carry', 'trip_distance', '--threads', '2']);
  await ok(['transform', '--model', 'local-model', '--input', '2015/part-a.csv', '--output', 'scores-local.csv',
            '--carry', 'trip_distance', '--threads', '2']);
  assert.deepEqual(await get('trips', 'scores/part-a.csv'), readFileSync(join(dir, 'scores-local.csv')));
  // The rejects name the object where the local run names the file.
  assert.equal((await get('trips', 'scores/part-a.csv.rejects.csv')).toString().replaceAll('s3://trips/', ''),
               readFileSync(join(dir, 'scores-local.csv.rejects.csv'), 'utf8'));
  faults.seen = [];
  await ok(['transform', '--model', 's3://models/taxi', '--input', 's3://trips/2015/part-a.csv',
            '--output', 'scores-again.csv', '--threads', '2']);
  assert.ok(!faults.seen.some((r) => r.startsWith('GET /models/taxi/')), 'the cached model is reused');
});

test('serve loads models from S3: --model NAME=s3://..., and POST /models only under an s3:// --model-root', async () => {
  const server = spawn(SLUICE, ['serve', '--model', 'taxi=s3://models/taxi', '--model-root', 's3://models/', '--port', '0'], {
    cwd: dir, env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: `http://127.0.0.1:${proxyPort}`,
                     AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1' } });
  try {
    let said = '';
    const port = await new Promise((resolve, reject) => {
      const look = (chunk) => {
        said += chunk;
        const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(said);
        if (m) resolve(Number(m[1]));
      };
      server.stdout.on('data', look);
      server.stderr.on('data', look);
      server.on('exit', () => reject(new Error(`serve exited: ${said}`)));
    });
    const call = async (path, body, type = 'application/json') => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
      return { status: res.status, text: await res.text() };
    };
    // One trip as SageMaker sends it: no header, no target.
    const row = readFileSync(join(dir, '2015/part-a.csv'), 'utf8').split('\n')[1].split(',').slice(0, 12).join(',') + '\n';
    const direct = await call('/models/taxi/invocations', row, 'text/csv');
    assert.equal(direct.status, 200, direct.text);
    const loaded = await call('/models', JSON.stringify({ model_name: 'again', url: 'taxi' }));
    assert.equal(loaded.status, 200, loaded.text);
    const again = await call('/models/again/invocations', row, 'text/csv');
    assert.equal(again.text, direct.text);
    for (const url of ['../trips/2015', 's3://trips/scores', 's3://models/../trips', 'taxi/../../x', './taxi']) {
      const refused = await call('/models', JSON.stringify({ model_name: 'x', url }));
      assert.equal(refused.status, 403, `${url}: ${refused.text}`);
    }
    const missing = await call('/models', JSON.stringify({ model_name: 'y', url: 'nosuch' }));
    assert.equal(missing.status, 400, missing.text);
  } finally {
    server.kill('SIGTERM');
  }
});

test('a model folder made in the AWS console (with folder markers) loads; a listing in circles or past a million objects is an error, not a hang', async () => {
  // The console's "Create folder" leaves an empty object named 'console/'.
  await put('models', 'console/', '');
  await put('models', 'console/taxi/', '');
  for (const key of await keys('models', 'taxi/')) await put('models', `console/${key}`, await get('models', key));
  await ok(['transform', '--model', 's3://models/console/taxi', '--input', '2015/part-a.csv', '--output', 'scores-console.csv',
            '--carry', 'trip_distance', '--threads', '2']);
  assert.deepEqual(readFileSync(join(dir, 'scores-console.csv')), readFileSync(join(dir, 'scores-local.csv')));
  faults.listing = 'circles';
  let { code, out } = await sluice(['convert', 's3://trips/many/', 'many.csv']);
  assert.equal(code, 1, out);
  assert.match(out, /s3:\/\/trips\/many\/: the listing handed back a continuation token it had given before/);
  faults.listing = 'endless';
  ({ code, out } = await sluice(['convert', 's3://trips/many/', 'many.csv']));
  faults.listing = null;
  assert.equal(code, 2, out);
  assert.match(out, /s3:\/\/trips\/many\/: more than 1000000 objects under this prefix, the most sluice lists; name a narrower prefix/);
  assert.ok(!existsSync(join(dir, 'many.csv')));
});

test('a model read while its prefix is being replaced is copied again until its files match its manifest; one that stays mixed is refused', async () => {
  // Model B under mixed/, then model A's manifest over B's: the state halfway
  // through replacing A by B (S3 changes objects one by one, manifest last).
  await ok(['run', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--set', 'output=s3://models/mixed',
            '--set', 'train.rounds=10', '--threads', '2']);
  const manifestB = await get('models', 'mixed/sluice-model.json');
  const manifestA = await get('models', 'taxi/sluice-model.json');
  assert.ok(JSON.parse(manifestB).files['model.json'].content_hash);
  await put('models', 'mixed/sluice-model.json', manifestA);
  const score = ['transform', '--model', 's3://models/mixed', '--input', '2015/part-a.csv', '--threads', '2'];
  let { code, out } = await sluice([...score, '--output', 'mixed.csv']);
  assert.equal(code, 3, out);
  assert.match(out, /error: s3:\/\/models\/mixed\/[a-z_]+\.json: not the file the model's manifest was written with .* copied while it was being replaced/);
  assert.match(out, /copied 3 times from s3:\/\/models\/mixed: it kept changing while it was read, or it is damaged there/);
  assert.ok(!existsSync(join(dir, 'mixed.csv')));
  // The replacement finishes while sluice reads: the first copy has A's
  // manifest, the second (a second later) B's, and B scores.
  faults.afterGet = { path: '/models/mixed/sluice-model.json', action: () => put('models', 'mixed/sluice-model.json', manifestB) };
  ({ code, out } = await sluice([...score, '--output', 'mixed.csv']));
  assert.equal(code, 0, out);
  assert.equal(faults.afterGet, null);
  assert.match(out, /s3:\/\/models\/mixed: the copy is not consistent .*; copying it again/);
  await ok([...score, '--output', 'mixed-again.csv']);
  assert.deepEqual(readFileSync(join(dir, 'mixed.csv')), readFileSync(join(dir, 'mixed-again.csv')));
});

test('prep writes prepared data to S3 and a run trains from it: the rows and metrics of the local prep and run', async () => {
  const prep = (out) => ok(['prep', TAXI_YAML, '--set', `source.uri=${dir}/trips.csv`, '--out', out, '--threads', '2']);
  await prep('prepared-local');
  await prep('s3://trips/prepared/taxi');
  assert.ok((await keys('trips', 'prepared/taxi/')).includes('prepared/taxi/prep.json'));
  const train = async (prepared, output) => JSON.parse(await ok(['run', TAXI_YAML, '--set', `train.prepared=${prepared}`,
    '--set', `output=${output}`, '--set', 'train.rounds=20', '--json', '--threads', '2']));
  const local = await train('prepared-local', 'from-local-prep');
  const remote = await train('s3://trips/prepared/taxi', 'from-s3-prep');
  assert.deepEqual(remote.rows, local.rows);
  assert.deepEqual(remote.metrics, local.metrics);
  // A part that is not the one the manifest describes (a prefix replaced
  // halfway, say): copied again 3 times, then refused, nothing trained.
  const validKey = (await keys('trips', 'prepared/taxi/valid/'))[0];
  const testKey = (await keys('trips', 'prepared/taxi/test/'))[0];
  await put('trips', validKey, await get('trips', testKey));
  const { code, out } = await sluice(['run', TAXI_YAML, '--set', 'train.prepared=s3://trips/prepared/taxi',
                                      '--set', 'output=from-mixed-prep', '--threads', '2']);
  assert.equal(code, 3, out);
  assert.match(out, /s3:\/\/trips\/prepared\/taxi\/valid\/part-\d+\.parquet: not the file the prepared data's manifest was written with/);
  assert.match(out, /copied 3 times from s3:\/\/trips\/prepared\/taxi/);
  assert.ok(!existsSync(join(dir, 'from-mixed-prep')));
});

test('Parquet is read with ranged GETs: the footer once, then only the column chunks a run needs', async () => {
  const out = await ok(['convert', 's3://trips/parquet/trips.parquet', 'back.csv', '--threads', '2']);
  assert.match(out, /converted 29,996 rows/);
  await ok(['convert', 'trips.parquet', 'local-back.csv', '--threads', '2']);
  assert.equal(readFileSync(join(dir, 'back.csv'), 'utf8'), readFileSync(join(dir, 'local-back.csv'), 'utf8'));
  // Six row groups; a pipeline that reads two columns of thirteen.
  await ok(['convert', 'trips.csv', 'groups.parquet', '--row-group-rows', '5000']);
  await put('trips', 'parquet/groups.parquet', readFileSync(join(dir, 'groups.parquet')));
  writeFileSync(join(dir, 'two.yaml'), 'name: two\nsource: {uri: s3://trips/parquet/groups.parquet}\n' +
    'prep: {features: [trip_distance]}\ntrain: {learner: xgboost, target: fare_amount, rounds: 5}\noutput: two-model\n');
  faults.seen = [];
  await ok(['run', 'two.yaml', '--threads', '2']);
  const gets = faults.seen.filter((r) => r.startsWith('GET /trips/parquet/groups.parquet'));
  assert.ok(gets.every((r) => / bytes=\d+-\d+$/.test(r)), gets.join('\n'));
  const size = readFileSync(join(dir, 'groups.parquet')).length;
  const tail = gets.filter((r) => r.endsWith(`-${size - 1}`));
  assert.equal(tail.length, 1, `the footer is fetched once:\n${gets.join('\n')}`);
  const fetched = gets.map((r) => /bytes=(\d+)-(\d+)$/.exec(r)).reduce((sum, m) => sum + Number(m[2]) - Number(m[1]) + 1, 0);
  assert.ok(fetched < size / 2, `${fetched} bytes fetched of ${size}:\n${gets.join('\n')}`);
});

test('the SDK reads what sluice wrote, byte for byte; a large object goes up in parts', async () => {
  await ok(['datagen', 'taxi', '--rows', '200000', '--seed', '12', '--out', 'big.csv']);
  faults.seen = [];
  await ok(['convert', 'big.csv', 's3://trips/out/big.csv', '--threads', '2']);
  await ok(['convert', 'big.csv', 'big-local.csv', '--threads', '2']);
  const uploaded = await get('trips', 'out/big.csv');
  assert.ok(uploaded.length > 16 << 20, `${uploaded.length} bytes`);
  assert.deepEqual(uploaded, readFileSync(join(dir, 'big-local.csv')));
  assert.ok(faults.seen.some((r) => r.includes('uploads')), 'a multipart upload');
  assert.ok(faults.seen.filter((r) => r.includes('partNumber=')).length >= 3, 'in parts');
  // And sluice reads back what it wrote: every row.
  assert.match(await ok(['convert', 's3://trips/out/big.csv', 'again.parquet', '--threads', '2']), /converted 199,956 rows/);
});

test('503 SlowDown, dropped connections and a server that stops answering are retried; a fault that persists fails naming bucket, key and status', async () => {
  faults.next = ['503', 'drop', 'hang', '503'];
  const started = Date.now();
  assert.match(await ok(['convert', 's3://trips/2015/part-a.csv', 'retried.csv', '--threads', '2'],
                        { SLUICE_S3_STALL_SECONDS: '1' }), /converted 14,998 rows/);
  assert.equal(faults.next.length, 0);
  assert.ok(Date.now() - started < 15000, `${Date.now() - started} ms`);
  faults.next = Array(50).fill('503');
  const { code, out } = await sluice(['convert', 's3://trips/2015/part-a.csv', 'never.csv'], { AWS_MAX_ATTEMPTS: '3' });
  faults.next = [];
  assert.equal(code, 1, out);
  assert.match(out, /s3:\/\/trips\/2015\/part-a\.csv: gave up after 3 attempts; the last: HTTP 503 SlowDown/);
});

test('a multipart upload that fails is aborted: nothing appears under the key, the local data is intact', async () => {
  faults.failParts = true;
  const { code, out } = await sluice(['convert', 'big.csv', 's3://trips/out/failed.csv', '--threads', '2'], { AWS_MAX_ATTEMPTS: '2' });
  faults.failParts = false;
  assert.equal(code, 1, out);
  assert.match(out, /HTTP 500 InternalError/);
  assert.deepEqual(await keys('trips', 'out/failed'), []);
  assert.ok(faults.seen.some((r) => r.startsWith('DELETE') && r.includes('uploadId=')), 'the upload was aborted');
});

test('errors get their own messages and exit codes, and the secret appears in none', async () => {
  const cases = [
    [['convert', 's3://nosuch/x.csv', 'x.csv'], {}, 2, /no such bucket 'nosuch'/],
    [['convert', 's3://trips/2015/nosuch.csv', 'x.csv'], {}, 2, /no such object, and no object under s3:\/\/trips\/2015\/nosuch\.csv\//],
    [['convert', 's3://trips/2015/part-a.csv', 'x.csv'], { AWS_SECRET_ACCESS_KEY: 'wrong-secret-do-not-print' }, 1,
     /access denied, HTTP 403 SignatureDoesNotMatch.*the credentials came from the environment/],
    [['convert', 's3://trips/2015/part-a.csv', 'x.csv'], { AWS_PROFILE: 'nosuch' }, 2, /AWS_PROFILE=nosuch: no such profile/],
  ];
  for (const [args, env, exitCode, message] of cases) {
    const { code, out } = await sluice(args, env);
    assert.equal(code, exitCode, out);
    assert.match(out, message);
    assert.ok(!out.includes('wrong-secret-do-not-print') && !out.includes(SECRET + '\n'), out);
  }
  faults.next = ['region'];
  const { code, out } = await sluice(['convert', 's3://trips/2015/part-a.csv', 'x.csv']);
  faults.next = [];
  assert.equal(code, 2, out);
  assert.match(out, /the bucket is in another region \(eu-west-1\).*set AWS_REGION=eu-west-1/);
});

test('credentials come from a profile in ~/.aws the way the AWS CLI finds them; a pipeline may name its endpoint', async () => {
  writeFileSync(join(dir, 'aws-credentials'), `[default]\naws_access_key_id = nobody\naws_secret_access_key = x\n\n` +
                `[lab]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`);
  writeFileSync(join(dir, 'aws-config'), `[profile lab]\nregion = us-east-1\ns3 =\n  addressing_style = path\n`);
  const env = { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'lab',
                AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'), AWS_CONFIG_FILE: join(dir, 'aws-config') };
  assert.match(await ok(['convert', 's3://trips/2015/part-b.csv', 'profiled.csv'], env), /converted 14,998 rows/);
  // A pipeline's source.endpoint comes before AWS_ENDPOINT_URL (here a port nothing listens on).
  writeFileSync(join(dir, 'endpoint.yaml'), `name: endpoint\nsource: {uri: s3://trips/2015/part-a.csv, endpoint: "http://127.0.0.1:${proxyPort}"}\n` +
    'prep: {features: [trip_distance]}\ntrain: {learner: xgboost, target: fare_amount, rounds: 3}\noutput: endpoint-model\n');
  await ok(['run', 'endpoint.yaml', '--threads', '2'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' });
});

test('an S3 output never replaces objects sluice did not write', async () => {
  await put('models', 'notes/readme.txt', 'my notes');
  const { code, out } = await sluice(['run', TAXI_YAML,
    '--set', 'source.uri=s3://trips/2015/part-a.csv', '--set', 'output=s3://models/notes', '--set', 'train.rounds=5']);
  assert.equal(code, 2, out);
  assert.match(out, /holds objects sluice did not write there \(readme\.txt\)/);
  assert.deepEqual(await keys('models', 'notes/'), ['notes/readme.txt']);
  assert.equal((await get('models', 'notes/readme.txt')).toString(), 'my notes');
});

// `mpirun -n N sluice ...` with the same S3 settings in every rank's
// environment (mpirun's own, inherited), stdin closed (mpirun forwards it).
function mpi(ranks, args) {
  return new Promise((resolve) => {
    const child = spawn('mpirun', ['--allow-run-as-root', '--oversubscribe', '--mca', 'btl', 'self,tcp',
      '--mca', 'btl_tcp_if_include', 'lo', '--mca', 'oob_tcp_if_include', 'lo', '-n', String(ranks), SLUICE, ...args], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: dir, AWS_ENDPOINT_URL: `http://127.0.0.1:${proxyPort}`,
             AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_REGION: 'us-east-1' } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('close', (code) => resolve({ code, stdout, out: stdout + stderr }));
  });
}

test('across MPI ranks an S3 source is shared out and S3 outputs are written once, as one process writes them', async () => {
  // Two ranks split the CSV objects under a prefix by byte ranges: the rows,
  // the rejects and θ are one process's; rank 0 alone uploads the artifact.
  const one = JSON.parse(await ok(['run', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--set', 'output=mpi-one',
    '--set', 'train.rounds=20', '--json', '--threads', '1']));
  const ran = await mpi(2, ['run', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--set', 'output=s3://models/taxi-mpi',
    '--set', 'train.rounds=20', '--json', '--threads', '1']);
  assert.equal(ran.code, 0, ran.out);
  const two = JSON.parse(ran.stdout);
  assert.deepEqual(two.rows, one.rows);
  assert.equal(two.rank_hosts.length, 2);
  assert.ok(Math.abs(two.metrics.rmse / one.metrics.rmse - 1) < 0.05, `${two.metrics.rmse} vs ${one.metrics.rmse}`);
  assert.equal(two.artifact, 's3://models/taxi-mpi');
  const objects = await keys('models', 'taxi-mpi/');
  assert.ok(objects.includes('taxi-mpi/sluice-model.json') && objects.includes('taxi-mpi/model.json'), objects.join());
  assert.ok(!objects.some((k) => k.includes('rank-')), `a rank's file was uploaded: ${objects.join()}`);
  assert.equal((await get('models', 'taxi-mpi/rejects.csv')).toString(), readFileSync(join(dir, 'mpi-one/rejects.csv'), 'utf8'));

  // prep across 3 ranks into S3: the same θ and prepared rows as one process.
  await ok(['prep', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--out', 's3://trips/prepared/mpi-one', '--threads', '1']);
  const prep = await mpi(3, ['prep', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--out', 's3://trips/prepared/mpi-three',
    '--threads', '1']);
  assert.equal(prep.code, 0, prep.out);
  assert.deepEqual(await get('trips', 'prepared/mpi-three/prep.json'), await get('trips', 'prepared/mpi-one/prep.json'));
  // Each rank wrote its own part files; rank 0 renamed them in rank order.
  const three = await keys('trips', 'prepared/mpi-three/');
  assert.ok(three.includes('prepared/mpi-three/manifest.json') && !three.some((k) => k.includes('rank-')), three.join());
  for (const part of ['train', 'valid', 'test']) {
    await ok(['convert', `s3://trips/prepared/mpi-one/${part}/`, `mpi-one-${part}.csv`]);
    await ok(['convert', `s3://trips/prepared/mpi-three/${part}/`, `mpi-three-${part}.csv`]);
    assert.ok(readFileSync(join(dir, `mpi-one-${part}.csv`)).equals(readFileSync(join(dir, `mpi-three-${part}.csv`))), part);
  }

  // transform across 2 ranks into one S3 object: one process's bytes.
  await ok(['transform', '--model', 'mpi-one', '--input', 's3://trips/2015/', '--output', 'mpi-scores.csv', '--threads', '1']);
  const scored = await mpi(2, ['transform', '--model', 'mpi-one', '--input', 's3://trips/2015/',
    '--output', 's3://trips/mpi-scores.csv', '--threads', '1']);
  assert.equal(scored.code, 0, scored.out);
  assert.deepEqual(await get('trips', 'mpi-scores.csv'), readFileSync(join(dir, 'mpi-scores.csv')));

  // A destination sluice may not replace is refused by every rank, before any work.
  await put('models', 'mine/keep.txt', 'keep');
  const refused = await mpi(2, ['run', TAXI_YAML, '--set', 'source.uri=s3://trips/2015/', '--set', 'output=s3://models/mine',
    '--set', 'train.rounds=5', '--threads', '1']);
  assert.notEqual(refused.code, 0, refused.out);
  assert.equal(refused.out.match(/holds objects sluice did not write there \(keep\.txt\)/g)?.length, 2, refused.out);
  assert.deepEqual(await keys('models', 'mine/'), ['mine/keep.txt']);
});
