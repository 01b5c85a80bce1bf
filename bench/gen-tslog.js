'use strict';
/*
 * gen-tslog.js - a full tslog(4) buffer for `npm run bench`: 262,144 records (TSLOGSIZE's default) of a
 * NetBSD boot, deterministic (fixed seed): the boot thread calls nested functions, DELAYs and prints,
 * four kernel threads work and hold "config hooks" while main waits on it, and the last two records
 * are ENTER/EXIT start_init, so the buffer is exactly full and the boot complete.
 */
const fs = require('node:fs');
const path = require('node:path');

const RECORDS = 262144;
const FUNCS = ['config_attach_internal', 'pci_probe_device', 'uvm_map', 'pool_get', 'vfs_busy', 'aprint_normal', 'DELAY', 'kmem_alloc', 'bus_space_map', 'callout_init', 'softint_establish', 'workqueue_create', 'mutex_init', 'vioif_attach', 'ld_virtio_attach', 'com_attach_subr', 'tsleep', 'pmap_enter'];

/** A small deterministic generator (LCG), so every run benchmarks the same file. */
function rng(seed) {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 4294967296;
	};
}

/** Writes the trace to `file` (once; kept between runs) and returns its path. */
function ensureTslog(dir) {
	const file = path.join(dir, `tslog-full-${RECORDS}.txt`);
	if (fs.existsSync(file)) return file;
	fs.mkdirSync(dir, { recursive: true });
	const r = rng(20261207);
	const lines = [];
	let tsc = 21_600_000;
	const rec = (id, kind, name) => {
		tsc += 1 + Math.floor(r() * 4000);
		lines.push(`${id} ${tsc} ${kind} ${name}`);
	};
	rec('0x1', 'ENTER', 'main');
	const stack = [];
	let holding = false;
	// records still to write before the closing EXITs and start_init
	const gap = () => RECORDS - 2 - stack.length - lines.length;
	while (gap() > 0) {
		const x = r();
		if (gap() === 1) {
			rec('0x6', 'ENTER', 'softint_thread'); // another thread: fills the last slot without touching main's stack
		} else if (x < 0.02 && !holding && stack.length < 20 && gap() > 100) {
			// a kernel thread takes the topic, main waits, the thread works and releases
			const kt = `0x${(2 + Math.floor(r() * 4)).toString(16)}`;
			rec(kt, 'EVENT', 'HOLD config hooks');
			rec('0x1', 'EVENT', 'WAIT config hooks');
			holding = true;
			const n = 2 + Math.floor(r() * 6);
			for (let i = 0; i < n; i++) {
				const f = FUNCS[Math.floor(r() * FUNCS.length)];
				rec(kt, 'ENTER', f);
				rec(kt, 'EXIT', f);
			}
			rec(kt, 'EVENT', 'RELEASE config hooks');
			rec('0x1', 'EVENT', 'UNWAIT config hooks');
			holding = false;
		} else if ((x < 0.55 && stack.length < 24) || stack.length === 0) {
			const f = FUNCS[Math.floor(r() * FUNCS.length)];
			stack.push(f);
			rec('0x1', 'ENTER', f);
		} else {
			rec('0x1', 'EXIT', stack.pop());
		}
	}
	while (stack.length) rec('0x1', 'EXIT', stack.pop());
	rec('0x1', 'ENTER', 'start_init');
	rec('0x1', 'EXIT', 'start_init');
	if (lines.length !== RECORDS) throw new Error(`gen-tslog: ${lines.length} records, not ${RECORDS}`);
	fs.writeFileSync(file, `${lines.join('\n')}\nmachdep.tsc_freq=2400000000\n`);
	return file;
}

module.exports = { ensureTslog, RECORDS };
