# syntax=docker/dockerfile:1
# @portico/demo-services (the shop's ten services, one process). Example
# only: nothing in this repository builds or runs it (see docs/fleet.md).
#   docker build -f deploy/docker/demo-services.Dockerfile -t portico/demo-services .

FROM node:20-bookworm-slim AS build
WORKDIR /repo
COPY . .
RUN npx -y pnpm@12.4.2 install --frozen-lockfile \
 && npx -y pnpm@12.4.2 --filter "@portico/demo-services..." run build \
 && npx -y pnpm@12.4.2 --filter @portico/demo-services deploy --prod --legacy /out

FROM node:20-bookworm-slim
# Listen on every interface; with DISCOVERY=etcd, set DEMO_ADVERTISE_HOST to
# an address the BFFs can reach (in Kubernetes: the pod IP).
ENV NODE_ENV=production \
    DEMO_HOST=0.0.0.0 \
    DEMO_BASE_PORT=7101 \
    DEMO_CONTROL_PORT=7100
WORKDIR /app
COPY --from=build --chown=node:node /out ./
USER node
EXPOSE 7100-7110
CMD ["node", "dist/main.js"]
