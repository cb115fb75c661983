// Checks that the hand-written sdk/livegate.d.ts matches sdk/livegate.js: declarations are
// generated from the module's JSDoc, then every export of each is checked to be mutually
// assignable with the other's (and both export the same names).
//
//   node web/tests/check-dts.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const web = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'livegate-dts-'));
const base = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.dom.d.ts', 'lib.es2022.d.ts'],
  strict: true,
  types: [],
};

function report(diagnostics) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => web, getNewLine: () => '\n' };
  return ts.formatDiagnostics(diagnostics, host);
}

// 1. Declarations generated from the JavaScript.
const gen = path.join(tmp, 'gen');
const emit = ts.createProgram([path.join(web, 'sdk/livegate.js')], {
  ...base,
  allowJs: true,
  declaration: true,
  emitDeclarationOnly: true,
  outDir: gen,
});
const emitted = emit.emit();
const emitErrors = [...ts.getPreEmitDiagnostics(emit), ...emitted.diagnostics];
if (emitErrors.length) {
  console.error(report(emitErrors));
  process.exit(1);
}

// 2. Both sets of exports compared.
const hand = path.join(tmp, 'hand');
fs.mkdirSync(hand);
fs.copyFileSync(path.join(web, 'sdk/livegate.d.ts'), path.join(hand, 'livegate.d.ts'));
const values = ['VERSION', 'start', 'DEFAULT_TEXTS', 'reasonText', 'hintText', 'promptText'];
const types = [
  'ChallengeName', 'PlannedChallenge', 'ChallengePlan', 'SessionProfile', 'SelfieResult', 'FaceMatch',
  'AuditImage', 'SessionStatus', 'SessionDetail', 'Oval', 'GateState', 'ChallengeProgress', 'FrameAnswer',
  'LivegateStatus', 'LivegateStage', 'LivegateTexts', 'LivegateResult', 'LivegateOptions', 'LivegateRun',
];
const lines = [
  "import type * as G from './gen/livegate.js';",
  "import type * as H from './hand/livegate.js';",
  'type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;',
  'export const names: Same<keyof typeof G, keyof typeof H> = true;',
  ...values.map((v) => `export const value_${v}: Same<typeof G.${v}, typeof H.${v}> = true;`),
  ...types.map((t) => `export const type_${t}: Same<G.${t}, H.${t}> = true;`),
];
fs.writeFileSync(path.join(tmp, 'check.ts'), lines.join('\n') + '\n');
const check = ts.createProgram([path.join(tmp, 'check.ts')], { ...base, noEmit: true });
const errors = ts.getPreEmitDiagnostics(check);
if (!process.env.KEEP_DTS) fs.rmSync(tmp, { recursive: true, force: true });
if (errors.length) {
  console.error(report(errors));
  console.error('livegate.d.ts does not match livegate.js');
  process.exit(1);
}
console.log(`livegate.d.ts matches livegate.js (${values.length} values, ${types.length} types)`);
