#!/usr/bin/env node
'use strict';
/*
 * The long fuzz run: `npm run fuzz -- --count 100000 [--seed N] [--configs N] [--truncate]`.
 * Without --seed the seed comes from the clock; it is printed first and last, and `--seed N`
 * replays a run exactly (same mutants, same order).
 * Drives the built CLI (dist/) in-process with the same engine and rules as test/fuzz/cli.test.ts.
 * --truncate also truncates every fixture at every byte through every command (slow: about
 * 220,000 sizes). Exit 1 when anything broke the rules; the mutant files are kept and named.
 */
const path = require('node:path');
const engine = require('./engine');

const ROOT = path.resolve(__dirname, '..', '..');

function whole(option, value) {
	if (!/^\d+$/.test(value ?? '')) throw new Error(`fuzz: ${option} needs a whole number, not '${value}'`);
	return Number(value);
}

function parseArgs(argv) {
	const o = { count: 100000, seed: Date.now() % 1000000, configs: null, truncate: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--count') o.count = whole(a, argv[++i]);
		else if (a === '--seed') o.seed = whole(a, argv[++i]);
		else if (a === '--configs') o.configs = whole(a, argv[++i]);
		else if (a === '--truncate') o.truncate = true;
		else throw new Error(`fuzz: unknown argument ${a}`);
	}
	if (o.configs === null) o.configs = Math.ceil(o.count / 4);
	return o;
}

async function main() {
	const o = parseArgs(process.argv.slice(2));
	const { run } = require(path.join(ROOT, 'dist/cli/kpatch.js')); // the bundled program the kpatch binary runs
	const dir = engine.scratch();
	const inputs = engine.fixtures(path.join(ROOT, 'test/fixtures'));
	const sysDir = path.join(ROOT, 'test/corpus/sys');
	const say = (s) => process.stderr.write(`${s}\n`);
	say(`fuzz: seed ${o.seed}, ${o.count} kernel mutants of ${inputs.length} fixtures, ${o.configs} config mutants; files in ${dir}`);
	const t0 = Date.now();
	const k = await engine.fuzz({ run, inputs, seed: o.seed, count: o.count, dir, onProgress: (n) => { if (n % 5000 === 0) say(`fuzz: ${n} mutants, ${((Date.now() - t0) / 1000).toFixed(0)} s`); } });
	say(`fuzz: ${k.runs} kernel runs in ${((Date.now() - t0) / 1000).toFixed(1)} s; by kind ${JSON.stringify(k.kinds)}`);
	const c = await engine.fuzzConfigs({ run, inputs: engine.configs(sysDir), seed: o.seed, count: o.configs, dir, sysDir });
	say(`fuzz: ${c.runs} config lint runs`);
	const failures = [...k.failures, ...c.failures];
	if (o.truncate) {
		for (const input of inputs) {
			const t = await engine.truncations({ run, input, dir, argvFor: engine.commands });
			say(`fuzz: ${input.name} truncated at every byte: ${t.runs} runs`);
			failures.push(...t.failures);
		}
	}
	for (const f of failures) process.stdout.write(`${JSON.stringify(f)}\n`);
	say(failures.length ? `fuzz: ${failures.length} failures (seed ${o.seed})` : `fuzz: no failures in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${o.seed})`);
	if (!failures.length) require('node:fs').rmSync(dir, { recursive: true, force: true });
	process.exitCode = failures.length ? 1 : 0;
}

main().catch((e) => {
	process.stderr.write(e.message.startsWith('fuzz: ') ? `${e.message}\n` : `fuzz: ${e.stack}\n`);
	process.exitCode = 2;
});
