# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

FROM node:22-bookworm-slim AS runtime
# HOST: inside a container the port is only reachable through the published mapping, so listen on
# every interface there; outside one the service defaults to 127.0.0.1.
ENV NODE_ENV=production \
    STATE_DIR=/var/lib/commitment-scorer \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/commitment-scorer && chown node:node /var/lib/commitment-scorer
USER node
EXPOSE 3000
VOLUME ["/var/lib/commitment-scorer"]
# node:22-slim has no curl; ask the service itself with Node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/cli.js", "serve"]
