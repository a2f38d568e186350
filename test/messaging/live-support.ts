import { WebSocket } from "ws";

/** A WebSocket test client on a BFF's `/live`, collecting what it receives. */
export interface LiveClient {
  readonly ws: WebSocket;
  readonly messages: Array<Record<string, unknown>>;
  /** Resolves with the first message (already received or to come) matching `match`, with its arrival time. */
  next(match: (message: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** Opens `ws(s)://…/live?productId=`; rejects with the HTTP status and body if the upgrade is refused. */
export function openLive(bffUrl: string, productId: string, headers: Record<string, string> = {}) {
  const url = `${bffUrl.replace(/^http/, "ws")}/live?productId=${encodeURIComponent(productId)}`;
  const ws = new WebSocket(url, { headers });
  const messages: Array<Record<string, unknown>> = [];
  const waiters = new Set<() => void>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    message.receivedAt = performance.now();
    messages.push(message);
    for (const wake of [...waiters]) wake();
  });
  const client: LiveClient = {
    ws,
    messages,
    next(match, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (found === undefined) return false;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(found);
          return true;
        };
        const wake = () => {
          check();
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching message within ${ms} ms; got ${JSON.stringify(messages)}`));
        }, ms);
        if (!check()) waiters.add(wake);
      });
    },
    close: () => ws.terminate(),
  };
  return new Promise<LiveClient>((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => {
        reject(
          Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
            status: res.statusCode,
            headers: res.headers,
            body,
          }),
        );
      });
    });
  });
}

/** The refusal `openLive` rejected with. */
export interface Refusal {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export async function refusalOf(promise: Promise<unknown>): Promise<Refusal> {
  try {
    await promise;
  } catch (error) {
    if (typeof (error as { status?: unknown }).status === "number") return error as Refusal;
    throw error;
  }
  throw new Error("expected the upgrade to be refused");
}

/** POSTs a stock or price change to the demo shop's control server. */
export async function changeStock(control: string, productId: string, available: number): Promise<void> {
  const response = await fetch(`${control}/_admin/stock/${productId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ available }),
  });
  if (!response.ok) throw new Error(`stock change refused: ${response.status}`);
}

export async function changePrice(control: string, productId: string, amount: number): Promise<void> {
  const response = await fetch(`${control}/_admin/prices/${productId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ amount }),
  });
  if (!response.ok) throw new Error(`price change refused: ${response.status}`);
}
