import type { NextFunction, Request, Response } from "express";
import { markServerAborted } from "../recording/server-aborted.js";
import type { FaultState } from "./fault-state.js";

const MALFORMED_BODY = '{"id": "p1", "name": "Aurora Wireless';
const RESET_BODY = JSON.stringify({
  id: "p1",
  name: "a body that never arrives whole",
  padding: "x".repeat(512),
});

/**
 * Lets the route do its work (store the order, change the cart), then
 * destroys the connection at its first attempt to answer, before a byte of
 * it is sent: the caller can't tell whether the write happened.
 */
function resetInsteadOfAnswer(res: Response): void {
  const socket = res.socket;
  markServerAborted(res);
  const cut = () => {
    socket?.destroy();
    return res;
  };
  // Every way an answer starts goes through one of these (express's send and
  // json call end; an implicit header is a writeHead).
  res.writeHead = cut as Response["writeHead"];
  res.write = (() => {
    cut();
    return false;
  }) as Response["write"];
  res.end = cut as Response["end"];
}

/**
 * Middleware that plays the service's current fault, if any, on each request.
 * Mounted after the `/_faults` routes so the control API itself is never hit.
 */
export function injectFaults(state: FaultState) {
  return function injectFaults(req: Request, res: Response, next: NextFunction): void {
    const fault = state.forRequest(req.path);
    if (!fault) {
      next();
      return;
    }
    switch (fault.mode) {
      case "delay": {
        const timer = setTimeout(next, fault.ms);
        // A client that gives up must not leave a timer (or a late handler) behind.
        res.once("close", () => clearTimeout(timer));
        return;
      }
      case "error":
        res.status(fault.status).json({ error: "injected_fault", status: fault.status });
        return;
      case "hang":
        // Deliberately no answer: the socket stays open until the client closes it.
        return;
      case "malformed":
        res.status(200).type("application/json").send(MALFORMED_BODY);
        return;
      case "wrong-shape":
        res.status(200).json(fault.body === undefined ? { unexpected: true } : fault.body);
        return;
      case "reset": {
        const socket = res.socket;
        markServerAborted(res);
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(RESET_BODY),
        });
        // Destroy only once headers and the partial body reached the socket,
        // so the client sees an answer begin and then the connection die.
        res.write(RESET_BODY.slice(0, 40), () => socket?.destroy());
        return;
      }
      case "reset-after-commit":
        resetInsteadOfAnswer(res);
        next();
        return;
      case "refuse":
        // Handled on the listening socket; a request can't get here while refusing.
        next();
        return;
    }
  };
}
