package ata_test

import (
	"encoding/binary"
	"testing"

	"github.com/do86/do86/internal/ata"
)

// disk is a parallel ATA disk as the IDE controller describes it.
func disk(sectors uint64) ata.IdentifyParams {
	return ata.IdentifyParams{
		Model: "DO86 HARDDISK", SerialNumber: "DO86-00-X", Firmware: ata.Firmware,
		Sectors: sectors, Heads: ata.DefaultHeads, SPT: ata.DefaultSPT,
		XferMode: ata.XferMWDMA | 2, Major: 7, Parallel: true,
	}
}

func TestIdentifyWords(t *testing.T) {
	t.Parallel()
	sata := disk(2048)
	sata.Parallel, sata.IORDY, sata.SATA, sata.NCQDepth, sata.Major = false, true, true, 32, 8
	sata.XferMode = ata.XferUDMA | 5
	chs := disk(1 << 20)
	chs.Heads, chs.SPT, chs.Multiple = 4, 17, 8
	cd := disk(0)
	cd.Packet = true
	tests := []struct {
		name  string
		p     ata.IdentifyParams
		words map[int]uint16
	}{
		{"small disk", disk(2048), map[int]uint16{
			0: 0x0040, 1: 2, 3: 16, 6: 63, 4: 512 * 63, 5: 512, 47: 0x8010, 49: 0x0300, 50: 0x4000,
			53: 0x0007, 54: 2, 55: 16, 56: 63, 57: 2016, 58: 0, 59: 0,
			60: 2048, 61: 0, 63: 0x0407, 75: 0, 76: 0, 80: 0x00F0, 83: 0x7400, 88: 0x003F,
			93: 0x6001, 100: 2048, 101: 0, 102: 0, 103: 0, 106: 0,
		}},
		{"disk beyond LBA28 and CHS limits", disk(0x1_2345_6789_ABCD), map[int]uint16{
			1: 16383, 54: 65535, 57: 0xFC10, 58: 0x03EF, // 65535 cylinders of 16 heads, 63 sectors
			60: 0xFFFF, 61: 0x0FFF, 100: 0xABCD, 101: 0x6789, 102: 0x2345, 103: 0x0001,
		}},
		{"translated CHS and multiple", chs, map[int]uint16{
			1: 1040, 54: 15420, 55: 4, 56: 17, 57: 0xFFF0, 58: 0x000F, // 15420 cylinders of 4 heads, 17 sectors
			59: 0x0108, 60: 0, 61: 0x0010,
		}},
		{"SATA disk with NCQ", sata, map[int]uint16{
			4: 0, 5: 0, 20: 0, 21: 0, 50: 0, 51: 0, 49: 0x0B00, 63: 0x0007, 75: 31, 76: 0x0106,
			80: 0x01F0, 88: 0x203F, 93: 0, 106: 0x4000, 60: 2048, 100: 2048,
		}},
		{"ATAPI CD-ROM", cd, map[int]uint16{
			0: 0x85C0, 1: 0, 3: 0, 6: 0, 47: 0, 53: 0x0006, 60: 0, 82: 0x4210, 83: 0x4000,
			85: 0x4210, 86: 0, 93: 0x6001, 100: 0,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := ata.Identify(tc.p)
			for i, want := range tc.words {
				if w[i] != want {
					t.Errorf("word %d = %#04x, want %#04x", i, w[i], want)
				}
			}
			b := w.Bytes()
			var sum byte
			for _, v := range b {
				sum += v
			}
			if b[510] != 0xA5 || sum != 0 {
				t.Errorf("integrity word %#04x: byte sum %#x, want signature 0xA5 and sum 0", w[255], sum)
			}
		})
	}
}

func TestIdentifyStrings(t *testing.T) {
	t.Parallel()
	p := disk(100)
	p.Model = "DO86 HARDDISK"
	p.SerialNumber = "0123456789ABCDEFGHIJKLMN" // longer than its 20 bytes
	b := ata.Identify(p).Bytes()
	// Each word holds two characters, the first in the high byte, so the
	// host sees each byte pair swapped.
	tests := []struct {
		name      string
		from, n   int
		wantBytes string
	}{
		{"model", 27, 20, "OD68H RADDSI K" + "                          "},
		{"serial, cut", 10, 10, "1032547698BADCFEHGJI"},
		{"firmware", 23, 4, ".1 0    "},
	}
	for _, tc := range tests {
		if got := string(b[2*tc.from : 2*(tc.from+tc.n)]); got != tc.wantBytes {
			t.Errorf("%s bytes %q, want %q", tc.name, got, tc.wantBytes)
		}
	}
	if w := binary.LittleEndian.Uint16(b[54:]); w != 'D'<<8|'O' {
		t.Errorf("word 27 = %#04x, want 'D' in the high byte", w)
	}
}

func TestXferModeWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode     uint8
		w63, w88 uint16
	}{
		{0, 0x0007, 0x003F},
		{ata.XferPIO | 4, 0x0007, 0x003F},
		{ata.XferMWDMA | 0, 0x0107, 0x003F},
		{ata.XferMWDMA | 2, 0x0407, 0x003F},
		{ata.XferUDMA | 0, 0x0007, 0x013F},
		{ata.XferUDMA | 5, 0x0007, 0x203F},
	}
	for _, tc := range tests {
		p := disk(100)
		p.XferMode = tc.mode
		w := ata.Identify(p)
		if w[63] != tc.w63 || w[88] != tc.w88 {
			t.Errorf("mode %#x: words 63, 88 = %#04x, %#04x; want %#04x, %#04x", tc.mode, w[63], w[88], tc.w63, tc.w88)
		}
	}
}
