import { allowCodeGeneration } from '../../../src/api/code-generation.ts';

// The suites of the code generators (JSON writer and encoder, PostgreSQL row decoder, transform fusion and
// the struct copier behind the field transforms) once more, every generator on its interpreted fallback:
// the same expectations hold for the output written without generated code. The switch stays off for this
// file only (vitest runs each test file in its own module graph).
allowCodeGeneration(false);
await import('../log/converters/json-converter.test.ts');
await import('../log/converters/json-encoder.test.ts');
await import('../postgres/row-decoder.test.ts');
await import('../../conformance/transform-fusion.test.ts');
await import('../../conformance/transforms.test.ts');
