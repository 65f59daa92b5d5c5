package uhci_test

import (
	"testing"

	"github.com/do86/do86/internal/bus"
)

// kolibriSchedule builds a schedule shaped like KolibriOS's: 32 static
// queue heads for the periodic lists in a tree (32, 16, ... 1), then a
// control and a bulk queue head linked into a loop for bandwidth
// reclamation, and the tablet's interrupt queue head with a NAKed TD off
// one of the 8 ms heads.
func kolibriSchedule(r *rig) {
	const base = 0x40000
	qh := func(i int) uint32 { return base + 16*uint32(i) }
	// Heads 0-31: 32 ms lists; 32-47: 16 ms; ... 62: 1 ms; 63 control, 64 bulk.
	level := []int{0, 32, 48, 56, 60, 62, 63}
	for l := 0; l < 6; l++ {
		n := level[l+1] - level[l]
		for i := 0; i < n; i++ {
			var next uint32
			if l == 5 {
				next = qh(63)
			} else {
				next = qh(level[l+1] + i%(n/2))
			}
			r.put32(qh(level[l]+i), next|ptrQH)
			r.put32(qh(level[l]+i)+4, ptrT)
		}
	}
	r.put32(qh(63), qh(64)|ptrQH)
	r.put32(qh(63)+4, ptrT)
	r.put32(qh(64), qh(63)|ptrQH)
	r.put32(qh(64)+4, ptrT)
	for i := uint32(0); i < 1024; i++ {
		r.put32(flBase+4*i, qh(int(i%32))|ptrQH)
	}
	// The tablet's queue head after an 8 ms head, its TD NAKed.
	r.put32(qhInt, qh(63)|ptrQH)
	r.put32(qh(56), qhInt|ptrQH)
}

func benchIdle(b *testing.B, each func(r *rig)) {
	r := newRig(b)
	r.start(intrIOC)
	r.enumerate()
	kolibriSchedule(r)
	r.intIN(tdActive | tdCErr3 | tdIOC)
	r.frames(40)
	r.halted = true
	if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
		b.Fatalf("not idle: wake-up in %v ms", d)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.clock.T += 10
		each(r)
		if d := r.c.Tick(r.clock.T); d != bus.NoDeadline {
			b.Fatalf("not idle: wake-up in %v ms", d)
		}
	}
}

// BenchmarkIdleTickHalted: the CPU stayed halted: frames are only counted.
func BenchmarkIdleTickHalted(b *testing.B) { benchIdle(b, func(*rig) {}) }

// BenchmarkIdleTickAfterCPU: the CPU ran in between (a timer interrupt)
// without changing the schedule: the look ahead's bytes are read again.
func BenchmarkIdleTickAfterCPU(b *testing.B) {
	benchIdle(b, func(r *rig) {
		r.halted = false
		r.c.Tick(r.clock.T - 5)
		r.halted = true
	})
}

// BenchmarkLookAhead: a register write in between: the whole frame list
// is walked again.
func BenchmarkLookAhead(b *testing.B) {
	benchIdle(b, func(r *rig) { r.outw(rINTR, intrIOC) })
}
