package core

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Load-time patches of the core. v86.wasm is checked against its pinned
// sha256 first; then rewriteTable makes its table its own, and the patches
// here change a few instructions where the core's own address arithmetic
// would let a guest reach past what a PC does (pae.go, fetch.go). Each
// patch finds its functions by name in the module's name section and
// checks how many instructions it changes, so a different core fails at
// load time instead of misbehaving.

// patchCore applies the patches.
func patchCore(wasm []byte) ([]byte, error) {
	m, err := parseModule(wasm)
	if err != nil {
		return nil, err
	}
	if err := patchPAE(m); err != nil {
		return nil, fmt.Errorf("PAE patch: %w", err)
	}
	if err := patchFetch(m); err != nil {
		return nil, fmt.Errorf("fetch patch: %w", err)
	}
	return m.encode()
}

// Section ids and opcodes the patches use (besides those of rewrite.go,
// jitmodule.go and jitcanon.go).
const (
	secCustom    = 0
	opI32WrapI64 = 0xA7
	opI64Const   = 0x42
)

// wasmModule is a module taken apart far enough to change function bodies,
// append functions and globals, and export them.
type wasmModule struct {
	header  []byte
	secs    []section
	names   map[string]uint32 // function names → indices
	imports uint32            // imported functions, first in the index space
	types   []uint32          // the type of each defined function
	bodies  [][]byte          // each defined function's body (a copy)
	globals uint32            // defined globals (no global is imported)
	newGlob [][]byte          // globals to append, encoded
	exports [][]byte          // exports to append, encoded
	changed bool              // a body changed length: debug info is stale
}

