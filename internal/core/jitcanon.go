package core

import (
	"errors"
	"fmt"
)

// Canonical JIT modules. v86's code generator bakes the module's own table
// index (the slot the core chose for it, which depends on what was compiled
// before) into its code: as the high half of the packed "eip offset and
// table index" argument of the slow memory paths (safe_write*_slow_jit,
// safe_read_write*_slow_jit, writable_or_pagefault_jit) and as the table
// index argument of jit_find_cache_entry_in_page. The same guest code thus
// becomes different bytes in every run and in every slot, and wazero's
// compilation caches (in memory and on disk) never hit for it.
//
// canonicalize takes those constants out: it clears them in the code, and
// routes the calls through small functions of the module's own ("shims")
// that put the index back from a global, which the install function sets
// from its slot argument. Constants are rewritten only where they sit right
// before the call, as the code generator emits them, and only when they
// hold the index the core gave for this module; a module of any other shape
// is left as it was (it still runs, it is just not shared).

// packedIndexFuncs take the packed (eip & 0xFFF) | index<<16 as their last
// argument.
var packedIndexFuncs = map[string]bool{
	"writable_or_pagefault_jit": true,
	"safe_write8_slow_jit":      true, "safe_write16_slow_jit": true, "safe_write32_slow_jit": true,
	"safe_write64_slow_jit": true, "safe_write128_slow_jit": true,
	"safe_read_write8_slow_jit": true, "safe_read_write16_slow_jit": true,
	"safe_read_write32s_slow_jit": true, "safe_read_write64_slow_jit": true,
}

// findEntryFunc takes (eip, table index, state flags).
const findEntryFunc = "jit_find_cache_entry_in_page"

// Opcodes canonicalize emits or looks for.
const (
	opCall      = 0x10
	opGlobalGet = 0x23
	opGlobalSet = 0x24
	opI32Const  = 0x41
	opI32Sub    = 0x6B
	opI32Or     = 0x72
	opI32Shl    = 0x74
	secGlobal   = 6
)

var errNotCanonical = errors.New("jit module: not of the expected shape")

// funcImport is one imported function of a module.
type funcImport struct {
	name    string
	typeIdx uint32
}

// canonical is what canonicalize did to a module.
type canonical struct {
	global   uint32 // index of the table-index global
	shims    []shim
	nRewrote int
}

type shim struct {
	target  uint32 // the import it calls
	typeIdx uint32
	params  int
	packed  bool // else: the find function, index as its second argument
}

// canonicalize rewrites secs (a module split by splitSections) as the
// package comment says. shimBase is the function index the first shim will
// get (after the module's own functions and the install function). It
// returns ok=false, with secs untouched, when the module is not as
// expected or uses no index.
func canonicalize(secs []section, index, shimBase uint32) (c canonical, ok bool) {
	var imports []funcImport
	var types [][]byte
	var code *section
	importedGlobals := uint32(0)
	for i := range secs {
		s := &secs[i]
		var err error
		switch s.id {
		case secType:
			types, err = readFuncTypes(s.body)
		case secImport:
			imports, importedGlobals, err = readFuncImports(s.body)
		case secGlobal:
			return c, false // v86 modules define none; do not guess
		case secCode:
			code = s
		}
		if err != nil {
			return c, false
		}
	}
	if code == nil {
		return c, false
	}
	c.global = importedGlobals
	shimOf := map[uint32]uint32{} // import index -> shim function index
	for i, im := range imports {
		packed, find := packedIndexFuncs[im.name], im.name == findEntryFunc
		if !packed && !find {
			continue
		}
		if int(im.typeIdx) >= len(types) {
			return c, false
		}
		params := types[im.typeIdx]
		n := len(params)
		if packed && (n == 0 || params[n-1] != typeI32) || find && (n != 3 || params[1] != typeI32) {
			return c, false
		}
		shimOf[uint32(i)] = shimBase + uint32(len(c.shims))
		c.shims = append(c.shims, shim{target: uint32(i), typeIdx: im.typeIdx, params: n, packed: packed})
	}
	if len(c.shims) == 0 {
		return c, false
	}
	body, n, err := rewriteCalls(code.body, index, imports, shimOf)
	if err != nil || n == 0 {
		return c, false
	}
	c.nRewrote = n
	code.body = body
	return c, true
}

// readFuncTypes returns each type's parameter types.
func readFuncTypes(body []byte) ([][]byte, error) {
	count, p, err := readULEB(body)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i := uint32(0); i < count; i++ {
		if p >= len(body) || body[p] != typeFunc {
			return nil, errNotCanonical
		}
		p++
		np, k, err := readULEB(body[p:])
		if err != nil || p+k+int(np) > len(body) {
			return nil, errNotCanonical
		}
		p += k
		out = append(out, body[p:p+int(np)])
		p += int(np)
		nr, k, err := readULEB(body[p:])
		if err != nil || p+k+int(nr) > len(body) {
			return nil, errNotCanonical
		}
		p += k + int(nr)
	}
	return out, nil
}

