// The benchmark's reference: a bare Express 5 app answering what /api/test/all answers,
// with no middleware at all.
import express from 'express';

const app = express();
app.get('/api/test/all', (_req, res) => {
  res.send('Public Content.');
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
