package core

import (
	"bytes"
	"errors"
	"fmt"
)

// wazero host modules cannot export a table, but v86.wasm imports its
// function table (env.__indirect_function_table). rewriteTable turns that
// import into a table the module defines itself, of the given size, and
// exports it as TableExport so that JIT modules can import it. It also
// exports the memory a second time as MemoryExport, the name under which the
// JIT's modules import it.
//
// The wasm binary format: a magic and version, then sections of
// (id byte, LEB128 size, payload). Only the import, table and export
// sections change.

// TableExport is the name under which the rewritten module exports its table.
const TableExport = "__indirect_function_table"

// MemoryExport is the extra name of the memory export: JIT modules import
// "e"."m", and the core is instantiated under the module name "e".
const MemoryExport = "m"

const (
	secImport = 2
	secTable  = 4
	secExport = 7
)

type section struct {
	id   byte
	body []byte
}

func readULEB(b []byte) (uint32, int, error) {
	var v uint32
	for i := 0; i < 5 && i < len(b); i++ {
		v |= uint32(b[i]&0x7F) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("bad LEB128")
}

func appendULEB(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
		} else {
			return append(b, c)
		}
	}
}

func splitSections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, errors.New("not a wasm module")
	}
	var out []section
	p := wasm[8:]
	for len(p) > 0 {
		id := p[0]
		n, k, err := readULEB(p[1:])
		if err != nil || 1+k+int(n) > len(p) {
			return nil, fmt.Errorf("wasm: truncated section %d", id)
		}
		out = append(out, section{id, p[1+k : 1+k+int(n)]})
		p = p[1+k+int(n):]
	}
	return out, nil
}

func joinSections(header []byte, secs []section) []byte {
	out := append([]byte(nil), header...)
	for _, s := range secs {
		out = append(out, s.id)
		out = appendULEB(out, uint32(len(s.body)))
		out = append(out, s.body...)
	}
	return out
}

// readName reads a length-prefixed name.
func readName(b []byte) (string, int, error) {
	n, k, err := readULEB(b)
	if err != nil || k+int(n) > len(b) {
		return "", 0, errors.New("bad name")
	}
	return string(b[k : k+int(n)]), k + int(n), nil
}

// skipLimits skips a limits encoding (flag, min[, max]).
func skipLimits(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, errors.New("bad limits")
	}
	flag := b[0]
	_, k, err := readULEB(b[1:])
	if err != nil {
		return 0, err
	}
	n := 1 + k
	if flag&1 != 0 {
		_, k2, err := readULEB(b[n:])
		if err != nil {
			return 0, err
		}
		n += k2
	}
	return n, nil
}

// rewriteTable returns wasm with its imported funcref table replaced by a
// defined and exported table of size entries.
func rewriteTable(wasm []byte, size uint32) ([]byte, error) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}
	found := false
	var out []section
	for _, s := range secs {
		switch s.id {
		case secImport:
			body, ok, err := dropTableImport(s.body)
			if err != nil {
				return nil, err
			}
			found = ok
			out = append(out, section{secImport, body})
		case secExport:
			body, err := addTableExport(s.body)
			if err != nil {
				return nil, err
			}
			out = append(out, section{secExport, body})
		default:
			out = append(out, s)
		}
	}
	if !found {
		return nil, errors.New("core: module imports no function table")
	}
	if hasSection(secs, secTable) {
		return nil, errors.New("core: module already defines a table")
	}
	// A table section: one funcref table, min = max = size.
	tbl := []byte{1, 0x70, 0x01}
	tbl = appendULEB(tbl, size)
	tbl = appendULEB(tbl, size)
	// Sections come in a fixed order (1..4, then 5..12): the table section
	// goes before the first section past it.
	var final []section
	inserted := false
	for _, s := range out {
		if !inserted && s.id > secTable {
			final = append(final, section{secTable, tbl})
			inserted = true
		}
		final = append(final, s)
	}
	if !inserted {
		final = append(final, section{secTable, tbl})
	}
	return joinSections(wasm[:8], final), nil
}

func hasSection(secs []section, id byte) bool {
	for _, s := range secs {
		if s.id == id {
			return true
		}
	}
	return false
}

// dropTableImport removes the table import from an import section body.
func dropTableImport(body []byte) ([]byte, bool, error) {
	count, k, err := readULEB(body)
	if err != nil {
		return nil, false, err
	}
	p := k
	var kept [][]byte
	found := false
	for i := uint32(0); i < count; i++ {
		start := p
		_, n, err := readName(body[p:])
		if err != nil {
			return nil, false, err
		}
		p += n
		_, n, err = readName(body[p:])
		if err != nil {
			return nil, false, err
		}
		p += n
		if p >= len(body) {
			return nil, false, errors.New("truncated import")
		}
		kind := body[p]
		p++
		switch kind {
		case 0: // function: type index
			_, n, err = readULEB(body[p:])
			p += n
		case 1: // table: reftype + limits
			p++
			n, err = skipLimits(body[p:])
			p += n
			if err == nil {
				found = true
				continue
			}
		case 2: // memory: limits
			n, err = skipLimits(body[p:])
			p += n
		case 3: // global: valtype + mut
			p += 2
		default:
			return nil, false, fmt.Errorf("unknown import kind %d", kind)
		}
		if err != nil {
			return nil, false, err
		}
		kept = append(kept, body[start:p])
	}
	out := appendULEB(nil, uint32(len(kept)))
	for _, e := range kept {
		out = append(out, e...)
	}
	return out, found, nil
}

// addTableExport appends exports of table 0 and memory 0 to an export
// section body.
func addTableExport(body []byte) ([]byte, error) {
	count, k, err := readULEB(body)
	if err != nil {
		return nil, err
	}
	out := appendULEB(nil, count+2)
	out = append(out, body[k:]...)
	out = appendULEB(out, uint32(len(TableExport)))
	out = append(out, TableExport...)
	out = append(out, 1, 0) // kind table, index 0
	out = appendULEB(out, uint32(len(MemoryExport)))
	out = append(out, MemoryExport...)
	out = append(out, 2, 0) // kind memory, index 0
	return out, nil
}
