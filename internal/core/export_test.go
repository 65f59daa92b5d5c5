package core

import "unsafe"

// MemoryBase returns the address of wasm memory byte 0, for tests that check
// the base does not move.
func MemoryBase(c *Core) uintptr {
	b, ok := c.mem.Read(0, 1)
	if !ok {
		return 0
	}
	return uintptr(unsafe.Pointer(&b[0]))
}

// GrowMemory grows the core's wasm memory by pages of 64 KiB.
func GrowMemory(c *Core, pages uint32) bool {
	_, ok := c.mem.Grow(pages)
	return ok
}

// DropJIT makes the core drop its next n generated modules, as when the
// compile queue is full.
func DropJIT(c *Core, n int) { c.jit.dropNext = n }

// PruneCache prunes a compilation cache directory to budget bytes.
func PruneCache(dir string, budget int64) { pruneCache(dir, budget) }

// PatchCore applies the load-time patches to a module (after rewriteTable).
func PatchCore(wasm []byte) ([]byte, error) { return patchCore(wasm) }

// RewriteTable is rewriteTable.
func RewriteTable(wasm []byte, size uint32) ([]byte, error) { return rewriteTable(wasm, size) }
