#!/usr/bin/env node
// run.mjs boots one guest under v86 (the npm package, in Node.js) headless and
// reports one measurement as a JSON line on stdout. `do86 bench --vs-v86-node`
// runs it; it reads the same job description the do86 side gets (pkg/bench,
// type Spec) as JSON on stdin, and writes the same result shape (type Result).
//
// Workloads:
//   loop     a guest loop of pkg/bench on a floppy; the guest writes 0x02 to
//            COM1 when it starts and 0x06 after every chunk of a fixed number
//            of instructions. MIPS = chunks x instructions per chunk / time,
//            counted from the first chunk after warmup_s.
//   desktop  a graphical boot: done when the screen, width x height, has not
//            changed (by more than max_changed_px pixels between samples) for
//            quiet_s and the guest ran at most idle_mips over that time; the
//            time reported is the screen's last change.
//            With reference_raw (RGBA bytes of a reference picture), done
//            instead when the screen is within tolerance of it.
//            With warm_state (a file), a warm start: the machine resumes that
//            save_state file; with warm_save too, it boots and saves the
//            state there once the desktop is up.
//   serial   done when COM1 output contains marker.
//   idle     boot until the text screen contains prompt, wait settle_s, then
//            report the process's CPU use over idle_s (seconds per second).
//
// Usage: node run.mjs < spec.json   (scripts/v86-node/setup.sh installs v86)

import fs from "node:fs";
import path from "node:path";
import url from "node:url";
import { performance } from "node:perf_hooks";

const here = path.dirname(url.fileURLToPath(import.meta.url));

function readStdin() {
    return fs.readFileSync(0, "utf8");
}

function cpuSeconds() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
}

function now() {
    // Seconds since the process started.
    return performance.now() / 1000;
}

function buffer(p) {
    const b = fs.readFileSync(p);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
}

const spec = JSON.parse(readStdin());
const result = { engine: "v86-node", workload: spec.workload, name: spec.name, jit: !!spec.jit, ok: false };

let finished = false;

function finish(emulator, extra) {
    if(finished) return;
    finished = true;
    Object.assign(result, extra);
    if(extra.ok && spec.workload !== "loop" && t0 >= 0) {
        result.guest_mips = instructions() / (now() - t0) / 1e6;
    }
    process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
    if(emulator) {
        emulator.stop();
    }
}

// done ends a desktop measurement; with warm_save it first saves the
// machine's state as the warm start of later runs.
async function done(extra) {
    if(spec.warm_save) {
        try {
            emulator.stop();
            const st = await emulator.save_state();
            fs.writeFileSync(spec.warm_state, Buffer.from(st));
        } catch(e) {
            fail(emulator, "saving the warm start: " + e.message);
            return;
        }
    }
    finish(emulator, extra);
}

function fail(emulator, msg) {
    finish(emulator, { ok: false, error: msg });
}

const lib = spec.v86_lib || path.join(here, "..", "..", "third_party", "node_modules", "v86", "build", "libv86.mjs");
const { V86 } = await import(url.pathToFileURL(lib).href);

const options = {
    wasm_path: spec.wasm || path.join(path.dirname(lib), "v86.wasm"),
    bios: { buffer: buffer(spec.bios) },
    vga_bios: { buffer: buffer(spec.vga_bios) },
    memory_size: spec.memory_mib * 1024 * 1024,
    autostart: true,
    disable_jit: !spec.jit,
    acpi: !!spec.acpi,
};
if(spec.fda) options.fda = { buffer: buffer(spec.fda) };
if(spec.cdrom) options.cdrom = { buffer: buffer(spec.cdrom) };
if(spec.kernel) {
    options.bzimage = { buffer: buffer(spec.kernel) };
    if(spec.initrd) options.initrd = { buffer: buffer(spec.initrd) };
    options.cmdline = spec.cmdline || "";
}

// A warm start (warm_state without warm_save) resumes a save_state file.
if(spec.warm_state && !spec.warm_save) {
    try {
        if(spec.workload !== "desktop") {
            throw new Error("measured for desktops only");
        }
        options.initial_state = { buffer: buffer(spec.warm_state) };
    } catch(e) {
        fail(null, "warm start: " + e.message);
        await new Promise(() => {}); // finish exits
    }
    result.resumed = true;
}

const emulator = new V86(options);
let t0 = -1; // seconds since process start when the emulator started

emulator.add_listener("emulator-started", () => {
    if(t0 < 0) {
        t0 = now();
        result.startup_s = t0;
    }
});

// The instruction counter is 32 bits: follow its wraps between samples.
let instrLast = 0, instrTotal = 0;
function instructions() {
    const c = emulator.get_instruction_counter();
    instrTotal += (c - instrLast) >>> 0;
    instrLast = c;
    return instrTotal;
}

// Sample it often enough that it cannot wrap twice unseen (2^32 instructions
// take over 4 s even at 1000 MIPS), and trace the guest's speed.
let traceT = 0, traceI = 0;
setInterval(() => {
    const i = instructions(), t = now();
    if(spec.trace && spec.workload !== "desktop" && t0 >= 0 && t - traceT >= 1) {
        process.stderr.write(`bench: v86-node ${(t - t0).toFixed(2)} s guest ${((i - traceI) / (t - traceT) / 1e6).toFixed(1)} MIPS\n`);
        traceT = t;
        traceI = i;
    }
}, 250).unref();

