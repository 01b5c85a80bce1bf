#!/usr/bin/env node
'use strict';
/*
 * gen-kernels.js - build GENERIC-scale kernel-shaped ELF files for the benchmarks.
 *
 *   node bench/gen-kernels.js [--force]      prints the JSON description of the kernels
 *
 * The committed fixtures (test/fixtures) are 9-41 KB; pipelines patch 10-40 MB kernels with
 * 1,000+ cfdata entries and 40,000+ symbols. This builds such kernels from the same sources:
 *   - a table: test/fixtures/src/tables/generic.json plus synthetic drivers attached at pci,
 *     isa, uhub, mii, scsibus, cardbus-like buses (about 1,200 entries in all),
 *     turned into ioconf.c/stubs.c/vers.c/param.c by test/fixtures/src/gen-ioconf.js;
 *   - bulk.S: 42,000 functions and 4,000 data objects with kernel-like names, and a pad in
 *     .rodata so the file reaches the target size (test-kernels.md section 8's assembly generator);
 *   - compiled and linked with the flags and linker script of test/fixtures/src/build.sh.
 * Output goes to bench/out/<key>/, where the key hashes this file and every source it uses, so
 * a changed generator never reuses stale kernels. bench/out/ is git-ignored.
 */
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const GEN_VERSION = 1;
const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'test/fixtures/src');
const OUT = path.join(__dirname, 'out');

const FUNCS = 42000;
const OBJECTS = 4000;

/* Per-arch parameters, as in build.sh's arch_params. */
const ARCHES = {
	amd64: {
		cc: ['gcc', '-m64'], acflags: ['-mcmodel=kernel', '-mno-red-zone', '-mno-mmx', '-mno-sse'],
		kernbase: '0xffffffff80000000', kerntextoff: '0xffffffff80200000', locore: 'locore_x86.S',
		machine: 'amd64', as: '--64', size: 27 * 1024 * 1024, ptr: '.quad',
	},
	i386: {
		cc: ['gcc', '-m32'], acflags: ['-march=i686'],
		kernbase: '0xc0000000', kerntextoff: '0xc0100000', locore: 'locore_x86.S',
		machine: 'i386', as: '--32', size: 20 * 1024 * 1024, ptr: '.long',
	},
};

const CFLAGS = ['-O2', '-ffreestanding', '-fno-pie', '-fno-pic', '-fno-common', '-fno-stack-protector',
	'-fno-asynchronous-unwind-tables', '-fno-unwind-tables', '-fno-ipa-icf'];
const LDFLAGS = ['-nostdlib', '-static', '-no-pie', '-Wl,--build-id=none', '-Wl,-z,max-page-size=0x1000', '-Wl,-z,noexecstack'];

/* Letters-only names ("aa", "ab", ...): a digit at the end would read as a unit number. */
function letters(i, width) {
	let s = '';
	for (let k = 0; k < width; k++) { s = String.fromCharCode(97 + (i % 26)) + s; i = Math.floor(i / 26); }
	return s;
}

