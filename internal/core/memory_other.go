//go:build !linux

package core

import (
	"errors"

	"github.com/tetratelabs/wazero/experimental"
)

// reservedMemory is only implemented on Linux; elsewhere the core uses
// wazero's default allocator, which copies the memory when it grows.
type reservedMemory struct{}

func reserveMemory(uint64) (*reservedMemory, error) {
	return nil, errors.New("no reserved memory on this system")
}

func (*reservedMemory) Allocate(uint64, uint64) experimental.LinearMemory { return nil }
func (*reservedMemory) release()                                          {}
