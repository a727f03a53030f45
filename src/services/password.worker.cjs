'use strict';
// Runs in a worker thread (see password.service.ts): bcrypt's ~80 ms of CPU per hash at cost
// 10 must not run on the thread that serves requests. Plain CommonJS, so that it loads the
// same way from src/ (tests, `npm run dev`) and from dist/ (the build copies it).
const bcrypt = require('bcryptjs');

exports.hash = ({ plain, rounds }) => bcrypt.hash(plain, rounds);
exports.verify = ({ plain, hash }) => bcrypt.compare(plain, hash);
