// The benchmark's reference: a bare Express 5 app answering what /api/test/all answers,
// with no middleware at all.
//
// With SHAPED_SERVER=1 the same app is served by the service's HTTP server (dist/http-server.js,
// request objects with Express's fields declared up front). That figure is for the record
// only: it shows what the service's middleware costs once both sides have that fix.
import { createRequire } from 'node:module';
import express from 'express';

const app = express();
app.get('/api/test/all', (_req, res) => {
  res.send('Public Content.');
});
const port = Number(process.env.PORT);
const ready = () => console.log('ready');
const server = process.env.SHAPED_SERVER
  ? createRequire(import.meta.url)('../dist/http-server.js').createHttpServer(app).listen(port, '127.0.0.1', ready)
  : app.listen(port, '127.0.0.1', ready);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
