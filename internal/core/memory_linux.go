package core

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// reservedMemory backs the core's wasm memory with one anonymous mapping of
// the largest size a wasm32 memory can reach, made once. Growing the memory
// only lengthens the slice over it: the base never moves and no byte is
// copied. The mapping is readable and writable but MAP_NORESERVE, so the
// kernel commits a page only when it is first touched. See RATIONALE.md,
// "Guest memory: a reserved mapping".
type reservedMemory struct {
	buf []byte
}

// reserveMemory maps size bytes, or fails (for example under strict
// overcommit accounting, where MAP_NORESERVE is ignored).
func reserveMemory(size uint64) (*reservedMemory, error) {
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|syscall.MAP_NORESERVE)
	if err != nil {
		return nil, err
	}
	return &reservedMemory{buf: b}, nil
}

// Allocate implements experimental.MemoryAllocator. It is handed to the
// instantiation of the core alone, whose module defines the only memory.
func (r *reservedMemory) Allocate(_, _ uint64) experimental.LinearMemory {
	return r
}

// Reallocate implements experimental.LinearMemory: the first size bytes of
// the mapping, with the whole reservation as capacity. wazero stops using
// the allocator after Free (see Free); its own growth path then appends in
// place within that capacity, so even then the base stays put.
func (r *reservedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(r.buf)) {
		return nil
	}
	return r.buf[:size]
}

// Free implements experimental.LinearMemory and does nothing: wazero v1.12
// calls it when any module that merely imports the memory is closed (every
// JIT module does), which would unmap the core's RAM under it. The mapping
// is released by release, after the runtime is closed.
func (r *reservedMemory) Free() {}

// release unmaps the reservation; nothing may use the memory afterwards.
func (r *reservedMemory) release() {
	if r.buf != nil {
		_ = syscall.Munmap(r.buf)
		r.buf = nil
	}
}
