#!/usr/bin/env node
'use strict';
/*
 * run.js - `npm run bench`: kpatch against the Node floor, readelf and gdb on GENERIC-scale kernels.
 *
 *   node bench/run.js [--runs N] [--arch amd64,i386] [--markdown] [--json FILE]
 *
 * Every round runs every command once, in the same order (so the commands alternate and a slow
 * moment of the machine hits all of them alike); the first round is a warm-up and is not counted.
 * Commands that write restore the kernel copy before each run (copy + fsync, not timed), so every
 * run starts from the same file with clean pages in the page cache.
 * Wall time is measured here around spawnSync; peak RSS comes from GNU time (/usr/bin/time -f %M),
 * whose own cost (one fork+exec) is the same for every row.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { ensureKernels } = require('./gen-kernels');
const { ensureTslog, RECORDS: TSLOG_RECORDS } = require('./gen-tslog');
const { benchConfigLint } = require('./config-lint');

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const WORK = path.join(__dirname, 'out', 'work');

function parseArgs(argv) {
	const o = { runs: 7, arch: ['amd64', 'i386'], markdown: false, json: null, only: null };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--runs') o.runs = Math.max(5, Number(argv[++i]));
		else if (a === '--arch') o.arch = argv[++i].split(',');
		else if (a === '--markdown') o.markdown = true;
		else if (a === '--json') o.json = argv[++i];
		else if (a === '--only') o.only = argv[++i];
		else throw new Error(`bench: unknown argument ${a}`);
	}
	return o;
}

function which(tool) {
	const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
	return r.status === 0 ? r.stdout.trim() : null;
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs argv once; returns wall ms and peak RSS in KB (null when GNU time is missing). */
function measure(argv) {
	const rssFile = path.join(WORK, '.rss');
	const cmd = TIME ? [TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
	const t0 = process.hrtime.bigint();
	const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	if (r.status !== 0) throw new Error(`bench: ${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
	let rss = null;
	if (TIME) {
		const lines = fs.readFileSync(rssFile, 'utf8').trim().split('\n');
		rss = Number(lines[lines.length - 1]);
	}
	return { ms, rss };
}

/** Copies the pristine kernel over the work copy and flushes it, so writes start from a clean file. */
function restore(from, to) {
	fs.rmSync(to, { force: true });
	fs.copyFileSync(from, to);
	const fd = fs.openSync(to, 'r+');
	fs.fsyncSync(fd);
	fs.closeSync(fd);
}

const median = (xs) => {
	const s = [...xs].sort((a, b) => a - b);
	const m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function kpatchJson(args) {
	const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
	if (r.status !== 0) throw new Error(`bench: kpatch ${args.join(' ')}: ${r.stderr}`);
	return JSON.parse(r.stdout);
}

/** Picks the entry to disable and the 30 drivers to keep from the kernel's own table. */
function pickTargets(kernel) {
	const entries = kpatchJson(['list', kernel, '--json']);
	// an explicit (non-star) instance of a synthetic PCI NIC, well inside the table
	const one = entries.find((e) => !e.star && e.index > entries.length / 2);
	const keepNames = ['mainbus', 'cpu', 'acpicpu', 'ioapic', 'pci', 'isa', 'acpi', 'com', 'pckbc', 'pckbd', 'wskbd', 'vga', 'wsdisplay', 'virtio', 'ld', 'vioif', 'viornd', 'vioscsi', 'scsibus', 'sd', 'qemufwcfg', 'uhub', 'usb', 'xhci', 'ehci'];
	const present = new Set(entries.map((e) => e.name));
	const keep = keepNames.filter((n) => present.has(n));
	for (const e of entries) {
		if (keep.length >= 30) break;
		if (e.name.startsWith('pn') && !keep.includes(e.name)) keep.push(e.name);
	}
	// the VA of the fstate byte, for gdb: entry address plus the byte's offset inside the entry
	const fstateVa = BigInt(one.address) + BigInt(one.stateOffset - one.offset);
	return { one: `${one.name}${one.unit}`, oneIndex: one.index, keep, fstateVa: `0x${fstateVa.toString(16)}`, entries: entries.length };
}

/* A copy of the kernel without its symbol table (`strip`, as install kernels ship), or null without binutils. */
function stripped(k, tools) {
	if (!tools.strip) return null;
	const out = path.join(WORK, `${path.basename(k.file)}.stripped`);
	const r = spawnSync(tools.strip, ['-o', out, k.file], { encoding: 'utf8' });
	if (r.status !== 0) throw new Error(`bench: strip ${k.file}: ${r.stderr}`);
	return out;
}

/*
 * Finding cfdata in-process, without Node's start-up: inspectKernel + requireAutoconf on the kernel
 * (through the symbol table) and on its stripped copy (by shape), alternating, `runs` times each.
 */
function findInProcess(kernel, strippedCopy, runs) {
	const { openKernelFile } = require(path.join(ROOT, 'dist/node/read-kernel.js'));
	const { inspectKernel, requireAutoconf } = require(path.join(ROOT, 'dist/netbsd/kernel.js'));
	const once = (p) => {
		const f = openKernelFile(p);
		const t0 = process.hrtime.bigint();
		const t = requireAutoconf(inspectKernel(f.source));
		const ms = Number(process.hrtime.bigint() - t0) / 1e6;
		f.close();
		return { ms, by: t.locatedBy };
	};
	const symbol = [];
	const shape = [];
	// In-process runs are short (10-50 ms) and one garbage collection moves one: take at least 25, and
	// alternate which file goes first, so neither inherits the other's garbage every round.
	for (let i = 0; i <= Math.max(runs, 25); i++) {
		const first = i % 2 === 0;
		const a = first ? once(kernel) : null;
		const b = once(strippedCopy);
		const a2 = a ?? once(kernel);
		if (a2.by !== 'symbol' || b.by !== 'shape') throw new Error(`bench: expected symbol and shape, got ${a2.by} and ${b.by}`);
		if (i === 0) continue;
		symbol.push(a2.ms);
		shape.push(b.ms);
	}
	return { symbolMs: median(symbol), shapeMs: median(shape), ratio: median(shape.map((ms, i) => ms / symbol[i])) };
}

function benchArch(k, opts, tools) {
	const work = path.join(WORK, path.basename(k.file));
	restore(k.file, work);
	const t = pickTargets(work);
	// The same kernel gzip-compressed (level 9, as NetBSD's build compresses netbsd.gz): its
	// in-place disable inflates it, patches, deflates and verifies chunk by chunk.
	const pristineGz = path.join(WORK, `${path.basename(k.file)}.pristine.gz`);
	const workGz = path.join(WORK, `${path.basename(k.file)}.gz`);
	fs.writeFileSync(pristineGz, zlib.gzipSync(fs.readFileSync(k.file), { level: 9 }));
	const gzSize = fs.statSync(pristineGz).size;
	const node = process.execPath;
	const noSymbols = stripped(k, tools);
	const rows = [
		{ id: 'node', label: 'node -e 0', argv: [node, '-e', '0'] },
		{ id: 'info', label: 'kpatch info', argv: [node, CLI, 'info', work] },
		{ id: 'list', label: 'kpatch list --json', argv: [node, CLI, 'list', work, '--json'] },
		...(noSymbols ? [{ id: 'list-stripped', label: 'kpatch list --json, stripped (cfdata by shape)', argv: [node, CLI, 'list', noSymbols, '--json'] }] : []),
		{ id: 'disable', label: `kpatch disable ${t.one} --in-place`, argv: [node, CLI, 'disable', t.one, '-k', work, '--in-place'], writes: true },
		{ id: 'keep', label: `kpatch keep <${t.keep.length} drivers> --in-place`, argv: [node, CLI, 'keep', ...t.keep, '-k', work, '--in-place'], writes: true },
		{ id: 'disableGz', label: `kpatch disable ${t.one} --in-place, .gz`, argv: [node, CLI, 'disable', t.one, '-k', workGz, '--in-place'], writes: true, from: pristineGz, to: workGz },
	];
	if (tools.readelf) rows.push({ id: 'readelf', label: 'readelf -sW | grep -w cfdata', argv: ['sh', '-c', `readelf -sW "$1" | grep -w cfdata`, 'sh', work] });
	if (tools.gdb) rows.push({ id: 'gdb', label: "gdb -batch -nx -write -ex 'set {char}(...) = 3'", argv: ['gdb', '-batch', '-nx', '-write', '-ex', `set {char}(${t.fstateVa}) = 3`, work], writes: true });
	const samples = new Map(rows.map((r) => [r.id, { ms: [], rss: [] }]));
	for (let round = 0; round <= opts.runs; round++) {
		for (const r of rows) {
			if (r.writes) restore(r.from ?? k.file, r.to ?? work);
			const m = measure(r.argv);
			if (round === 0) continue; // warm-up
			samples.get(r.id).ms.push(m.ms);
			if (m.rss !== null) samples.get(r.id).rss.push(m.rss);
		}
		process.stderr.write('.');
	}
	process.stderr.write('\n');
	// the gdb write must really have patched the byte: check it on the last run's file
	if (tools.gdb) {
		const check = kpatchJson(['list', work, `#${t.oneIndex}`, '--json'])[0];
		if (check.fstate !== 3) throw new Error(`bench: gdb write did not land (fstate ${check.fstate})`);
	}
	restore(k.file, work);
	const result = rows.map((r) => {
		const s = samples.get(r.id);
		return { id: r.id, label: r.label, ms: s.ms, medianMs: median(s.ms), minMs: Math.min(...s.ms), maxMs: Math.max(...s.ms), peakRssKb: s.rss.length ? Math.max(...s.rss) : null, runs: s.ms.length };
	});
	const find = noSymbols ? findInProcess(k.file, noSymbols, opts.runs) : null;
	fs.rmSync(work, { force: true });
	fs.rmSync(workGz, { force: true });
	fs.rmSync(pristineGz, { force: true });
	if (noSymbols) fs.rmSync(noSymbols, { force: true });
	return { arch: k.arch, file: path.basename(k.file), size: k.size, gzSize, entries: t.entries, symbols: countSymbols(k.file, tools), disable: t.one, keep: t.keep, rows: result, find };
}

function countSymbols(file, tools) {
	if (!tools.readelf) return null;
	const r = spawnSync('sh', ['-c', 'readelf -sW "$1" | grep -c "^ *[0-9]*:"', 'sh', file], { encoding: 'utf8' });
	return Number(r.stdout.trim());
}

/**
 * The ratio of two rows: the median of the per-round ratios. Each round runs every command once,
 * back to back, so a round's ratio compares runs made within a second of each other; the machine's
 * speed drifts between rounds (this VM's `node -e 0` moves between 75 and 130 ms), which the
 * ratio of the two medians would mix in.
 */
function pairedRatio(a, b) {
	return median(a.ms.map((ms, i) => ms / b.ms[i]));
}

/** Checks the issue's targets against one arch's rows. */
function targets(a) {
	const m = Object.fromEntries(a.rows.map((r) => [r.id, r]));
	const out = [];
	const add = (name, have, limit, unit, note) => out.push({ name, have, limit, unit, met: have !== null && limit !== null ? have <= limit : null, note });
	add('list <= 1.5 x node -e 0', pairedRatio(m.list, m.node), 1.5, 'x');
	if (m['list-stripped']) add('list of a stripped kernel (cfdata by shape) <= 1.5 x list (by symbol)', pairedRatio(m['list-stripped'], m.list), 1.5, 'x');
	else add('list of a stripped kernel (cfdata by shape) <= 1.5 x list (by symbol)', null, 1.5, 'x', 'strip not installed: not measured');
	if (a.find) add('finding cfdata by shape <= 1.5 x by symbol (in-process)', a.find.ratio, 1.5, 'x');
	if (m.gdb) add('in-place disable <= 1.0 x gdb write', pairedRatio(m.disable, m.gdb), 1.0, 'x');
	else add('in-place disable <= 1.0 x gdb write', null, 1.0, 'x', 'gdb not installed: not measured');
	add('keep 30 drivers <= 1.1 x one disable', pairedRatio(m.keep, m.disable), 1.1, 'x');
	const floor = m.node.peakRssKb;
	const peak = Math.max(...a.rows.filter((r) => ['info', 'list', 'disable', 'keep'].includes(r.id)).map((r) => r.peakRssKb ?? 0));
	if (floor) add('peak RSS <= node floor + 2 x kernel', peak / 1024, (floor * 1024 + 2 * a.size) / 1048576, 'MB');
	else add('peak RSS <= node floor + 2 x kernel', null, null, 'MB', '/usr/bin/time not installed: not measured');
	// gzip: the inflated image is held in memory; everything else is streamed in 4 MiB chunks.
	const gzName = 'gzip in-place disable peak RSS <= plain one + 1 x kernel + 64 MB';
	if (m.disable.peakRssKb && m.disableGz.peakRssKb) add(gzName, m.disableGz.peakRssKb / 1024, m.disable.peakRssKb / 1024 + a.size / 1048576 + 64, 'MB');
	else add(gzName, null, null, 'MB', '/usr/bin/time not installed: not measured');
	return out;
}

function fmtTable(a, md) {
	const m = Object.fromEntries(a.rows.map((r) => [r.id, r]));
	const base = { node: null, info: 'node', list: 'node', 'list-stripped': 'list', disable: 'gdb', keep: 'disable', disableGz: 'disable', readelf: 'node', gdb: 'node' };
	const head = ['command', 'median ms', 'min ms', 'max ms', 'ratio', 'peak RSS MB'];
	const lines = a.rows.map((r) => {
		const b = base[r.id] && m[base[r.id]];
		const ratio = b ? `${pairedRatio(r, b).toFixed(2)} x ${base[r.id] === 'node' ? 'node' : base[r.id]}` : '1.00';
		return [r.label, r.medianMs.toFixed(0), r.minMs.toFixed(0), r.maxMs.toFixed(0), ratio, r.peakRssKb === null ? 'n/a' : (r.peakRssKb / 1024).toFixed(0)];
	});
	if (md) {
		return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...lines.map((l) => `| ${l.map((c, i) => (i === 0 ? `\`${c.replace(/\|/g, '\\|')}\`` : c)).join(' | ')} |`)].join('\n');
	}
	const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const row = (l) => l.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
	return [row(head), row(w.map((n) => '-'.repeat(n))), ...lines.map(row)].join('\n');
}

/**
 * kpatch tslog on a full buffer (262,144 records, bench/gen-tslog.js): the summary, --json and --svg,
 * against node -e 0, round-robin like the kernel rows. Besides wall time it records CPU time
 * (user + sys, GNU time), which a busy machine inflates far less than wall time.
 */
function benchTslog(opts) {
	const trace = ensureTslog(path.join(__dirname, 'out', 'tslog'));
	const node = process.execPath;
	const svg = path.join(WORK, 'tslog.svg');
	const rows = [
		{ id: 'node', label: 'node -e 0', argv: [node, '-e', '0'] },
		{ id: 'summary', label: 'kpatch tslog <full buffer>', argv: [node, CLI, 'tslog', trace] },
		{ id: 'json', label: 'kpatch tslog <full buffer> --json', argv: [node, CLI, 'tslog', trace, '--json'] },
		{ id: 'svg', label: 'kpatch tslog <full buffer> --svg F', argv: [node, CLI, 'tslog', trace, '--svg', svg] },
	];
	const samples = new Map(rows.map((r) => [r.id, { ms: [], cpu: [], rss: [] }]));
	for (let round = 0; round <= opts.runs; round++) {
		for (const r of rows) {
			const m = measureCpu(r.argv);
			if (round === 0) continue;
			const x = samples.get(r.id);
			x.ms.push(m.ms);
			if (m.cpu !== null) x.cpu.push(m.cpu);
			if (m.rss !== null) x.rss.push(m.rss);
		}
		process.stderr.write('.');
	}
	process.stderr.write('\n');
	fs.rmSync(svg, { force: true });
	return {
		file: path.basename(trace),
		records: TSLOG_RECORDS,
		size: fs.statSync(trace).size,
		rows: rows.map((r) => {
			const x = samples.get(r.id);
			return { id: r.id, label: r.label, medianMs: median(x.ms), minMs: Math.min(...x.ms), maxMs: Math.max(...x.ms), medianCpuMs: x.cpu.length ? median(x.cpu) : null, peakRssKb: x.rss.length ? Math.max(...x.rss) : null, runs: x.ms.length };
		}),
	};
}

/** Like measure(), plus CPU time (user + sys, ms) from GNU time. */
function measureCpu(argv) {
	const out = path.join(WORK, '.cpu');
	const cmd = TIME ? [TIME, '-f', '%M %U %S', '-o', out, ...argv] : argv;
	const t0 = process.hrtime.bigint();
	const r = spawnSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
	const ms = Number(process.hrtime.bigint() - t0) / 1e6;
	if (r.status !== 0) throw new Error(`bench: ${argv.join(' ')} exited ${r.status}: ${String(r.stderr).slice(0, 500)}`);
	if (!TIME) return { ms, cpu: null, rss: null };
	const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
	const [rss, user, sys] = lines[lines.length - 1].split(' ').map(Number);
	return { ms, cpu: (user + sys) * 1000, rss };
}

function fmtTslog(t, md) {
	const head = ['command', 'median ms', 'min ms', 'max ms', 'median CPU ms', 'peak RSS MB'];
	const lines = t.rows.map((r) => [r.label, r.medianMs.toFixed(0), r.minMs.toFixed(0), r.maxMs.toFixed(0), r.medianCpuMs === null ? 'n/a' : r.medianCpuMs.toFixed(0), r.peakRssKb === null ? 'n/a' : (r.peakRssKb / 1024).toFixed(0)]);
	if (md) return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...lines.map((l) => `| ${l.map((c, i) => (i === 0 ? `\`${c}\`` : c)).join(' | ')} |`)].join('\n');
	const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
	const row = (l) => l.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
	return [row(head), row(w.map((n) => '-'.repeat(n))), ...lines.map(row)].join('\n');
}

/** The issue's target: a full buffer summarised in well under a second (whole process, node start-up included). */
function tslogTargets(t) {
	const m = Object.fromEntries(t.rows.map((r) => [r.id, r]));
	const out = [{ name: 'tslog summary of a full buffer < 1000 ms (wall)', have: m.summary.medianMs, limit: 1000, unit: 'ms' }];
	if (m.summary.medianCpuMs !== null) out.push({ name: 'tslog summary of a full buffer < 1000 ms (CPU)', have: m.summary.medianCpuMs, limit: 1000, unit: 'ms' });
	return out.map((x) => ({ ...x, met: x.have <= x.limit }));
}

function main() {
	const opts = parseArgs(process.argv.slice(2));
	if (!fs.existsSync(CLI)) throw new Error('bench: dist/cli/main.js missing; run npm run build first');
	const tools = { readelf: which('readelf'), gdb: which('gdb'), strip: which('strip') };
	fs.mkdirSync(WORK, { recursive: true });
	const meta = opts.only === 'tslog' ? { kernels: [] } : ensureKernels();
	const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}`, gnuTime: Boolean(TIME) };
	const results = [];
	for (const k of meta.kernels.filter((x) => opts.arch.includes(x.arch))) {
		process.stderr.write(`bench: ${k.arch} ${path.basename(k.file)} (${(k.size / 1048576).toFixed(1)} MB), ${opts.runs} runs + 1 warm-up `);
		results.push(benchArch(k, opts, tools));
	}
	const out = [];
	out.push(`machine: ${machine.cpus} x ${machine.cpu}, ${machine.memGb} GB, ${machine.platform}, Node ${machine.node}`);
	if (!tools.readelf) out.push('note: readelf not installed: its row is skipped');
	if (!tools.gdb) out.push('note: gdb not installed: its row and the disable/gdb target are skipped');
	if (!TIME) out.push('note: /usr/bin/time not installed: peak RSS not measured');
	for (const a of results) {
		out.push('', `${a.arch}: ${a.file}, ${(a.size / 1048576).toFixed(1)} MB (${(a.gzSize / 1048576).toFixed(1)} MB gzip -9), ${a.entries} cfdata entries, ${a.symbols ?? '?'} symbols; medians of ${a.rows[0].runs} runs; ratio = median of the per-round ratios`, '');
		out.push(fmtTable(a, opts.markdown), '');
		if (a.find) out.push(`finding cfdata in-process (inspectKernel + requireAutoconf, no Node start-up): by symbol ${a.find.symbolMs.toFixed(1)} ms, by shape ${a.find.shapeMs.toFixed(1)} ms (${a.find.ratio.toFixed(2)} x, median of per-round ratios)`, '');
		for (const t of targets(a)) {
			const have = t.have === null ? 'n/a' : t.have.toFixed(2);
			out.push(`${opts.markdown ? '- ' : ''}${t.met === null ? 'SKIP' : t.met ? 'met ' : 'MISS'}  ${t.name}: ${have} ${t.unit}${t.limit === null ? '' : ` (limit ${t.limit.toFixed(t.unit === 'MB' ? 0 : 2)} ${t.unit})`}${t.note ? `; ${t.note}` : ''}`);
		}
	}
	process.stderr.write(`bench: kpatch tslog, a full buffer of ${TSLOG_RECORDS} records, ${opts.runs} runs + 1 warm-up `);
	const tslog = benchTslog(opts);
	out.push('', `tslog: ${tslog.file}, ${(tslog.size / 1048576).toFixed(1)} MB, ${tslog.records} records; medians of ${tslog.rows[0].runs} runs`, '');
	out.push(fmtTslog(tslog, opts.markdown), '');
	for (const t of tslogTargets(tslog)) out.push(`${opts.markdown ? '- ' : ''}${t.met ? 'met ' : 'MISS'}  ${t.name}: ${t.have.toFixed(0)} ${t.unit} (limit ${t.limit} ${t.unit})`);

	out.push('', ...benchConfigLint(WORK, Math.min(opts.runs, 3), TIME).lines);
	process.stdout.write(`${out.join('\n')}\n`);
	if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ machine, results: results.map((a) => ({ ...a, targets: targets(a) })), tslog: { ...tslog, targets: tslogTargets(tslog) } }, null, 2));
}

if (require.main === module) {
	try {
		main();
	} catch (e) {
		process.stderr.write(`${e.message}\n`);
		process.exit(1);
	}
}
