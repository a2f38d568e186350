# syntax=docker/dockerfile:1
# @portico/web-bff. Example only: nothing in this repository builds or runs it
# (see docs/fleet.md). Build from the repository root:
#   docker build -f deploy/docker/web-bff.Dockerfile -t portico/web-bff .

FROM node:20-bookworm-slim AS build
WORKDIR /repo
COPY . .
# Install, build the app and what it depends on, then copy out the app with
# its production dependencies only (workspace packages injected as built).
RUN npx -y pnpm@12.4.2 install --frozen-lockfile \
 && npx -y pnpm@12.4.2 --filter "@portico/web-bff..." run build \
 && npx -y pnpm@12.4.2 --filter @portico/web-bff deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8082
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 8082
# Configured only by environment variables (docs/configuration.md, docs/fleet.md).
CMD ["node", "dist/main.js"]
