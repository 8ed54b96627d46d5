# logstream API / worker image, used by docker-compose.yml.
FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app

# Dependencies first so that source edits reuse this layer.
COPY package.json package-lock.json ./
# NODE_ENV=production would skip devDependencies, which the TypeScript build needs; they are pruned after it.
RUN npm ci --include=dev --no-audit --no-fund

COPY . .
RUN npm run build && npm prune --omit=dev && npm cache clean --force

USER node
EXPOSE 8080
CMD ["node", "dist/src/main/server.js"]
