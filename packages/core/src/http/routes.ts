import type { Request, RequestHandler, Response } from "express";
import { GatewayError } from "../errors/index.js";
import { sendProblem } from "./problem.js";

/** express's last route: a path neither the edge's table nor a team's express routes serve is a 404 problem. */
export function notFound(): RequestHandler {
  return function notFound(req: Request, res: Response) {
    sendProblem(res, new GatewayError("ROUTE_NOT_FOUND", "No such route"), req.path, res.locals.ctx);
  };
}
