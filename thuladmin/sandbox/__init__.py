"""The sandbox: a fake Thulium built into the dashboard, for demos, tests and benchmarks.

With no `THULIUM_URL`, the dashboard's client talks to this app, served under /sandbox/api/,
over real HTTP exactly as it would to Thulium. So the sandbox copies Thulium's observable
behaviour (Basic auth, error body shape, `""` for empty values, empty success bodies, long-URL
refusal) and fills the undocumented gaps with the answers a client must be ready for, including
a slow or failing network when asked to.

Read it top-down:

- `urls`: the routes, mirroring Thulium's paths.
- `views`: the endpoints, one module per family of paths (its docstring lists them). Where the
  contract is silent, a view's docstring says what the sandbox decided.
- `endpoint`: the decorator every view wears, standing for the server around the application:
  URL length limit, authentication, injected latency and faults, method check.
- The parts the endpoints share:
  - `basic_auth`: HTTP Basic, and the 401 or 429 for wrong credentials; the counting of
    failures per address is `throttling`'s.
  - `faults`: injected latency, 429s, 5xxs and slow answers (settings `SANDBOX_*`).
  - `validation`: request bodies, field by field, every error reported at once.
  - `shapes`: the bodies of successful answers; `errors`: the error bodies, in English or
    Polish.
  - `sql`: the sandbox's own database connection and the statements written in SQL for speed;
    `records_index`: the records list's matching ids, kept between requests.
  - `calls`: agents' calls, simulated (`SANDBOX_CALLS_PER_MINUTE`, off by default), so records
    change status, call date and next call date as in a working campaign; made lazily by the
    `endpoint` decorator, on authenticated requests, as time passes.
- The data: `models` (campaigns, statuses, agents, records, customers, the calls' clock),
  `routers` (a database of its own with `SANDBOX_DATABASE_URL`),
  `management/commands/sandbox_seed.py` (demo data), `sandbox_calls.py` (calls made at once:
  `--count N`), `admin`.
"""