// readFuncImports lists the function imports of an import section, and
// counts its global imports.
func readFuncImports(body []byte) ([]funcImport, uint32, error) {
	count, p, err := readULEB(body)
	if err != nil {
		return nil, 0, err
	}
	var out []funcImport
	var globals uint32
	for i := uint32(0); i < count; i++ {
		_, n, err := readName(body[p:])
		if err != nil {
			return nil, 0, err
		}
		p += n
		name, n, err := readName(body[p:])
		if err != nil {
			return nil, 0, err
		}
		p += n
		if p >= len(body) {
			return nil, 0, errNotCanonical
		}
		kind := body[p]
		p++
		switch kind {
		case 0:
			t, k, err := readULEB(body[p:])
			if err != nil {
				return nil, 0, err
			}
			out = append(out, funcImport{name, t})
			p += k
		case 1:
			p++
			k, err := skipLimits(body[p:])
			if err != nil {
				return nil, 0, err
			}
			p += k
		case 2:
			k, err := skipLimits(body[p:])
			if err != nil {
				return nil, 0, err
			}
			p += k
		case 3:
			globals++
			p += 2
		default:
			return nil, 0, errNotCanonical
		}
	}
	return out, globals, nil
}

// recent remembers where the last two instructions start in the output and
// whether they were i32.const (and their values).
type recent struct {
	at     [2]int
	isC    [2]bool
	values [2]int32
}

func (r *recent) push(at int, isConst bool, v int32) {
	r.at[0], r.isC[0], r.values[0] = r.at[1], r.isC[1], r.values[1]
	r.at[1], r.isC[1], r.values[1] = at, isConst, v
}

// rewriteCalls copies a code section body, redirecting calls to the
// imports in shimOf to their shims and clearing the table index in the
// constants right before them. It returns the number of calls rewritten.
func rewriteCalls(body []byte, index uint32, imports []funcImport, shimOf map[uint32]uint32) ([]byte, int, error) {
	count, p, err := readULEB(body)
	if err != nil {
		return nil, 0, err
	}
	out := appendULEB(make([]byte, 0, len(body)+64), count)
	rewrote := 0
	for f := uint32(0); f < count; f++ {
		size, k, err := readULEB(body[p:])
		if err != nil || p+k+int(size) > len(body) {
			return nil, 0, errNotCanonical
		}
		p += k
		fn := body[p : p+int(size)]
		p += int(size)
		nb, n, err := rewriteFunc(fn, index, imports, shimOf)
		if err != nil {
			return nil, 0, err
		}
		rewrote += n
		out = appendULEB(out, uint32(len(nb)))
		out = append(out, nb...)
	}
	return out, rewrote, nil
}

func rewriteFunc(fn []byte, index uint32, imports []funcImport, shimOf map[uint32]uint32) ([]byte, int, error) {
	// Locals: vec of (count, type), copied as they are.
	nl, p, err := readULEB(fn)
	if err != nil {
		return nil, 0, err
	}
	for i := uint32(0); i < nl; i++ {
		_, k, err := readULEB(fn[p:])
		if err != nil || p+k >= len(fn) {
			return nil, 0, errNotCanonical
		}
		p += k + 1
	}
	out := append(make([]byte, 0, len(fn)+32), fn[:p]...)
	var r recent
	rewrote := 0
	for p < len(fn) {
		start := p
		op := fn[p]
		n, imm, err := instrLen(fn[p:])
		if err != nil {
			return nil, 0, err
		}
		p += n
		if op == opCall {
			if s, ok := shimOf[imm]; ok {
				name := imports[imm].name
				if packedIndexFuncs[name] {
					if !r.isC[1] || uint32(r.values[1])>>16 != index {
						return nil, 0, errNotCanonical
					}
					out = appendSLEB(out[:r.at[1]], int32(uint32(r.values[1])&0xFFFF))
				} else {
					if !r.isC[0] || !r.isC[1] || uint32(r.values[0]) != index {
						return nil, 0, errNotCanonical
					}
					out = appendSLEB(out[:r.at[0]], 0)
					out = appendSLEB(out, r.values[1])
				}
				out = appendULEB(append(out, opCall), s)
				rewrote++
				r.push(len(out), false, 0) // a call is never a constant operand
				continue
			}
		}
		at := len(out)
		out = append(out, fn[start:p]...)
		if op == opI32Const {
			v, _, err := readSLEB32(fn[start+1:])
			if err != nil {
				return nil, 0, err
			}
			r.push(at, true, v)
		} else {
			r.push(at, false, 0)
		}
	}
	return out, rewrote, nil
}

// appendSLEB appends the instruction i32.const v.
func appendSLEB(b []byte, v int32) []byte {
	b = append(b, opI32Const)
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v == 0 && c&0x40 == 0 || v == -1 && c&0x40 != 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// readSLEB32 reads a signed LEB128 of at most 5 bytes.
func readSLEB32(b []byte) (int32, int, error) {
	var v int64
	var shift uint
	for i := 0; i < 5 && i < len(b); i++ {
		c := b[i]
		v |= int64(c&0x7F) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return int32(v), i + 1, nil
		}
	}
	return 0, 0, errors.New("bad signed LEB128")
}

