// One autocannon run in a process of its own, so that the load generators of a benchmark
// (two at once in some scenarios) do not share an event loop with each other or with the
// benchmark script. Options as JSON in argv[2]; prints the summary as JSON.
// A request with `uniqueSignup: true` gets a fresh sign-up body each time.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]);
let signups = 0;
for (const request of options.requests ?? []) {
  if (!request.uniqueSignup) continue;
  delete request.uniqueSignup;
  request.setupRequest = (req) => {
    signups += 1;
    const name = `load${process.pid}x${signups}`;
    return { ...req, body: JSON.stringify({ username: name, email: `${name}@example.com`, password: 'bench-load-password' }) };
  };
}
const result = await autocannon(options);
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    p99: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    requests: result.requests.total,
    // Includes those still in flight when the time was up: the server served them too.
    sent: result.requests.sent,
  }),
);
