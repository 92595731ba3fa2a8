/*
 * Every sentence an execution ends with (Status, Message, ErrorCode, ErrorInfo), made from data in
 * one place: the build's outcomes (`build-outcomes.ts`, from the engine's BuildArtifact and what
 * the app registered), the worker's own (`worker-outcomes.ts`), the whole-build limit
 * (`build-timeout.ts`) and the host disk (`host-disk.ts`). Clients and tests read the fields;
 * Message is for people.
 */
export * from './build-outcomes.js';
export * from './build-timeout.js';
export * from './host-disk.js';
export * from './worker-outcomes.js';
