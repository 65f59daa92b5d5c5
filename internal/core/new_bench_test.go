package core_test

import (
	"testing"

	"github.com/do86/do86/internal/core"
)

// BenchmarkNew128M measures making a core with 128 MiB of guest RAM: the
// memory grows by 128 MiB during allocate_memory.
func BenchmarkNew128M(b *testing.B) {
	e, err := core.LoadEngine(core.Find(), core.DefaultCacheDir())
	if err != nil {
		b.Fatal(err)
	}
	h := &loopHost{}
	for range b.N {
		c, err := e.New(h, core.Options{MemorySize: 128 << 20, ACPI: true})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
}
