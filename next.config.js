/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Next reads action bodies as a stream and stops at this cap (413). Our largest action
  // input, an assistant configuration, is well under 32 KB; the default is 1 MB.
  experimental: { serverActions: { bodySizeLimit: "128kb" } },
  // Server-only packages that must not be bundled (native/wasm or large runtime deps).
  serverExternalPackages: ["@electric-sql/pglite", "@electric-sql/pglite-socket", "pg", "ioredis", "ioredis-mock", "@prisma/client", "@prisma/adapter-pg"],
};
export default nextConfig;
