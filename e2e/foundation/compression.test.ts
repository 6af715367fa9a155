import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUpAdmin, startStack } from "../harness.ts";
import { delayingProxy, type SubgraphProxy } from "../proxy.ts";
import { deleteKeys, redisAvailable, redisUrl, uniquePrefix } from "../redis.ts";

// Responses compressed for clients that ask, through the real router: its own responses, cache hits
// (from the lane in front of Fastify, and from the router's handler), and responses shared by coalesced
// requests. A raw HTTP client, so the test sees the bytes on the wire (fetch would undo the encoding).

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** Bytes on the wire. */
  sent: number;
  json: { data?: Record<string, unknown>; errors?: unknown[] };
}

function decode(encoding: string | undefined, bytes: Buffer): Buffer {
  if (encoding === "br") return zlib.brotliDecompressSync(bytes);
  if (encoding === "gzip") return zlib.gunzipSync(bytes);
  if (encoding === "deflate") return zlib.inflateSync(bytes);
  if (encoding === undefined) return bytes;
  throw new Error(`unexpected content-encoding ${encoding}`);
}

/** POSTs an operation; `chunked` sends the body without a length (the cache-hit lane hands those on). */
function post(
  url: string,
  operation: { query: string; variables?: Record<string, unknown> },
  headers: Record<string, string> = {},
  chunked = false,
): Promise<RawAnswer> {
  const body = JSON.stringify(operation);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(chunked ? {} : { "content-length": Buffer.byteLength(body) }),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const bytes = Buffer.concat(chunks);
          try {
            const json = JSON.parse(decode(response.headers["content-encoding"], bytes).toString());
            resolve({ status: response.statusCode ?? 0, headers: response.headers, sent: bytes.length, json });
          } catch (error) {
            reject(error);
          }
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    if (chunked) request.write(body.slice(0, 10));
    request.end(chunked ? body.slice(10) : body);
  });
}

const withRedis = await redisAvailable();
let stack: Stack;
let admin: SignedIn;
const DESCRIPTION = "A lamp with a long description, repeated so the answer is worth compressing. ".repeat(40);

beforeAll(async () => {
  stack = await startStack();
  admin = await signUpAdmin(stack);
});
afterAll(async () => {
  await stack?.close();
});

/** A cacheable query of its own (a product of its own) whose answer is about 3 KB. */
async function bigQuery() {
  const product = await createProduct(stack, admin, { name: "Compressed Lamp", description: DESCRIPTION });
  return { query: `query Big($id: ID!) { product(id: $id) { id name description } }`, variables: { id: product.id } };
}

const descriptionIn = (answer: RawAnswer | undefined) =>
  (answer?.json.data?.product as { description?: string } | undefined)?.description;

/** Entries are stored just after the response is sent: ask until one is served from the cache. */
async function untilHit(read: () => Promise<RawAnswer>): Promise<RawAnswer> {
  let answer = await read();
  for (let attempt = 0; attempt < 40 && answer.headers["x-cache"] !== "HIT"; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    answer = await read();
  }
  return answer;
}

