'use strict';
// Runs in a worker thread (see index.ts): bcrypt's ~80 ms of CPU per hash at cost
// 10 must not run on the thread that serves requests. Plain CommonJS, so that it loads the
// same way from src/ (tests, `npm run dev`) and from dist/ (the build copies it).
const os = require('node:os');
const bcrypt = require('bcryptjs');

// On Linux a nice value belongs to the thread that sets it. At a lower priority the hashing
// threads still use every core nobody else wants, but the request thread is scheduled first:
// with a thread per core, a sign-in storm would otherwise take its core for tens of
// milliseconds at a time (measured in BENCHMARKS.md).
const HASHING_NICE = 10;
try {
  os.setPriority(HASHING_NICE);
} catch {
  // Not permitted or not supported here: hash at normal priority.
}

exports.hash = ({ plain, rounds }) => bcrypt.hash(plain, rounds);
exports.verify = ({ plain, hash }) => bcrypt.compare(plain, hash);
