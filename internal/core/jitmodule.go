package core

import (
	"errors"
	"fmt"
)

// The core's code generator emits one small wasm module per compiled group
// of x86 pages: a type section, imports from module "e" (core exports by
// name, then the memory "e"."m"), one function, the export "f" and the code.
// v86's browser host puts "f" into the shared function table itself; wazero
// offers no host access to tables, so rewriteJIT adds what the module needs
// to do that on its own:
//
//   - an import of the core's table ("e".TableExport),
//   - a function "i"(slot i32) that stores a reference to "f" at slot, and
//     its export.
//
// The slot is a call argument rather than an element segment offset so that
// the rewritten bytes depend only on the generated code: identical modules
// compiled for different slots share wazero's compiled code.

// Section ids of the wasm binary format used below.
const (
	secType     = 1
	secFunction = 3
	secCode     = 10
)

// installExport is the name of the function rewriteJIT adds.
const installExport = "i"

const (
	opEnd      = 0x0B
	opLocalGet = 0x20
	opTableSet = 0x26
	opRefNull  = 0xD0
	opRefFunc  = 0xD2
	typeFunc   = 0x60
	typeI32    = 0x7F
	refFunc    = 0x70
)

// rewriteJIT returns the generated module code with the table import and the
// install function added, and its table index taken out of its code where
// that can be done (canonicalize): index is the core's table index for it.
func rewriteJIT(code []byte, index uint32) ([]byte, error) {
	secs, err := splitSections(code)
	if err != nil {
		return nil, err
	}
	var typeCount, funcImports, defined uint32
	fIndex := int64(-1)
	for _, s := range secs {
		switch s.id {
		case secType:
			if typeCount, _, err = readULEB(s.body); err != nil {
				return nil, err
			}
		case secImport:
			if funcImports, err = countFuncImports(s.body); err != nil {
				return nil, err
			}
		case secFunction:
			if defined, _, err = readULEB(s.body); err != nil {
				return nil, err
			}
		case secExport:
			if fIndex, err = findFuncExport(s.body, "f"); err != nil {
				return nil, err
			}
		case secTable, 9: // a table or elements of its own: not v86's shape
			return nil, fmt.Errorf("jit module has section %d", s.id)
		}
	}
	if fIndex < 0 || defined == 0 {
		return nil, errors.New("jit module exports no function f")
	}
	install := funcImports + defined
	canon, isCanon := canonicalize(secs, index, install+1)
	for i := range secs {
		s := &secs[i]
		switch s.id {
		case secType: // (i32) -> ()
			s.body = bumpCount(s.body, typeFunc, 1, typeI32, 0)
		case secImport:
			e := []byte{1, 'e'}
			e = appendULEB(e, uint32(len(TableExport)))
			e = append(e, TableExport...)
			e = append(e, 1, refFunc, 0) // table, funcref, limits without maximum
			e = appendULEB(e, TableSize)
			s.body = bumpCount(s.body, e...)
		case secFunction:
			s.body = bumpCount(s.body, appendULEB(nil, typeCount)...)
			for _, sh := range canon.shims {
				s.body = bumpCount(s.body, appendULEB(nil, sh.typeIdx)...)
			}
		case secExport:
			e := []byte{1, installExport[0], 0}
			e = appendULEB(e, install)
			s.body = bumpCount(s.body, e...)
		case secCode:
			body := []byte{0, opLocalGet, 0, opRefFunc}
			body = appendULEB(body, uint32(fIndex))
			body = append(body, opTableSet, 0)
			if isCanon { // the module's table index, for its shims
				body = appendSLEB(append(body, opLocalGet, 0), TableOffset)
				body = appendULEB(append(body, opI32Sub, opGlobalSet), canon.global)
			}
			body = append(body, opEnd)
			s.body = bumpCount(s.body, append(appendULEB(nil, uint32(len(body))), body...)...)
			for _, sb := range canon.shimBodies() {
				s.body = bumpCount(s.body, append(appendULEB(nil, uint32(len(sb))), sb...)...)
			}
		}
	}
	if isCanon {
		secs = insertSection(secs, globalSection())
	}
	return joinSections(code[:8], secs), nil
}

// insertSection puts s among secs in the order the binary format wants
// (custom sections aside): before the first section that must follow it.
func insertSection(secs []section, s section) []section {
	order := func(id byte) int {
		if id == 12 { // data count comes before code
			return 95
		}
		return int(id) * 10
	}
	for i, o := range secs {
		if o.id != 0 && order(o.id) > order(s.id) {
			return append(secs[:i], append([]section{s}, secs[i:]...)...)
		}
	}
	return append(secs, s)
}

// bumpCount returns a vector section body with one more entry, entry.
func bumpCount(body []byte, entry ...byte) []byte {
	n, k, _ := readULEB(body)
	out := appendULEB(make([]byte, 0, len(body)+len(entry)+5), n+1)
	out = append(out, body[k:]...)
	return append(out, entry...)
}

// countFuncImports counts the function imports of an import section body.
func countFuncImports(body []byte) (uint32, error) {
	count, p, err := readULEB(body)
	if err != nil {
		return 0, err
	}
	var funcs uint32
	for i := uint32(0); i < count; i++ {
		for j := 0; j < 2; j++ { // module and field names
			_, n, err := readName(body[p:])
			if err != nil {
				return 0, err
			}
			p += n
		}
		if p >= len(body) {
			return 0, errors.New("truncated import")
		}
		kind := body[p]
		p++
		var n int
		switch kind {
		case 0:
			funcs++
			_, n, err = readULEB(body[p:])
		case 1:
			p++
			n, err = skipLimits(body[p:])
		case 2:
			n, err = skipLimits(body[p:])
		case 3:
			n = 2
		default:
			return 0, fmt.Errorf("unknown import kind %d", kind)
		}
		if err != nil {
			return 0, err
		}
		p += n
	}
	return funcs, nil
}

// findFuncExport returns the function index exported as name, or -1.
func findFuncExport(body []byte, name string) (int64, error) {
	count, p, err := readULEB(body)
	if err != nil {
		return -1, err
	}
	for i := uint32(0); i < count; i++ {
		s, n, err := readName(body[p:])
		if err != nil || p+n >= len(body) {
			return -1, errors.New("bad export")
		}
		p += n
		kind := body[p]
		idx, k, err := readULEB(body[p+1:])
		if err != nil {
			return -1, err
		}
		p += 1 + k
		if kind == 0 && s == name {
			return int64(idx), nil
		}
	}
	return -1, nil
}

// tableClearer is a module that imports the core's table and exports
// "clear"(slot i32), which stores a null reference at slot: a closed JIT
// module's function must not stay reachable from the table.
func tableClearer() []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	sec := func(id byte, body []byte) {
		b = append(b, id)
		b = appendULEB(b, uint32(len(body)))
		b = append(b, body...)
	}
	sec(secType, []byte{1, typeFunc, 1, typeI32, 0})
	imp := []byte{1, 1, 'e'}
	imp = appendULEB(imp, uint32(len(TableExport)))
	imp = append(imp, TableExport...)
	imp = append(imp, 1, refFunc, 0)
	imp = appendULEB(imp, TableSize)
	sec(secImport, imp)
	sec(secFunction, []byte{1, 0})
	sec(secExport, []byte{1, 5, 'c', 'l', 'e', 'a', 'r', 0, 0})
	body := []byte{0, opLocalGet, 0, opRefNull, refFunc, opTableSet, 0, opEnd}
	sec(secCode, append([]byte{1, byte(len(body))}, body...))
	return b
}
