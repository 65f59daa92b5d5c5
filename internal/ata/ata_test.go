package ata_test

import (
	"testing"

	"github.com/do86/do86/internal/ata"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	const sectors = 1 << 24
	tests := []struct {
		name       string
		a          ata.Address
		ext        bool
		heads, spt uint8
		lba, count uint64
		e          uint8
	}{
		{"LBA28", ata.Address{LBA: 0xFF_123456, Count: 0x0105, Device: ata.DevLBA | 0x0}, false, 16, 63, 0x123456, 5, 0},
		{"LBA28 bits 27:24 from the device register", ata.Address{LBA: 0x000010, Count: 1, Device: ata.DevLBA | 0x0F}, false, 16, 63, 0, 0, ata.ErrIDNF},
		{"LBA28 count 0 is 256", ata.Address{LBA: 100, Device: ata.DevLBA}, false, 16, 63, 100, 256, 0},
		{"LBA48", ata.Address{LBA: 0x00_0000_0F_0001, Count: 0x0102, Device: ata.DevLBA}, true, 16, 63, 0xF0001, 0x102, 0},
		{"LBA48 count 0 is 65536", ata.Address{LBA: 0, Device: ata.DevLBA}, true, 16, 63, 0, 65536, 0},
		{"LBA48 beyond the disk", ata.Address{LBA: 1 << 32, Count: 1}, true, 16, 63, 0, 0, ata.ErrIDNF},
		{"count past the end", ata.Address{LBA: sectors - 1, Count: 2, Device: ata.DevLBA}, false, 16, 63, 0, 0, ata.ErrIDNF},
		{"last sector", ata.Address{LBA: sectors - 1, Count: 1, Device: ata.DevLBA}, false, 16, 63, sectors - 1, 1, 0},
		// CHS: cylinder 2, head 3, sector 4 of 16 heads, 63 sectors a track.
		{"CHS", ata.Address{LBA: 2<<8 | 4, Count: 1, Device: 3}, false, 16, 63, (2*16+3)*63 + 3, 1, 0},
		{"CHS other translation", ata.Address{LBA: 1<<8 | 1, Count: 1, Device: 1}, false, 4, 17, (1*4+1)*17 + 0, 1, 0},
		{"CHS sector 0", ata.Address{LBA: 0, Count: 1}, false, 16, 63, 0, 0, ata.ErrIDNF | ata.ErrABRT},
		{"CHS sector past the track", ata.Address{LBA: 64, Count: 1}, false, 16, 63, 0, 0, ata.ErrIDNF | ata.ErrABRT},
		{"CHS head past the translation", ata.Address{LBA: 1, Count: 1, Device: 4}, false, 4, 17, 0, 0, ata.ErrIDNF | ata.ErrABRT},
	}
	for _, tc := range tests {
		lba, count, e := tc.a.Decode(tc.ext, tc.heads, tc.spt, sectors)
		if lba != tc.lba || count != tc.count || e != tc.e {
			t.Errorf("%s: Decode = %#x, %d, err %#x; want %#x, %d, err %#x", tc.name, lba, count, e, tc.lba, tc.count, tc.e)
		}
	}
}

func TestValidators(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"multiple 0 (off)", ata.ValidMultiple(0), true},
		{"multiple 16", ata.ValidMultiple(16), true},
		{"multiple 32", ata.ValidMultiple(32), false},
		{"multiple 6", ata.ValidMultiple(6), false},
		{"PIO default, IORDY off", ata.ValidXferMode(ata.XferPIODefault | 1), true},
		{"PIO default 2", ata.ValidXferMode(ata.XferPIODefault | 2), false},
		{"PIO 4", ata.ValidXferMode(ata.XferPIO | 4), true},
		{"PIO 5", ata.ValidXferMode(ata.XferPIO | 5), false},
		{"MWDMA 3", ata.ValidXferMode(ata.XferMWDMA | 3), false},
		{"UDMA 5", ata.ValidXferMode(ata.XferUDMA | 5), true},
		{"UDMA 6", ata.ValidXferMode(ata.XferUDMA | 6), false},
		{"class 0x10", ata.ValidXferMode(0x10), false},
		{"feature write cache", ata.KnownFeature(ata.FeatWriteCacheOn), true},
		{"feature 0x42", ata.KnownFeature(0x42), false},
		{"READ DMA EXT is 48-bit", ata.IsExt(ata.CmdReadDMAExt), true},
		{"READ DMA is not", ata.IsExt(ata.CmdReadDMA), false},
		{"READ FPDMA QUEUED is not", ata.IsExt(ata.CmdReadFPDMAQueued), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}