// skipLEB returns the length of a LEB128 (signed or not) of at most max bytes.
func skipLEB(b []byte, max int) (int, error) {
	for i := 0; i < max && i < len(b); i++ {
		if b[i]&0x80 == 0 {
			return i + 1, nil
		}
	}
	return 0, errors.New("bad LEB128")
}

// instrLen decodes one instruction: its length and, for call, the function
// index. Instructions outside wasm 1.0, sign extension, saturating
// truncation, bulk memory and reference types are refused.
func instrLen(b []byte) (int, uint32, error) {
	op := b[0]
	uleb := func(at int) (int, uint32, error) {
		v, k, err := readULEB(b[at:])
		return at + k, v, err
	}
	switch {
	case op <= 0x01, op == 0x05, op == 0x0B, op == 0x0F, op == 0x1A, op == 0x1B, op == 0xD1,
		op >= 0x45 && op <= 0xC4:
		return 1, 0, nil
	case op >= 0x02 && op <= 0x04: // block type: 0x40, a value type, or a type index (s33)
		if len(b) < 2 {
			return 0, 0, errNotCanonical
		}
		if b[1] == 0x40 || b[1] >= 0x6F && b[1] <= 0x7F {
			return 2, 0, nil
		}
		k, err := skipLEB(b[1:], 5)
		return 1 + k, 0, err
	case op == 0x0C, op == 0x0D, op == opCall, op >= 0x20 && op <= 0x26, op == opRefFunc:
		n, v, err := uleb(1)
		return n, v, err
	case op == 0x0E: // br_table
		cnt, k, err := readULEB(b[1:])
		if err != nil {
			return 0, 0, err
		}
		at := 1 + k
		for i := uint32(0); i <= cnt; i++ {
			if at, _, err = uleb(at); err != nil {
				return 0, 0, err
			}
		}
		return at, 0, nil
	case op == 0x11: // call_indirect
		at, _, err := uleb(1)
		if err != nil {
			return 0, 0, err
		}
		at, _, err = uleb(at)
		return at, 0, err
	case op == 0x1C: // select t*
		cnt, k, err := readULEB(b[1:])
		return 1 + k + int(cnt), 0, err
	case op >= 0x28 && op <= 0x3E: // memarg
		at, _, err := uleb(1)
		if err != nil {
			return 0, 0, err
		}
		at, _, err = uleb(at)
		return at, 0, err
	case op == 0x3F, op == 0x40, op == opRefNull:
		return 2, 0, nil
	case op == opI32Const:
		k, err := skipLEB(b[1:], 5)
		return 1 + k, 0, err
	case op == 0x42:
		k, err := skipLEB(b[1:], 10)
		return 1 + k, 0, err
	case op == 0x43:
		return 5, 0, nil
	case op == 0x44:
		return 9, 0, nil
	case op == 0xFC:
		sub, k, err := readULEB(b[1:])
		if err != nil {
			return 0, 0, err
		}
		at := 1 + k
		switch {
		case sub <= 7:
			return at, 0, nil
		case sub == 8:
			at, _, err = uleb(at)
			return at + 1, 0, err
		case sub == 9, sub == 13, sub >= 15 && sub <= 17:
			at, _, err = uleb(at)
			return at, 0, err
		case sub == 10:
			return at + 2, 0, nil
		case sub == 11:
			return at + 1, 0, nil
		case sub == 12, sub == 14:
			if at, _, err = uleb(at); err != nil {
				return 0, 0, err
			}
			at, _, err = uleb(at)
			return at, 0, err
		}
	}
	return 0, 0, fmt.Errorf("jit module: opcode %#x not handled", op)
}

// shimBodies returns the code entries of the shims and the global section
// canonicalize's rewritten calls need.
func (c canonical) shimBodies() [][]byte {
	var out [][]byte
	for _, s := range c.shims {
		b := []byte{0} // no locals
		for i := 0; i < s.params; i++ {
			switch {
			case s.packed && i == s.params-1:
				// (eip bits) | index << 16
				b = append(b, opLocalGet, byte(i), opGlobalGet)
				b = appendULEB(b, c.global)
				b = append(b, opI32Const, 16, opI32Shl, opI32Or)
			case !s.packed && i == 1:
				b = append(b, opGlobalGet)
				b = appendULEB(b, c.global)
			default:
				b = append(b, opLocalGet, byte(i))
			}
		}
		b = appendULEB(append(b, opCall), s.target)
		out = append(out, append(b, opEnd))
	}
	return out
}

// globalSection is a section holding one mutable i32 initialised to 0.
func globalSection() section {
	return section{secGlobal, []byte{1, typeI32, 1, opI32Const, 0, opEnd}}
}
