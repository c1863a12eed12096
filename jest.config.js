// Jest runs TypeScript through swc (fast, keeps decorator metadata for type-graphql).
// PGlite's CommonJS bundle calls import("fs/promises"), which Jest's VM cannot run:
// swc rewrites those dynamic imports into require() (module.ignoreDynamic: false).
const fs = require("node:fs");
const swc = JSON.parse(fs.readFileSync(`${__dirname}/.swcrc.jest.json`, "utf8"));
const swcJs = { ...swc, jsc: { ...swc.jsc, parser: { syntax: "ecmascript" } } };

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Files named *.postgres.test.ts need a PostgreSQL server (several instances, LISTEN/NOTIFY,
  // outages): they run when DATABASE_URL is set, as CI's second run does.
  testPathIgnorePatterns: process.env.DATABASE_URL ? ["/node_modules/"] : ["/node_modules/", "\\.postgres\\.test\\.ts$"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { ...swc, swcrc: false }],
    "node_modules/@electric-sql/pglite/.+\\.c?js$": ["@swc/jest", { ...swcJs, swcrc: false }],
  },
  transformIgnorePatterns: ["/node_modules/(?!@electric-sql/pglite/)"],
  setupFiles: ["reflect-metadata"],
  testTimeout: 60000,
  maxWorkers: 2,
};
