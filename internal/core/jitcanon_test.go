package core

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// jitLike builds a module shaped as v86's code generator emits them, whose
// function f calls safe_write32_slow_jit(addr, value, eip|index<<16) and
// jit_find_cache_entry_in_page(eip, index, flags) with the table index
// baked in, and returns the sum of the results.
func jitLike(index uint32) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	sec := func(id byte, body []byte) {
		b = append(b, id)
		b = appendULEB(b, uint32(len(body)))
		b = append(b, body...)
	}
	// Types: 0 (i32 i32 i32) -> i32, 1 () -> i32.
	sec(secType, []byte{2, typeFunc, 3, typeI32, typeI32, typeI32, 1, typeI32, typeFunc, 0, 1, typeI32})
	imp := []byte{3}
	for _, name := range []string{"safe_write32_slow_jit", findEntryFunc} {
		imp = append(imp, 1, 'e', byte(len(name)))
		imp = append(imp, name...)
		imp = append(imp, 0, 0)
	}
	imp = append(imp, 1, 'e', 1, 'm', 2, 0, 1) // memory e.m, min 1 page
	sec(secImport, imp)
	sec(secFunction, []byte{1, 1})
	sec(secExport, []byte{1, 1, 'f', 0, 2})
	body := []byte{0}
	body = appendSLEB(body, 0x1234)                 // addr
	body = appendSLEB(body, 99)                     // value
	body = appendSLEB(body, int32(0xABC|index<<16)) // eip offset | index
	body = appendULEB(append(body, opCall), 0)      // safe_write32_slow_jit
	body = appendSLEB(body, 0x7000)                 // eip
	body = appendSLEB(body, int32(index))           // table index
	body = appendSLEB(body, 3)                      // state flags
	body = appendULEB(append(body, opCall), 1)      // find
	body = append(body, 0x6A, opEnd)                // i32.add
	sec(secCode, append([]byte{1}, append(appendULEB(nil, uint32(len(body))), body...)...))
	return b
}

func TestCanonicalJITModules(t *testing.T) {
	a, err := rewriteJIT(jitLike(5), 5)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rewriteJIT(jitLike(700), 700)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same code for two table indices rewrites to different bytes")
	}
	// A module whose constant does not hold the index it was given is left
	// with its constants (correct, if not shared).
	c, err := rewriteJIT(jitLike(5), 6)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("a module with an unexpected index was canonicalised")
	}

	// The shims hand the index of the slot the module is installed at.
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	var got []uint32
	_, err = rt.NewHostModuleBuilder("h").
		NewFunctionBuilder().WithFunc(func(addr, v, packed uint32) uint32 {
		got = append(got, addr, v, packed)
		return 1
	}).Export("safe_write32_slow_jit").
		NewFunctionBuilder().WithFunc(func(eip, idx, flags uint32) uint32 {
		got = append(got, eip, idx, flags)
		return 2
	}).Export(findEntryFunc).
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rt.InstantiateWithConfig(ctx, hostLike(), wazero.NewModuleConfig().WithName("e")); err != nil {
		t.Fatal(err)
	}
	for _, slot := range []uint32{5, 700} {
		got = nil
		m, err := rt.InstantiateWithConfig(ctx, a, wazero.NewModuleConfig().WithName(""))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.ExportedFunction(installExport).Call(ctx, uint64(TableOffset+slot)); err != nil {
			t.Fatal(err)
		}
		res, err := m.ExportedFunction("f").Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []uint32{0x1234, 99, 0xABC | slot<<16, 0x7000, slot, 3}
		if res[0] != 3 || !equalU32(got, want) {
			t.Errorf("slot %d: calls %x (result %d), want %x", slot, got, res[0], want)
		}
		m.Close(ctx)
	}
}

func equalU32(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hostLike is the "e" a JIT module imports from: the two functions (from
// the host module "h"), a memory "m" and the function table.
func hostLike() []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	sec := func(id byte, body []byte) {
		b = append(b, id)
		b = appendULEB(b, uint32(len(body)))
		b = append(b, body...)
	}
	sec(secType, []byte{1, typeFunc, 3, typeI32, typeI32, typeI32, 1, typeI32})
	names := []string{"safe_write32_slow_jit", findEntryFunc}
	imp := []byte{2}
	for _, name := range names {
		imp = append(imp, 1, 'h', byte(len(name)))
		imp = append(imp, name...)
		imp = append(imp, 0, 0)
	}
	sec(secImport, imp)
	sec(secTable, appendULEB([]byte{1, refFunc, 0}, TableSize))
	sec(5, []byte{1, 0, 1})
	exp := []byte{4}
	for i, name := range names {
		exp = append(exp, byte(len(name)))
		exp = append(exp, name...)
		exp = append(exp, 0, byte(i))
	}
	exp = append(exp, 1, 'm', 2, 0, byte(len(TableExport)))
	exp = append(exp, TableExport...)
	exp = append(exp, 1, 0)
	sec(secExport, exp)
	return b
}
