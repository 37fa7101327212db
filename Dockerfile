# syntax=docker/dockerfile:1
# One image per app, all from this file: `docker build --build-arg APP=executor .`
# Apps run their TypeScript through tsx (a runtime dependency), exactly as `shaman dev` and the tests do,
# so there is no separate compile step to drift from what was tested.

ARG NODE_IMAGE=node:20-bookworm-slim

# Only the package manifests, so the `npm ci` layer below is rebuilt when dependencies change and not on
# every source edit. Stripping a full copy keeps this right when a workspace is added (no list to maintain).
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json -delete

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /src ./
# --ignore-scripts: the repo allows no install scripts (package.json `allowScripts`); esbuild, which tsx
# uses, ships its binary as an optional dependency and needs none.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY . .
# The gql-api serves the web UI's bundle from apps/gql-api/web/dist (docs/ui.md); built here while Vite is installed.
RUN npm run build:web
RUN npm prune --omit=dev --no-audit --no-fund --ignore-scripts

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and only readable by the app user: a compromised app cannot rewrite its own code.
COPY --from=build /app ./
ARG APP=a2a-gateway
RUN test -f "apps/${APP}/src/main.ts" || { echo "APP=${APP}: no apps/${APP}/src/main.ts" >&2; exit 1; }
ENV SHAMAN_APP=${APP}
# The shared repository cache's mount point, owned by the app user so a fresh named volume is writable by the
# sync worker (Docker copies this ownership into an empty volume on first mount).
RUN mkdir -p /var/lib/shaman/repos && chown node:node /var/lib/shaman/repos
USER node
# `exec` replaces the shell, so node itself receives SIGTERM and drains (each main.ts handles it).
CMD ["sh", "-c", "exec node --import tsx \"apps/${SHAMAN_APP}/src/main.ts\""]
