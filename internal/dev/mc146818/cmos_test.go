package mc146818_test

import (
	"testing"
	"time"

	"github.com/do86/do86/internal/bus/bustest"
	"github.com/do86/do86/internal/dev/mc146818"
)

func checksumOK(t *testing.T, r *mc146818.RTC) {
	t.Helper()
	var sum uint16
	for i := 0x10; i <= 0x2D; i++ {
		sum += uint16(r.Byte(uint8(i)))
	}
	if got := uint16(r.Byte(0x2E))<<8 | uint16(r.Byte(0x2F)); got != sum {
		t.Fatalf("checksum %#x, want %#x", got, sum)
	}
}

func TestSetMemory(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, tc := range []struct {
		name                string
		ram                 uint64
		base, ext, m16, m4g uint32
	}{
		{"512K", 512 << 10, 512, 0, 0, 0},
		{"16M", 16 * mib, 640, 15 * 1024, 0, 0},
		{"32M", 32 * mib, 640, 31 * 1024, 256, 0},
		{"128M", 128 * mib, 640, 0xFFFF, (128 - 16) * 16, 0},
		{"2047M", 2047 * mib, 640, 0xFFFF, (2047 - 16) * 16, 0},
		{"4G", 4096 * mib, 640, 0xFFFF, (3072 - 16) * 16, 1024 * 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mc146818.New(start, &bustest.Clock{}, &bustest.IRQ{})
			r.SetMemory(tc.ram)
			w16 := func(lo uint8) uint32 { return uint32(r.Byte(lo)) | uint32(r.Byte(lo+1))<<8 }
			if got := w16(0x15); got != tc.base {
				t.Errorf("base memory %d, want %d", got, tc.base)
			}
			if got := w16(0x17); got != tc.ext {
				t.Errorf("0x17 extended %d, want %d", got, tc.ext)
			}
			if got := w16(0x30); got != tc.ext {
				t.Errorf("0x30 extended %d, want %d", got, tc.ext)
			}
			if got := w16(0x34); got != tc.m16 {
				t.Errorf("above 16M %d, want %d", got, tc.m16)
			}
			if got := w16(0x5B) | uint32(r.Byte(0x5D))<<16; got != tc.m4g {
				t.Errorf("above 4G %d, want %d", got, tc.m4g)
			}
			if got := r.Byte(0x5F); got != 0 {
				t.Errorf("extra CPUs %d, want 0", got)
			}
			checksumOK(t, r)
		})
	}
}

func TestChecksumFollowsSetByte(t *testing.T) {
	t.Parallel()
	r := mc146818.New(start, &bustest.Clock{}, &bustest.IRQ{})
	checksumOK(t, r)
	before := r.Byte(0x2F)
	r.SetByte(0x12, 0xF0)
	r.SetByte(0x2D, 0x20)
	checksumOK(t, r)
	if r.Byte(0x2F) == before {
		t.Fatalf("checksum did not change")
	}
	// Bytes outside the range leave it alone.
	hi, lo := r.Byte(0x2E), r.Byte(0x2F)
	r.SetByte(0x3D, 0x21)
	if r.Byte(0x2E) != hi || r.Byte(0x2F) != lo {
		t.Fatalf("checksum changed for byte 0x3d")
	}
}

func TestFloppyTypesAndBootOrder(t *testing.T) {
	t.Parallel()
	r := mc146818.New(start, &bustest.Clock{}, &bustest.IRQ{})
	r.SetFloppyTypes(mc146818.Floppy1440K, mc146818.Floppy720K)
	if got := r.Byte(0x10); got != 0x43 {
		t.Fatalf("floppy types %#x, want 0x43", got)
	}
	if got := r.Byte(0x14); got != 0x47 {
		t.Fatalf("equipment %#x, want 0x47 (2 floppies, mouse, FPU)", got)
	}
	r.SetFloppyTypes(mc146818.FloppyNone, mc146818.FloppyNone)
	if got := r.Byte(0x14); got != 0x06 {
		t.Fatalf("equipment without floppies %#x, want 0x06", got)
	}
	checksumOK(t, r)

	r.SetByte(0x38, 0x01) // skip the floppy boot signature check
	r.SetBootOrder(mc146818.BootCDROM, mc146818.BootDisk, mc146818.BootFloppy)
	if a, b := r.Byte(0x3D), r.Byte(0x38); a != 0x23 || b != 0x11 {
		t.Fatalf("boot order bytes %#x %#x, want 0x23 0x11", a, b)
	}
}

func TestSetByteTimeRegisters(t *testing.T) {
	t.Parallel()
	clock := &bustest.Clock{}
	r := mc146818.New(start, clock, &bustest.IRQ{})
	r.SetByte(0x32, 0x21)
	if got := r.Byte(0x32); got != 0x21 {
		t.Fatalf("century %#x, want 0x21", got)
	}
	if got := r.Byte(0x09); got != 0x24 {
		t.Fatalf("year %#x, want 0x24", got)
	}
	// Wall time follows the given location.
	loc := time.FixedZone("X", 3*3600)
	r2 := mc146818.New(start.In(loc), clock, &bustest.IRQ{})
	if got := r2.Byte(0x04); got != 0x02 {
		t.Fatalf("hours in UTC+3 %#x, want 0x02", got)
	}
}
