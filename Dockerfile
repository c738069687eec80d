# syntax=docker/dockerfile:1
#
# One image ("sigma") for all six services and the `sigma` CLI: every service runs TypeScript
# source through tsx from the repo root, so the images would only differ in their start command.
# Kubernetes Deployments, the CronJob and docker-compose pick the entry point with `command`:
#   node --import tsx services/<name>/src/main.ts
#
# Build:  docker build -t sigma:local .
FROM node:20-bookworm-slim

# tsx caches transpiled files under os.tmpdir(); /tmp is the only writable path in Kubernetes
# (readOnlyRootFilesystem + an emptyDir at /tmp), so everything mutable goes there, including an
# npm cache should anyone run npm inside a container.
ENV TMPDIR=/tmp \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_CACHE=/tmp/.npm

WORKDIR /app

# The workspace manifests must be in place before `npm ci` so it links @sigma/* packages into
# node_modules. Copying the whole context (filtered by .dockerignore) keeps this simple; the
# dependency layer is rebuilt on any source change, which is acceptable for a no-build-step image.
# Files stay owned by root: the runtime user (1000) can read but not modify the application.
COPY . .

# Plain `npm ci`, NOT `npm ci --omit=dev`: tsx is a devDependency in package.json, yet every
# service is started with `node --import tsx`, so it is a runtime dependency of this image.
# NODE_ENV=production must NOT be set yet: with it, npm ci silently omits devDependencies.
RUN npm ci --no-audit --no-fund \
    && npm cache clean --force

ENV NODE_ENV=production

# The base image's `node` user has uid/gid 1000; use the numeric id so Kubernetes can verify
# runAsNonRoot without resolving user names.
USER 1000:1000

# gRPC ports of coordinator, market-data, factor, snapshot, risk, status; 8080 = status web page.
EXPOSE 50051 50052 50053 50054 50055 50056 8080

# Without a command the container prints the CLI help; every deployment sets its own command.
CMD ["node", "--import", "tsx", "services/cli/src/main.ts", "--help"]
