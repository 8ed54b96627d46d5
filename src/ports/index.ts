export * from './errors';
export * from './execution-directory';
export * from './log-pump';
export * from './log-reader';
export * from './log-source';
export * from './log-store';