describe("response compression", () => {
  it("compresses the router's answer and the cache hit after it, for a client that accepts br", async () => {
    const operation = await bigQuery();
    const url = `${stack.routerUrl}`;
    const miss = await post(url, operation, { "accept-encoding": "gzip, deflate, br" });
    expect(miss.headers["x-cache"]).toBe("MISS");
    expect(miss.headers["content-encoding"]).toBe("br");
    expect(miss.headers.vary).toContain("accept-encoding");
    expect(descriptionIn(miss)).toBe(DESCRIPTION);

    const hit = await untilHit(() => post(url, operation, { "accept-encoding": "gzip, deflate, br" }));
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.headers["content-encoding"]).toBe("br");
    expect(hit.headers.vary).toContain("accept-encoding");
    expect(Number(hit.headers["content-length"])).toBe(hit.sent);
    expect(hit.json).toEqual(miss.json);
    const plain = await post(url, operation);
    expect(hit.sent).toBeLessThan(Number(plain.headers["content-length"]) / 4);
  });

  it("answers in the encoding the client prefers, and as it is to a client that asks for none", async () => {
    const operation = await bigQuery();
    const url = stack.routerUrl;
    const first = await post(url, operation, { "accept-encoding": "br;q=0.5, gzip" });
    expect(first.headers["content-encoding"]).toBe("gzip");
    const hit = await untilHit(() => post(url, operation, { "accept-encoding": "br;q=0.5, gzip" }));
    expect(hit.headers["content-encoding"]).toBe("gzip");
    const plain = await post(url, operation);
    expect(plain.headers["x-cache"]).toBe("HIT");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.json).toEqual(first.json);
    expect((await post(url, operation, { "accept-encoding": "identity" })).headers["content-encoding"]).toBeUndefined();
  });

  it("serves a hit compressed from the router's own handler too (a request the lane hands on)", async () => {
    const operation = await bigQuery();
    const url = stack.routerUrl;
    await untilHit(() => post(url, operation));
    // A body without a length is not read by the lane: the router's handler finds the hit.
    const hit = await post(url, operation, { "accept-encoding": "gzip" }, true);
    expect(hit.headers["x-cache"]).toBe("HIT");
    expect(hit.headers["content-encoding"]).toBe("gzip");
    expect(Number(hit.headers["content-length"])).toBe(hit.sent);
    expect(descriptionIn(hit)).toBe(DESCRIPTION);
  });

  it.runIf(withRedis)("serves compressed hits from a replica that reads the entry from Redis", async () => {
    const prefix = uniquePrefix("compression");
    const shared = { REDIS_URL: redisUrl, RESPONSE_CACHE_KEY_PREFIX: prefix };
    const [first, second] = await Promise.all([stack.startRouter(shared), stack.startRouter(shared)]);
    try {
      const operation = await bigQuery();
      const miss = await post(first.url, operation, { "accept-encoding": "br" });
      expect(miss.headers["x-cache"]).toBe("MISS");
      // The second replica never saw the response: it reads the entry from Redis and compresses its copy.
      const hit = await untilHit(() => post(second.url, operation, { "accept-encoding": "br" }));
      expect(hit.headers["x-cache"]).toBe("HIT");
      expect(hit.headers["content-encoding"]).toBe("br");
      expect(hit.json).toEqual(miss.json);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await deleteKeys(prefix);
    }
  });

  it("sends small answers as they are", async () => {
    const small = await post(stack.routerUrl, { query: "{ __typename }" }, { "accept-encoding": "br" });
    expect(small.json).toEqual({ data: { __typename: "Query" } });
    expect(small.headers["content-encoding"]).toBeUndefined();
  });

  it("reads request bodies as they come: a compressed body is not decompressed", async () => {
    const body = zlib.gzipSync(JSON.stringify({ query: "{ __typename }" }));
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        stack.routerUrl,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/graphql-response+json",
            "content-encoding": "gzip",
            "content-length": body.length,
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
    expect(status).toBe(400);
  });

  it("compresses nothing with RESPONSE_COMPRESSION=false (a proxy in front compresses)", async () => {
    const router = await stack.startRouter({ RESPONSE_COMPRESSION: "false" });
    try {
      const operation = await bigQuery();
      const miss = await post(router.url, operation, { "accept-encoding": "br" });
      expect(miss.headers["content-encoding"]).toBeUndefined();
      const hit = await untilHit(() => post(router.url, operation, { "accept-encoding": "br" }));
      expect(hit.headers["x-cache"]).toBe("HIT");
      expect(hit.headers["content-encoding"]).toBeUndefined();
      expect(descriptionIn(hit)).toBe(DESCRIPTION);
    } finally {
      await router.close();
    }
  });

  describe("with coalescing (cache off, a products subgraph that takes 200 ms)", () => {
    let proxy: SubgraphProxy;
    let router: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      proxy = await delayingProxy(stack.products.url, 200);
      router = await stack.startRouter({ PRODUCTS_URL: proxy.url, RESPONSE_CACHE: "false" });
    });
    afterAll(async () => {
      await router?.close();
      await proxy?.close();
    });

    it("sends every caller of one shared execution the answer in its own encoding", async () => {
      const operation = await bigQuery();
      const before = proxy.forwarded();
      const asks = ["br", "gzip", "br", undefined, "deflate", "br"];
      const answers = await Promise.all(
        asks.map((encoding) => post(router.url, operation, encoding ? { "accept-encoding": encoding } : {})),
      );
      expect(proxy.forwarded() - before).toBe(1);
      expect(answers.map((answer) => answer.headers["content-encoding"])).toEqual(asks);
      for (const answer of answers) expect(answer.json).toEqual(answers[0]?.json);
      expect(descriptionIn(answers[0])).toBe(DESCRIPTION);
    });
  });
});
