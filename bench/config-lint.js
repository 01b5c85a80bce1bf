'use strict';
/*
 * config-lint.js - the `config lint` case of `npm run bench` (issue 12): a kernel config of 2 million `options`
 * lines (40 MB, every name distinct) linted without a tree. The target is peak RSS within 10 times the file's size;
 * before the linter streamed its input it took 2.3 GB and 16 s.
 *
 *   node bench/config-lint.js [--runs N]     (run.js calls benchConfigLint() itself)
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const LINES = 2_000_000;
const RSS_FACTOR = 10;

/** Writes the 2-million-line config once (`options\tOPT_0000000` ... one per line, 20 bytes each). */
function ensureConfig(dir) {
	const file = path.join(dir, 'options-2M.conf');
	if (fs.existsSync(file) && fs.statSync(file).size === LINES * 20) return file;
	const fd = fs.openSync(file, 'w');
	for (let i = 0; i < LINES; i += 10000) {
		let chunk = '';
		for (let j = i; j < i + 10000; j++) chunk += `options\tOPT_${String(j).padStart(7, '0')}\n`;
		fs.writeSync(fd, chunk);
	}
	fs.closeSync(fd);
	return file;
}

/** Lints the config `runs` times (plus a warm-up); returns the median wall time, the peak RSS and the target line. */
function benchConfigLint(dir, runs, time) {
	const file = ensureConfig(dir);
	const size = fs.statSync(file).size;
	const ms = [];
	const rss = [];
	for (let i = 0; i <= runs; i++) {
		const rssFile = path.join(dir, '.rss-config');
		const argv = time ? [time, '-f', '%M', '-o', rssFile, process.execPath, CLI, 'config', 'lint', file] : [process.execPath, CLI, 'config', 'lint', file];
		const t0 = process.hrtime.bigint();
		const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
		const took = Number(process.hrtime.bigint() - t0) / 1e6;
		if (r.status !== 0) throw new Error(`bench: config lint exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
		if (i === 0) continue; // warm-up
		ms.push(took);
		if (time) rss.push(Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()));
	}
	const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
	const peakMb = rss.length ? Math.max(...rss) / 1024 : null;
	const limitMb = (RSS_FACTOR * size) / 1048576;
	return {
		lines: [
			`config lint: ${LINES} options lines, ${(size / 1048576).toFixed(1)} MB; median of ${runs} runs ${(median(ms) / 1000).toFixed(2)} s, peak RSS ${peakMb === null ? 'n/a' : `${peakMb.toFixed(0)} MB`}`,
			`${peakMb === null ? 'SKIP' : peakMb <= limitMb ? 'met ' : 'MISS'}  config lint peak RSS: ${peakMb === null ? 'n/a' : peakMb.toFixed(0)} MB (limit ${limitMb.toFixed(0)} MB, ${RSS_FACTOR} x the file)`,
		],
	};
}

module.exports = { benchConfigLint };

if (require.main === module) {
	const i = process.argv.indexOf('--runs');
	const runs = i > 0 ? Math.max(1, Number(process.argv[i + 1])) : 3;
	const dir = path.join(__dirname, 'out', 'work');
	fs.mkdirSync(dir, { recursive: true });
	const time = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
	process.stdout.write(`${benchConfigLint(dir, runs, time).lines.join('\n')}\n`);
}
