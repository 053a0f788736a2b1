// Public API of the DARE layer (see docs/dare.md).
export * from './model.ts';
export * from './curves.ts';
export * from './keyschedule.ts';
export * from './recipients.ts';
export * from './signature.ts';
export * from './eds.ts';
export * from './envelope.ts';
export * from './frame.ts';
export * from './merkle.ts';
export * from './sequence.ts';
export * from './checkpoint.ts';
export * from './index-frame.ts';
export { sha512 } from './primitives.ts';
export * from './snapshot.ts';