func parseModule(wasm []byte) (*wasmModule, error) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}
	m := &wasmModule{header: wasm[:8], secs: secs}
	if m.names, err = functionNames(secs); err != nil {
		return nil, err
	}
	if i := findSection(secs, secImport); i >= 0 {
		if m.imports, err = countFuncImports(secs[i].body); err != nil {
			return nil, err
		}
	}
	fi, ci := findSection(secs, secFunction), findSection(secs, secCode)
	if fi < 0 || ci < 0 {
		return nil, errors.New("core: module has no function or code section")
	}
	if m.types, err = readIndexVec(secs[fi].body); err != nil {
		return nil, err
	}
	bodies, err := splitBodies(secs[ci].body)
	if err != nil {
		return nil, err
	}
	if len(bodies) != len(m.types) {
		return nil, errors.New("core: function and code sections disagree")
	}
	for _, b := range bodies {
		m.bodies = append(m.bodies, bytes.Clone(b))
	}
	if gi := findSection(secs, secGlobal); gi >= 0 {
		if m.globals, _, err = readULEB(secs[gi].body); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// function returns the index of the function called name.
func (m *wasmModule) function(name string) (uint32, error) {
	i, ok := m.names[name]
	if !ok || i < m.imports || int(i-m.imports) >= len(m.bodies) {
		return 0, fmt.Errorf("core: function %s not found: not v86 %s", name, Version)
	}
	return i, nil
}

// body returns the body of the defined function fn.
func (m *wasmModule) body(fn uint32) []byte { return m.bodies[fn-m.imports] }

// replace replaces every occurrence of old in fn's body by repl and checks
// there were want of them.
func (m *wasmModule) replace(fn uint32, old, repl []byte, want int, what string) error {
	b := m.body(fn)
	if n := bytes.Count(b, old); n != want {
		return fmt.Errorf("core: %d %s, want %d: not v86 %s", n, what, want, Version)
	}
	if len(old) != len(repl) {
		m.changed = true
	}
	m.bodies[fn-m.imports] = bytes.ReplaceAll(b, old, repl)
	return nil
}

// replaceEverywhere is replace over every function body; want counts all.
func (m *wasmModule) replaceEverywhere(old, repl []byte, want int, what string) error {
	n := 0
	for _, b := range m.bodies {
		n += bytes.Count(b, old)
	}
	if n != want {
		return fmt.Errorf("core: %d %s, want %d: not v86 %s", n, what, want, Version)
	}
	for i, b := range m.bodies {
		m.bodies[i] = bytes.ReplaceAll(b, old, repl)
	}
	if len(old) != len(repl) {
		m.changed = true
	}
	return nil
}

// addFunction appends a function of type typ and returns its index.
func (m *wasmModule) addFunction(typ uint32, body []byte) uint32 {
	m.types = append(m.types, typ)
	m.bodies = append(m.bodies, body)
	return m.imports + uint32(len(m.bodies)) - 1
}

// funcType returns the type index of the defined function fn.
func (m *wasmModule) funcType(fn uint32) uint32 { return m.types[fn-m.imports] }

// findType returns the index of the function type params -> results.
func (m *wasmModule) findType(params, results []byte) (uint32, error) {
	i := findSection(m.secs, secType)
	if i < 0 {
		return 0, errors.New("core: module has no type section")
	}
	b := m.secs[i].body
	n, p, err := readULEB(b)
	if err != nil {
		return 0, err
	}
	for t := uint32(0); t < n; t++ {
		if p >= len(b) || b[p] != typeFunc {
			return 0, errors.New("core: bad type section")
		}
		p++
		np, k, err := readULEB(b[p:])
		if err != nil || p+k+int(np) > len(b) {
			return 0, errors.New("core: bad type section")
		}
		ps := b[p+k : p+k+int(np)]
		p += k + int(np)
		nr, k, err := readULEB(b[p:])
		if err != nil || p+k+int(nr) > len(b) {
			return 0, errors.New("core: bad type section")
		}
		rs := b[p+k : p+k+int(nr)]
		p += k + int(nr)
		if bytes.Equal(ps, params) && bytes.Equal(rs, results) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("core: module has no function type %x -> %x", params, results)
}

// addGlobal appends a mutable i32 global, initially 0, exported as name,
// and returns its index.
func (m *wasmModule) addGlobal(name string) uint32 {
	idx := m.globals + uint32(len(m.newGlob))
	m.newGlob = append(m.newGlob, []byte{typeI32, 1, 0x41, 0, opEnd}) // mut i32 = i32.const 0
	e := appendULEB(nil, uint32(len(name)))
	e = append(e, name...)
	e = append(e, 3) // kind global
	e = appendULEB(e, idx)
	m.exports = append(m.exports, e)
	return idx
}

// encode reassembles the module. When a body changed length the DWARF
// sections no longer describe the code, and are dropped (stack traces keep
// the function names).
func (m *wasmModule) encode() ([]byte, error) {
	var out []section
	for _, s := range m.secs {
		switch s.id {
		case secFunction:
			b := appendULEB(nil, uint32(len(m.types)))
			for _, t := range m.types {
				b = appendULEB(b, t)
			}
			s.body = b
		case secCode:
			b := appendULEB(nil, uint32(len(m.bodies)))
			for _, f := range m.bodies {
				b = appendULEB(b, uint32(len(f)))
				b = append(b, f...)
			}
			s.body = b
		case secGlobal:
			if len(m.newGlob) > 0 {
				_, k, _ := readULEB(s.body)
				b := appendULEB(nil, m.globals+uint32(len(m.newGlob)))
				b = append(b, s.body[k:]...)
				for _, g := range m.newGlob {
					b = append(b, g...)
				}
				s.body = b
			}
		case secExport:
			if len(m.exports) > 0 {
				n, k, err := readULEB(s.body)
				if err != nil {
					return nil, err
				}
				b := appendULEB(nil, n+uint32(len(m.exports)))
				b = append(b, s.body[k:]...)
				for _, e := range m.exports {
					b = append(b, e...)
				}
				s.body = b
			}
		case secCustom:
			if name, _, err := readName(s.body); m.changed && err == nil && strings.HasPrefix(name, ".debug_") {
				continue
			}
		}
		out = append(out, s)
	}
	if len(m.newGlob) > 0 && findSection(m.secs, secGlobal) < 0 {
		return nil, errors.New("core: module has no global section")
	}
	return joinSections(m.header, out), nil
}

// appendSLEB64 appends v as a signed LEB128.
func appendSLEB64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// paddedULEB encodes v as an unsigned LEB128 of at least n bytes (a
// valid, non-minimal encoding, as the linker writes call targets).
func paddedULEB(v uint32, n int) []byte {
	b := appendULEB(nil, v)
	for len(b) < n {
		b[len(b)-1] |= 0x80
		b = append(b, 0)
	}
	return b
}

// call encodes a call of fn with the linker's 5-byte target.
func call(fn uint32) []byte { return append([]byte{opCall}, paddedULEB(fn, 5)...) }

func findSection(secs []section, id byte) int {
	for i, s := range secs {
		if s.id == id {
			return i
		}
	}
	return -1
}

// readIndexVec reads a vector of LEB128 u32s (the function section).
func readIndexVec(b []byte) ([]uint32, error) {
	n, k, err := readULEB(b)
	if err != nil {
		return nil, err
	}
	out := make([]uint32, 0, n)
	p := k
	for i := uint32(0); i < n; i++ {
		v, k, err := readULEB(b[p:])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		p += k
	}
	return out, nil
}

// splitBodies splits a code section into function bodies (each without its
// size prefix). The bodies alias b.
func splitBodies(b []byte) ([][]byte, error) {
	n, k, err := readULEB(b)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, n)
	p := k
	for i := uint32(0); i < n; i++ {
		size, k, err := readULEB(b[p:])
		if err != nil || p+k+int(size) > len(b) {
			return nil, errors.New("core: truncated code section")
		}
		p += k
		out = append(out, b[p:p+int(size)])
		p += int(size)
	}
	return out, nil
}

// functionNames reads the function names of the "name" custom section.
func functionNames(secs []section) (map[string]uint32, error) {
	for _, s := range secs {
		if s.id != secCustom {
			continue
		}
		name, k, err := readName(s.body)
		if err != nil || name != "name" {
			continue
		}
		p := s.body[k:]
		for len(p) > 0 {
			id := p[0]
			size, k, err := readULEB(p[1:])
			if err != nil || 1+k+int(size) > len(p) {
				return nil, errors.New("core: bad name section")
			}
			sub := p[1+k : 1+k+int(size)]
			p = p[1+k+int(size):]
			if id != 1 {
				continue
			}
			count, q, err := readULEB(sub)
			if err != nil {
				return nil, err
			}
			out := make(map[string]uint32, count)
			for i := uint32(0); i < count; i++ {
				fi, n, err := readULEB(sub[q:])
				if err != nil {
					return nil, err
				}
				q += n
				nm, n, err := readName(sub[q:])
				if err != nil {
					return nil, err
				}
				q += n
				out[nm] = fi
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("core: the module has no function names: not v86 %s", Version)
}
