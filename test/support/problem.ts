import { expect } from "vitest";

/** Asserts an RFC 9457 problem answer with Portico's fields, and returns its body. */
export async function expectProblem(
  response: Response,
  status: number,
  instance?: string,
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.requestId).toBe(response.headers.get("x-request-id"));
  if (instance !== undefined) expect(body.instance).toBe(instance);
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|https?:\/\/(?!portico\.dev)/);
  expect(text).not.toMatch(/\n\s+at /);
  return body;
}
