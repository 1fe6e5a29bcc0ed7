# syntax=docker/dockerfile:1
# Build stage: install everything, compile TypeScript.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/typescript/package.json ./clients/typescript/
COPY console/package.json ./console/
RUN npm ci --no-fund --no-audit
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY clients/typescript ./clients/typescript
COPY console ./console
# The API's JavaScript and the web console's static files (console/dist).
RUN npm run build

# Runtime stage: production dependencies, compiled code and migrations only.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY clients/typescript/package.json ./clients/typescript/
COPY console/package.json ./console/
RUN npm ci --omit=dev --no-fund --no-audit && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY migrations ./migrations
# PREDICTION_LOG_SPILL_DIR's default; mount a volume there so spilled records outlive the container.
RUN mkdir -p var/prediction-log && chown -R node var
USER node
EXPOSE 3000
# The same image runs the API (default) or a worker: override the command with
# `node dist/start/worker.js --queues housekeeping --concurrency 8`.
CMD ["node", "dist/start/server.js"]
