import { randomFillSync } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
  type SpanContext,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** The W3C trace context headers Kyodo reads on inbound records and writes on what it produces. */
export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';

export interface DerivedTrace {
  /** `traceparent` (and `tracestate` when the inbound record had one), for every record written for the input. */
  readonly headers: Readonly<Record<string, string>>;
  readonly traceId: string;
  readonly spanId: string;
}

const propagator = new W3CTraceContextPropagator();
const ID_POOL_BYTES = 4096;

/**
 * Carries W3C trace context from an inbound record to the records written for it, through the
 * OpenTelemetry API. With an OpenTelemetry SDK registered, each routed input is a CONSUMER span, child
 * of the inbound context, and the outputs carry that span. With none (the default: no exporter is
 * needed), the same is derived by hand: an inbound `traceparent`'s trace id, flags and `tracestate`
 * are kept under a new span id, and an input without one starts a fresh trace.
 */
export class TraceContextPropagation {
  private readonly tracer = trace.getTracer('kyodo-gateway');
  private readonly pool = Buffer.allocUnsafe(ID_POOL_BYTES);
  private used = ID_POOL_BYTES;

  /** The trace context for the outputs of one input with these headers. */
  derive(inbound: Readonly<Record<string, string>> | undefined): DerivedTrace {
    const parentContext =
      inbound !== undefined && inbound[TRACEPARENT] !== undefined
        ? propagator.extract(ROOT_CONTEXT, inbound, defaultTextMapGetter)
        : ROOT_CONTEXT;
    const parent = trace.getSpanContext(parentContext);
    let own: SpanContext;
    const span = this.tracer.startSpan('kyodo route', { kind: SpanKind.CONSUMER }, parentContext);
    const started = span.spanContext();
    if (isSpanContextValid(started) && started.spanId !== parent?.spanId) {
      // A registered SDK made a real span.
      own = started;
      span.end();
    } else {
      own = {
        traceId: parent !== undefined && isSpanContextValid(parent) ? parent.traceId : this.randomHex(16),
        spanId: this.randomHex(8),
        traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
        traceState: parent?.traceState,
      };
    }
    const headers: Record<string, string> = {};
    propagator.inject(trace.setSpanContext(ROOT_CONTEXT, own), headers, defaultTextMapSetter);
    return { headers, traceId: own.traceId, spanId: own.spanId };
  }

  /** Random non-zero ids from a pooled buffer: one crypto call per 4 KB, not per id. */
  private randomHex(bytes: number): string {
    for (;;) {
      if (this.used + bytes > ID_POOL_BYTES) {
        randomFillSync(this.pool);
        this.used = 0;
      }
      const id = this.pool.toString('hex', this.used, (this.used += bytes));
      if (!/^0+$/.test(id)) return id;
    }
  }
}
