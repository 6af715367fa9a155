import { type Attributes, context, propagation, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { PrismaInstrumentation } from "@prisma/instrumentation";
import type { FastifyInstance, FastifyRequest } from "fastify";

/**
 * OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set and off (no
 * provider, no cost beyond a no-op check) otherwise. One trace follows a request through the router
 * (its server span, then @apollo/gateway's own plan/execute/fetch spans), into each subgraph (W3C
 * `traceparent` is injected into subgraph and service-to-service requests), down to Prisma's spans for
 * every query.
 *
 * Spans are created by hand at the HTTP edge instead of by auto-instrumentation, which patches modules
 * as they load and so needs a loader hook for ESM: here nothing depends on import order.
 */
let enabled = false;
/** Whether this process exports traces (servers add their per-request span hooks only then). */
export const tracingEnabled = () => enabled;

export function startTracing(service: string, endpoint: string | undefined): { shutdown(): Promise<void> } | undefined {
  if (!endpoint) return undefined;
  enabled = true;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint.replace(/\/$/, "")}/v1/traces` })),
    ],
  });
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new PrismaInstrumentation()] });
  return { shutdown: () => provider.shutdown() };
}

const tracer = () => trace.getTracer("supergraph");
const spans = new WeakMap<FastifyRequest, Span>();

/** A server span per request, continuing the caller's trace, with the rest of the request run inside it. */
export function traceRequests(app: FastifyInstance): void {
  app.addHook("onRequest", (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer().startSpan(
      `${request.method} ${request.url.split("?")[0]}`,
      { kind: SpanKind.SERVER },
      parent,
    );
    span.setAttribute("http.request_id", String(request.id));
    spans.set(request, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook("onResponse", (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute("http.response.status_code", reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}

/** Adds the active trace's `traceparent` to an outgoing request's headers. */
export function injectTraceContext(setHeader: (name: string, value: string) => void): void {
  propagation.inject(context.active(), undefined, { set: (_carrier, key, value) => setHeader(key, value) });
}

export interface OperationSpan {
  /** Runs a step of the operation inside its span (its fetches and their subgraphs' spans join the trace). */
  run<T>(step: () => T): T;
  end(attributes: Attributes, failed: boolean): void;
}

/**
 * A server span for an operation that outlives the request that started it (a subscription), continuing
 * the trace in that request's headers. A no-op span when this process exports no traces.
 */
export function startOperationSpan(
  name: string,
  headers: Record<string, string | string[] | undefined>,
  attributes: Attributes,
): OperationSpan {
  const parent = propagation.extract(context.active(), headers);
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
  const active = trace.setSpan(parent, span);
  return {
    run: (step) => context.with(active, step),
    end(endAttributes, failed) {
      span.setAttributes(endAttributes);
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
