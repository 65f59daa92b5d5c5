package core

import (
	"bytes"
	"errors"
	"fmt"
)

// The JIT's hotness threshold. v86 compiles a page once the heat of its
// entry points reaches JIT_THRESHOLD (jit.rs: 200 * 1000), a constant
// tuned for V8, whose compiler takes a few milliseconds per module. The
// constant appears once in v86.wasm 0.5.462, as `i32.const 200000;
// i32.lt_u` in jit_increase_hotness_and_maybe_compile; SetJITThreshold
// rewrites that immediate in place (the file's sha256 is checked before,
// on the original bytes).

// DefaultJITPages is the most x86 pages the core compiles into one module.
// v86 uses 3, sized for V8; under wazero, whose optimising compiler takes
// about 3 ms a KB, and with the core compiling one module at a time,
// single-page modules get hot code compiled sooner: a Linux boot used about
// a fifth less CPU and KolibriOS's desktop came up sooner (RATIONALE.md).
const DefaultJITPages = 1

// DefaultJITThreshold is v86's own threshold.
const DefaultJITThreshold = 200000

// JITThreshold is the threshold do86 runs the core with.
var JITThreshold uint32 = DefaultJITThreshold

// thresholdSite is the instruction pair holding the threshold.
var thresholdSite = []byte{opI32Const, 0xC0, 0x9A, 0x0C, 0x49} // i32.const 200000; i32.lt_u

// Thresholds SetJITThreshold takes: those whose signed LEB128 is three
// bytes, as the original's, so the code's length does not change.
const (
	MinJITThreshold = 1 << 14
	MaxJITThreshold = 1<<20 - 1
)

// setJITThreshold returns wasm with the JIT's hotness threshold set to t.
func setJITThreshold(wasm []byte, t uint32) ([]byte, error) {
	if t == DefaultJITThreshold {
		return wasm, nil
	}
	if t < MinJITThreshold || t > MaxJITThreshold {
		return nil, fmt.Errorf("core: JIT threshold %d outside %d..%d", t, MinJITThreshold, MaxJITThreshold)
	}
	i := bytes.Index(wasm, thresholdSite)
	if i < 0 || bytes.Index(wasm[i+1:], thresholdSite) >= 0 {
		return nil, errors.New("core: the JIT threshold is not where v86 " + Version + " has it")
	}
	out := append([]byte(nil), wasm...)
	imm := appendSLEB(nil, int32(t))[1:] // the immediate, without the opcode
	if len(imm) != 3 {
		return nil, fmt.Errorf("core: JIT threshold %d does not encode in 3 bytes", t)
	}
	copy(out[i+1:], imm)
	return out, nil
}