setTimeout(() => fail(emulator, `timeout after ${spec.timeout_s} s`), spec.timeout_s * 1000).unref();

switch(spec.workload) {
case "loop": runLoop(); break;
case "desktop": runDesktop(); break;
case "serial": runSerial(); break;
case "idle": runIdle(); break;
default: fail(emulator, "unknown workload " + spec.workload);
}

// Guest markers (pkg/bench: MarkStart, MarkChunk).
const MARK_START = 0x02, MARK_CHUNK = 0x06;

function runLoop() {
    let started = -1, first = -1, chunks = 0;
    emulator.add_listener("serial0-output-byte", b => {
        const t = now();
        if(b === MARK_START && started < 0) {
            started = t;
            return;
        }
        if(b !== MARK_CHUNK || started < 0) {
            return;
        }
        if(first < 0) {
            if(t - started >= spec.warmup_s) {
                first = t;
            }
            return;
        }
        chunks++;
        if(t - first >= spec.measure_s) {
            const secs = t - first;
            finish(emulator, {
                ok: true, chunks, seconds: secs,
                mips: chunks * spec.instr_per_chunk / secs / 1e6,
            });
        }
    });
}

function runSerial() {
    let tail = "";
    emulator.add_listener("serial0-output-byte", b => {
        tail += String.fromCharCode(b);
        if(tail.length > 4096) tail = tail.slice(-2048);
        if(tail.includes(spec.marker)) {
            finish(emulator, { ok: true, seconds: now() - t0 });
        }
    });
}

// The visible SVGA framebuffer, or null outside width x height.
let mode = [0, 0, 0];
emulator.add_listener("screen-set-size", args => { mode = args; });

function framebuffer() {
    const vga = emulator.v86 && emulator.v86.cpu.devices.vga;
    if(!vga || !vga.svga_enabled || mode[0] !== spec.width || mode[1] !== spec.height || mode[2] !== 32) {
        return null;
    }
    const n = spec.width * spec.height * 4;
    const mem = vga.svga_memory;
    return Buffer.from(mem.buffer, mem.byteOffset + vga.svga_offset, n);
}

function meanDifference(fb, ref) {
    // The framebuffer is B, G, R, X per pixel; ref is R, G, B, A.
    let sum = 0;
    for(let i = 0; i < fb.length; i += 4) {
        sum += Math.abs(fb[i + 2] - ref[i]) + Math.abs(fb[i + 1] - ref[i + 1]) + Math.abs(fb[i] - ref[i + 2]);
    }
    return sum / (fb.length / 4 * 3);
}

// changedPixels counts the 4-byte pixels that differ between a and b.
function changedPixels(a, b) {
    const x = new Uint32Array(a.buffer, a.byteOffset, a.length >> 2);
    const y = new Uint32Array(b.buffer, b.byteOffset, b.length >> 2);
    let n = 0;
    for(let i = 0; i < x.length; i++) {
        if(x[i] !== y[i]) n++;
    }
    return n;
}

function runDesktop() {
    const ref = spec.reference_raw ? fs.readFileSync(spec.reference_raw) : null;
    const samples = []; // {t, instr, cpu} of the last window
    let prev = null, lastChange = -1;
    const timer = setInterval(() => {
        if(t0 < 0) return;
        const fb = framebuffer();
        if(!fb) return;
        const t = now(), cpu = cpuSeconds(), instr = instructions();
        if(ref) {
            if(ref.length === fb.length && meanDifference(fb, ref) <= spec.tolerance) {
                clearInterval(timer);
                done({ ok: true, seconds: t - t0 });
            }
            return;
        }
        const changed = prev ? changedPixels(prev, fb) : fb.length >> 2;
        if(changed > spec.max_changed_px) {
            lastChange = t;
        }
        prev = Buffer.from(fb);
        samples.push({ t, instr, cpu });
        while(samples.length > 1 && samples[1].t <= t - spec.quiet_s) samples.shift();
        const w = samples[0];
        if(t - w.t <= 0) return;
        const mips = (instr - w.instr) / (t - w.t) / 1e6;
        if(spec.trace) {
            process.stderr.write(`bench: v86-node ${(t - t0).toFixed(2)} s changed ${changed} px, guest ${mips.toFixed(1)} MIPS\n`);
        }
        if(t - lastChange < spec.quiet_s || t - w.t < spec.quiet_s * 0.9 || mips > spec.idle_mips) return;
        clearInterval(timer);
        done({ ok: true, seconds: lastChange - t0, idle_cpu: (cpu - w.cpu) / (t - w.t) });
    }, spec.sample_ms || 100);
}

function runIdle() {
    let state = "boot";
    const timer = setInterval(() => {
        if(state !== "boot" || t0 < 0) return;
        const text = emulator.screen_adapter.get_text_screen().join("\n");
        if(!text.includes(spec.prompt)) return;
        state = "settle";
        const seen = now() - t0;
        setTimeout(() => {
            const c0 = cpuSeconds(), w0 = now();
            setTimeout(() => {
                clearInterval(timer);
                const c1 = cpuSeconds(), w1 = now();
                finish(emulator, { ok: true, seconds: seen, idle_cpu: (c1 - c0) / (w1 - w0) });
            }, spec.idle_s * 1000);
        }, spec.settle_s * 1000);
    }, spec.sample_ms || 100);
}