/* The GENERIC-scale table: generic.json plus synthetic drivers, deterministic. */
function bigTable() {
	const t = JSON.parse(fs.readFileSync(path.join(SRC, 'tables/generic.json'), 'utf8'));
	t.name = 'GENERIC_BENCH';
	const has = (iattr) => t.entries.some((e) => e.parent && e.parent.iattr === iattr);
	const parentOf = (iattr) => t.entries.find((e) => e.parent && e.parent.iattr === iattr).parent;
	// (prefix, how many drivers, class, parent spec, locators, entries per driver)
	const kinds = [
		{ pre: 'pn', n: 260, cls: 'DV_IFNET', iattr: 'pci', per: 2 },
		{ pre: 'px', n: 140, cls: 'DV_DULL', iattr: 'pci', per: 1 },
		{ pre: 'is', n: 90, cls: 'DV_DULL', iattr: 'isa', per: 2 },
		{ pre: 'ue', n: 160, cls: 'DV_IFNET', iattr: 'usbdevif', per: 1 },
		{ pre: 'ui', n: 120, cls: 'DV_DULL', iattr: 'usbifif', per: 1 },
		{ pre: 'ph', n: 150, cls: 'DV_DULL', iattr: 'mii', per: 1 },
		{ pre: 'sd', n: 40, cls: 'DV_DISK', iattr: 'scsibus', per: 2 },
		{ pre: 'hd', n: 40, cls: 'DV_DULL', iattr: 'hdaudiobus', per: 1 },
	];
	let n = 0;
	for (const k of kinds) {
		if (!has(k.iattr)) throw new Error(`generic.json has no entry at ${k.iattr}`);
		const parent = parentOf(k.iattr);
		const locs = t.iattrs[k.iattr];
		for (let i = 0; i < k.n; i++) {
			const name = `${k.pre}${letters(i, 3)}`;
			t.drivers.push({ name, class: k.cls, attrs: [] });
			for (let j = 0; j < k.per; j++) {
				const star = j === 0;
				const unit = star ? 1 : 0;
				// explicit instances get concrete locators (isa port/irq), star ones the defaults
				const first = k.iattr === 'isa' ? 0x100 + 8 * (n % 64) : n % 31;
				const locators = locs.map((l, li) => (!star && li === 0 ? first : Number(l.default ?? 0)));
				t.entries.push({ driver: name, attachment: `${name}_${k.iattr}`, unit: star ? unit : 0, star, state: star ? 2 : 0, flags: (n % 17 === 0) ? 0x100 : 0, parent: { ...parent }, locators });
			}
			n++;
		}
	}
	// fix the star units: config(1) gives STAR entries the first free unit
	for (const e of t.entries) {
		if (!e.star) continue;
		const explicit = t.entries.filter((x) => x.driver === e.driver && !x.star).map((x) => x.unit);
		e.unit = explicit.length ? Math.max(...explicit) + 1 : 0;
	}
	return t;
}

/* bulk.S: many small functions and objects with kernel-like names, and a size pad. */
function bulkAsm(arch, padBytes) {
	const a = ARCHES[arch];
	const words = ['vfs', 'uvm', 'pmap', 'sched', 'bus_dma', 'if', 'tcp', 'ip6', 'kauth', 'sysctl', 'pool', 'mutex', 'rw', 'callout', 'softint', 'pci', 'usbd', 'scsipi', 'wsdisplay', 'ffs', 'nfs', 'lfs', 'genfs', 'bpf', 'pf', 'npf', 'ether', 'ieee80211', 'ata', 'sdmmc'];
	const o = ['\t.text'];
	for (let i = 0; i < FUNCS; i++) {
		const name = `${words[i % words.length]}_${letters(i, 4)}_fn${i}`;
		o.push(`\t.globl ${name}`, `\t.type ${name}, %function`, `${name}:`, '\tret', `\t.size ${name}, .-${name}`);
	}
	o.push('\t.data', '\t.p2align 3');
	for (let i = 0; i < OBJECTS; i++) {
		const name = `${words[i % words.length]}_${letters(i, 4)}_var${i}`;
		// every fourth one local, as static data is in a real kernel
		if (i % 4) o.push(`\t.globl ${name}`);
		o.push(`\t.type ${name}, %object`, `${name}:`, `\t${a.ptr} ${i}`, `\t.size ${name}, .-${name}`);
	}
	o.push('\t.section .rodata.bench_pad,"a"', '\t.globl bench_pad', '\t.type bench_pad, %object', 'bench_pad:');
	if (padBytes > 0) o.push(`\t.skip ${padBytes}, 0x5a`);
	o.push('\t.size bench_pad, .-bench_pad', '');
	return o.join('\n');
}

function sh(cmd, args, cwd) {
	execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
}

