/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Server-only packages that must not be bundled (native/wasm or large runtime deps).
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg", "ioredis", "ioredis-mock", "@prisma/client", "@prisma/adapter-pg"],
};
export default nextConfig;
