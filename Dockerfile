# news-digest worker image (not built in CI: no Docker engine runs there).
#   docker build -t news-digest .
#   docker run --env-file .env news-digest            (SQLite in /app/data: mount a volume there)
#   docker compose up                                  (PostgreSQL and two workers: compose.yaml)
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source where no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HTTP_HOST=0.0.0.0
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY migrations ./migrations
USER node
EXPOSE 8080
# SIGTERM reaches node itself (no npm or shell in between): it stops cleanly within seconds.
CMD ["node", "dist/main.js"]