function buildKernel(arch, dir, tablePath, padBytes) {
	const a = ARCHES[arch];
	const d = path.join(dir, `build-${arch}`);
	fs.rmSync(d, { recursive: true, force: true });
	fs.mkdirSync(d, { recursive: true });
	sh('node', [path.join(SRC, 'gen-ioconf.js'), tablePath, d, '--machine', a.machine], d);
	for (const f of ['device.h', a.locore]) fs.copyFileSync(path.join(SRC, f), path.join(d, f));
	fs.writeFileSync(path.join(d, 'bulk.S'), bulkAsm(arch, padBytes));
	const defs = [`-DKERNBASE=${a.kernbase}`];
	const ld = execFileSync('cpp', ['-P', '-undef', `-DKERNBASE=${a.kernbase}`, `-DKERNTEXTOFF=${a.kerntextoff}`, '-DPVH', path.join(SRC, 'kern.ld.S')]);
	fs.writeFileSync(path.join(d, 'kern.ld'), ld);
	const objs = [];
	for (const f of [a.locore, 'ioconf.c', 'stubs.c', 'vers.c', 'param.c', 'bulk.S']) {
		if (!fs.existsSync(path.join(d, f))) continue;
		const obj = f.replace(/\.[cS]$/, '.o');
		sh(a.cc[0], [...a.cc.slice(1), ...CFLAGS, ...a.acflags, ...defs, '-DPVH', '-c', f, '-o', obj], d);
		objs.push(obj);
	}
	const out = `netbsd-GENERIC-BENCH-${arch}`;
	sh(a.cc[0], [...a.cc.slice(1), ...CFLAGS, ...a.acflags, ...LDFLAGS, '-Wl,-T,kern.ld', '-o', out, ...objs], d);
	return path.join(d, out);
}

/* The key: generator version plus the hash of every input file. */
function cacheKey() {
	const h = crypto.createHash('sha256');
	h.update(`v${GEN_VERSION}\n`);
	for (const f of [__filename, ...['gen-ioconf.js', 'device.h', 'locore_x86.S', 'kern.ld.S', 'tables/generic.json'].map((x) => path.join(SRC, x))]) {
		h.update(fs.readFileSync(f));
	}
	return `v${GEN_VERSION}-${h.digest('hex').slice(0, 12)}`;
}

/** Builds (or finds cached) kernels; returns their descriptions. */
function ensureKernels({ force = false, log = (s) => process.stderr.write(s) } = {}) {
	const dir = path.join(OUT, cacheKey());
	const metaPath = path.join(dir, 'kernels.json');
	if (!force && fs.existsSync(metaPath)) return JSON.parse(fs.readFileSync(metaPath, 'utf8'));
	for (const t of ['gcc', 'cpp']) {
		try { execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }); } catch { throw new Error(`gen-kernels: ${t} not found (apt-get install gcc)`); }
	}
	fs.mkdirSync(dir, { recursive: true });
	const table = bigTable();
	const tablePath = path.join(dir, 'generic-bench.json');
	fs.writeFileSync(tablePath, JSON.stringify(table));
	const kernels = [];
	for (const arch of Object.keys(ARCHES)) {
		const t0 = Date.now();
		log(`gen-kernels: building ${arch}... `);
		// build once without a pad to learn the size, then pad to the target
		const probe = buildKernel(arch, dir, tablePath, 0);
		const pad = Math.max(0, ARCHES[arch].size - fs.statSync(probe).size);
		const built = buildKernel(arch, dir, tablePath, pad);
		const file = path.join(dir, path.basename(built));
		fs.renameSync(built, file);
		fs.rmSync(path.join(dir, `build-${arch}`), { recursive: true, force: true });
		kernels.push({ arch, file, size: fs.statSync(file).size, entries: table.entries.length, drivers: table.drivers.length });
		log(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
	}
	const meta = { key: path.basename(dir), kernels };
	fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2));
	return meta;
}

if (require.main === module) {
	const meta = ensureKernels({ force: process.argv.includes('--force') });
	process.stdout.write(JSON.stringify(meta, null, 2) + '\n');
}
module.exports = { ensureKernels, bigTable };
