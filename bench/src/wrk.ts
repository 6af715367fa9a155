import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadOptions, LoadResult } from "./load.ts";
import { type Core, spawnOn, waitFor } from "./processes.ts";

// wrk (Debian's `wrk`), when installed, drives the closed-loop runs instead of our Node generator. A
// generator in Node spends about as much CPU per 87 KB response as a bare Node server spends sending
// it, so the bare server's row measured the generator; wrk, in C, needs a fraction of that and shows
// the real limit. Every response is still checked: the Lua script compares each body with the
// gateway's own first answer (itself checked against the reference), byte for byte.
//   BENCH_LOAD_GENERATOR=wrk|node picks one; by default wrk when it is on the PATH.
//
// At a set rate, too: a Node generator moving ~450 MB/s pauses for its own garbage collection, and an
// open loop rightly charges every late send to the server, so its tail measured the generator.

const SCRIPT = String.raw`
local body, expected, distinct
local counter = 0
-- Headers every request carries besides content-type (e.g. accept-encoding), "name: value" per line.
local extra = {}
-- Globals, not locals: done() reads each thread's through thread:get.
bad, sample = 0, ""
local threads = {}

function setup(thread) table.insert(threads, thread) end

local function read(name)
  local file = assert(io.open(name, "rb"))
  local text = file:read("*a")
  file:close()
  return text
end

local think = 0

function init(args)
  body = read(args[1])
  expected = read(args[2])
  distinct = args[3] == "1"
  think = tonumber(args[4]) or 0
  math.randomseed(os.time())
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["content-type"] = "application/json"
  for line in string.gmatch(args[5] or "", "[^\n]+") do
    local name, value = string.match(line, "^([^:]+):%s*(.*)$")
    if name then
      extra[name] = value
      wrk.headers[name] = value
    end
  end
end

function request()
  if not distinct then return wrk.format() end
  -- A nonce in extensions and a header: every request distinct, the same data asked for.
  counter = counter + 1
  local headers = { ["content-type"] = "application/json", ["x-nonce"] = tostring(counter) }
  for name, value in pairs(extra) do headers[name] = value end
  return wrk.format("POST", nil, headers,
    string.sub(body, 1, -2) .. ',"extensions":{"nonce":' .. counter .. '}}')
end

-- A set rate: after every answer, each connection waits a random whole number of milliseconds from 0
-- to twice the think time (so, on average, the think time). With the same wait for all, connections
-- answered in one turn of the server's event loop came back in one burst of 50, every time, and the p99
-- measured the last answer of that burst: a pattern of the generator, not of independent clients.
function delay()
  if think == 0 then return 0 end
  return math.random(0, 2 * think)
end

function response(status, headers, text)
  if status ~= 200 or text ~= expected then
    bad = bad + 1
    if sample == "" then sample = status .. " " .. string.sub(text, 1, 200) end
  end
end

function done(summary, latency, requests)
  local wrong, first = 0, ""
  for _, thread in ipairs(threads) do
    wrong = wrong + thread:get("bad")
    if first == "" then first = thread:get("sample") end
  end
  local e = summary.errors
  first = string.gsub(string.gsub(first, '[%c"\\]', "'"), "[\128-\255]", "?")
  io.write(string.format('{"requests":%d,"micros":%d,"wrong":%d,"failed":%d,"p50":%d,"p95":%d,"p99":%d,"sample":"%s"}\n',
    summary.requests, summary.duration, wrong, e.connect + e.read + e.write + e.timeout, latency:percentile(50),
    latency:percentile(95), latency:percentile(99), first))
end
`;

let available: boolean | undefined;
export function useWrk(): boolean {
  const choice = process.env.BENCH_LOAD_GENERATOR;
  if (choice === "node") return false;
  if (available === undefined) {
    try {
      execFileSync("wrk", ["--version"], { stdio: "ignore" });
      available = true;
    } catch (error) {
      // wrk --version exits 1 after printing its version.
      available = (error as { status?: number }).status === 1;
    }
  }
  if (choice === "wrk" && !available)
    throw new Error("BENCH_LOAD_GENERATOR=wrk, but wrk is not installed (apt-get install wrk)");
  return available;
}

export const generatorName = () =>
  useWrk()
    ? "wrk 4 (C, one thread) for every run of one request (at a set rate: a random think time per connection, uniform from 0 to twice connections ÷ rate), our Node generator for Scenario B's mix"
    : "our Node generator (undici; at a set rate: an open loop, latency from each request's scheduled time)";

interface WrkOutput {
  requests: number;
  micros: number;
  wrong: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  sample: string;
}

async function wrkOnce(
  url: string,
  files: string[],
  connections: number,
  seconds: number,
  core: Core,
): Promise<WrkOutput> {
  const child = spawnOn(
    core,
    [
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      "--timeout",
      "30s",
      "-s",
      files[0] as string,
      url,
      "--",
      ...files.slice(1),
    ],
    {},
  );
  const [line] = await waitFor(child, /^\{.*\}$/m, "wrk", seconds * 1000 + 60_000);
  return JSON.parse(line) as WrkOutput;
}

/** One closed-loop run: warm-up, then the measured run; the same figures as the Node generator gives. */
export async function runWrk(options: LoadOptions, expected: string | Buffer, core: Core): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-wrk-"));
  // With a rate: connections ÷ rate of think time per connection, on average (wrk has no open loop; at a
  // load well below saturation, answers take a fraction of the think time and the offered rate is close
  // to `rate`).
  const thinkMs = options.rate ? Math.round((options.connections / options.rate) * 1000) : 0;
  if (options.rate && thinkMs < 1) {
    throw new Error(
      `wrk paces in whole milliseconds: ${options.rate} req/s over ${options.connections} connections is too fast to pace`,
    );
  }
  const headers = Object.entries(options.headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join("\n");
  const files = [
    join(dir, "check.lua"),
    join(dir, "body.json"),
    join(dir, "expected.json"),
    options.distinct ? "1" : "0",
    String(thinkMs),
    headers,
  ];
  writeFileSync(files[0] as string, SCRIPT);
  writeFileSync(files[1] as string, options.body ?? "");
  writeFileSync(files[2] as string, expected);
  if (options.warmupSeconds > 0) await wrkOnce(options.url, files, options.connections, options.warmupSeconds, core);
  const out = await wrkOnce(options.url, files, options.connections, options.durationSeconds, core);
  const seconds = out.micros / 1e6;
  const ms = (micros: number) => Math.round(micros / 10) / 100;
  return {
    requests: out.requests,
    errors: out.wrong + out.failed,
    rps: Math.round((out.requests / seconds) * 10) / 10,
    p50: ms(out.p50),
    p95: ms(out.p95),
    p99: ms(out.p99),
    seconds,
    errorSample: out.sample || undefined,
  };
}
