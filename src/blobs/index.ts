export * from './blob-store.js';
export * from './digest.js';
export { LocalBlobStore } from './local-blob-store.js';
