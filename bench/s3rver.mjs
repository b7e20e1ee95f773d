// Starts s3rver (npm) on a free loopback port with the given buckets, storing
// objects under DIR; prints the port, then serves until killed.
//   node s3rver.mjs DIR BUCKET...
import S3rver from 's3rver';

const [dir, ...buckets] = process.argv.slice(2);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir,
                            configureBuckets: buckets.map((name) => ({ name })) });
const { port } = await server.run();
console.log(port);
