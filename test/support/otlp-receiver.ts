import { createServer, type Server } from "node:http";

/** One span as an OTLP/HTTP JSON export carried it. */
export interface ReceivedSpan {
  /** The exporting process's `service.name` (its resource). */
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Undefined for a root span. */
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
}

/** One POST the receiver took. */
export interface ReceivedExport {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * An OTLP/HTTP collector in the test process, on 127.0.0.1 and a free
 * port: it takes `POST /v1/traces`, keeps every body, and decodes the
 * JSON ones (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) into spans.
 */
export interface OtlpReceiver {
  /** The base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  readonly url: string;
  readonly exports: readonly ReceivedExport[];
  /** Every span of the JSON exports so far. */
  spans(): ReceivedSpan[];
  close(): Promise<void>;
}

const SPAN_KIND = { SPAN_KIND_INTERNAL: 1, SPAN_KIND_SERVER: 2, SPAN_KIND_CLIENT: 3 } as Record<
  string,
  number
>;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}
interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number | string;
        attributes?: OtlpKeyValue[];
        status?: { code?: number | string; message?: string };
      }[];
    }[];
  }[];
}

function attributeValueOf(value: OtlpValue): string | number | boolean {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return value.boolValue ?? "";
}

function attributesOf(list: OtlpKeyValue[] = []): Record<string, string | number | boolean> {
  return Object.fromEntries(list.map(({ key, value }) => [key, attributeValueOf(value)]));
}

function spansOf(body: Buffer): ReceivedSpan[] {
  const json = JSON.parse(body.toString("utf8")) as OtlpJson;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of json.resourceSpans ?? []) {
    const service = String(attributesOf(resourceSpans.resource?.attributes)["service.name"] ?? "");
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          service,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId:
            span.parentSpanId === undefined || span.parentSpanId === "" ? undefined : span.parentSpanId,
          name: span.name,
          kind: typeof span.kind === "number" ? span.kind : (SPAN_KIND[span.kind] ?? 0),
          attributes: attributesOf(span.attributes),
          status: {
            code: Number(span.status?.code ?? 0),
            ...(span.status?.message ? { message: span.status.message } : {}),
          },
        });
      }
    }
  }
  return spans;
}

/** Starts an OTLP/HTTP receiver on 127.0.0.1 (port 0). */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: ReceivedExport[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end();
        return;
      }
      const contentType = req.headers["content-type"] ?? "";
      exports.push({ path: req.url, contentType, body: Buffer.concat(chunks) });
      // An empty ExportTraceServiceResponse: everything accepted.
      if (contentType.startsWith("application/json")) {
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else {
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    spans: () =>
      exports
        .filter(({ contentType }) => contentType.startsWith("application/json"))
        .flatMap(({ body }) => spansOf(body)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
