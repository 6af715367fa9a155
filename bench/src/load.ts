// The load generator, run as its own process (pinned to the other core than the gateway): a closed loop
// of N connections, each sending the next request when the previous answer has arrived — or, with
// `rate`, an open loop at a fixed offered rate. Every response is checked against the expected one
// (same data, no errors); latencies go into an HDR histogram.
//
// Hand-written on undici rather than autocannon: we need p95 (autocannon reports fixed percentiles
// without it) and a check of every response body, at a cost low enough not to skew the measurement.
//   tsx load.ts '<json options>'   → prints one JSON line with the results
import { build } from "hdr-histogram-js";
import { Pool } from "undici";

export interface LoadOptions {
  url: string;
  /** One request, sent over and over; or a weighted mix (`requests`). */
  body?: string;
  headers?: Record<string, string>;
  requests?: Array<{ weight: number; body: string; headers?: Record<string, string> }>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /**
   * Make every request distinct (a counter in the body's `extensions` and an `x-nonce` header) while
   * asking for the same data: in-flight deduplication cannot combine them.
   */
  distinct?: boolean;
  /**
   * The exact body every response must have (compared as parsed JSON when the bytes differ). Without it
   * (a mixed workload), a response must be HTTP 200 with data and no errors.
   */
  expected?: string;
  /**
   * The exact bytes every response must have when they are not text (a compressed answer: compared as
   * bytes only), in base64, as options reach this process as JSON.
   */
  expectedBase64?: string;
  /**
   * Open loop: requests per second in all, spread evenly over the connections, each sent at its
   * scheduled time. Latency counts from that time, not from when the request could leave: a late answer
   * delays the next send, and that wait is the server's too (no coordinated omission). In a closed loop
   * at saturation, latency is only connections ÷ throughput; at a set rate it shows what a client sees.
   */
  rate?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  seconds: number;
  errorSample?: string;
}

function withoutErrors(actual: string): boolean {
  try {
    const body = JSON.parse(actual) as { errors?: unknown; data?: unknown };
    return !body.errors && body.data !== null && body.data !== undefined;
  } catch {
    return false;
  }
}

function sameResponse(actual: string, expected: string, parsedExpected: unknown): boolean {
  // Byte-equal (some servers end the body with a newline, some do not) is the cheap, usual case.
  if (actual === expected || actual.trimEnd() === expected.trimEnd()) return true;
  try {
    const body = JSON.parse(actual) as { errors?: unknown; data?: unknown };
    return !body.errors && JSON.stringify(body.data) === JSON.stringify((parsedExpected as { data: unknown }).data);
  } catch {
    return false;
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const parsedExpected = options.expected ? (JSON.parse(options.expected) as unknown) : undefined;
  const mix = (options.requests ?? [{ weight: 1, body: options.body ?? "", headers: options.headers }]).map(
    (request) => ({
      ...request,
      headers: { "content-type": "application/json", ...options.headers, ...request.headers },
    }),
  );
  const totalWeight = mix.reduce((sum, request) => sum + request.weight, 0);
  const pick = () => {
    let threshold = Math.random() * totalWeight;
    for (const request of mix) {
      threshold -= request.weight;
      if (threshold <= 0) return request;
    }
    return mix[mix.length - 1] as (typeof mix)[number];
  };
  // Bytes first: decoding 87 KB into a string per response made the generator's own pauses (and GC)
  // part of the tail it measures. Only a body that differs is decoded and compared as JSON.
  const expectedBytes = options.expectedBase64
    ? Buffer.from(options.expectedBase64, "base64")
    : options.expected
      ? Buffer.from(options.expected)
      : undefined;
  const check = (bytes: Buffer) => {
    if (expectedBytes?.equals(bytes)) return true;
    if (options.expectedBase64) return false;
    const text = bytes.toString();
    return options.expected ? sameResponse(text, options.expected, parsedExpected) : withoutErrors(text);
  };
  let measuring = false;
  let stop = false;
  let requests = 0;
  let errors = 0;
  let errorSample: string | undefined;
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });

  let nonce = 0;
  const origin = process.hrtime.bigint();
  const interval = options.rate ? BigInt(Math.round((options.connections / options.rate) * 1e9)) : 0n;
  const loop = async (index: number) => {
    // Connections start staggered across one interval, so the offered load is even.
    let scheduled = origin + (interval * BigInt(index)) / BigInt(options.connections);
    let previousDone = 0n;
    while (!stop) {
      if (interval > 0n) {
        const wait = Number(scheduled - process.hrtime.bigint()) / 1e6;
        if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      // From the scheduled time when the server made this request late (its previous answer came after
      // that time); otherwise from when it left: a timer firing late or early is the generator's doing.
      const started = interval > 0n && previousDone > scheduled ? scheduled : process.hrtime.bigint();
      scheduled += interval;
      let ok = false;
      let text = "";
      try {
        const request = pick();
        const distinct = options.distinct ? ++nonce : 0;
        const response = await pool.request({
          path: target.pathname + target.search,
          method: "POST",
          headers: distinct ? { ...request.headers, "x-nonce": String(distinct) } : request.headers,
          body: distinct ? `${request.body.slice(0, -1)},"extensions":{"nonce":${distinct}}}` : request.body,
        });
        const bytes = Buffer.from(await response.body.arrayBuffer());
        ok = response.statusCode === 200 && check(bytes);
        if (!ok) text = bytes.toString();
      } catch (error) {
        text = String(error);
      }
      previousDone = process.hrtime.bigint();
      if (!measuring) continue;
      requests++;
      histogram.recordValue(Number(previousDone - started) / 1000);
      if (!ok) {
        errors++;
        errorSample ??= text.slice(0, 300);
      }
    }
  };

  const loops = Array.from({ length: options.connections }, (_, index) => loop(index));
  await new Promise((resolve) => setTimeout(resolve, options.warmupSeconds * 1000));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, options.durationSeconds * 1000));
  measuring = false;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.all(loops);
  await pool.close();
  const ms = (percentile: number) => Math.round(histogram.getValueAtPercentile(percentile) / 10) / 100;
  return {
    requests,
    errors,
    rps: Math.round((requests / seconds) * 10) / 10,
    p50: ms(50),
    p95: ms(95),
    p99: ms(99),
    seconds,
    errorSample,
  };
}

if (process.argv[1]?.endsWith("load.ts")) {
  const options = JSON.parse(process.argv[2] ?? "{}") as LoadOptions;
  console.log(JSON.stringify(await runLoad(options)));
}
