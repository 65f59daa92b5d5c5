package fatimg_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/do86/do86/internal/fatimg"
)

var le = binary.LittleEndian

// decodeCHS turns an MBR CHS address back into a sector number under the
// 16-head, 63-sector geometry, and returns its cylinder.
func decodeCHS(b []byte) (lba uint32, cyl uint32) {
	h := uint32(b[0])
	s := uint32(b[1] & 0x3F)
	c := uint32(b[1]&0xC0)<<2 | uint32(b[2])
	return (c*16+h)*63 + s - 1, c
}

// TestNewLayout checks the MBR and the BPB byte by byte at their
// specified offsets, for disks whose volume size needs the 16-bit and the
// 32-bit sector count.
func TestNewLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		size     int64
		cyls     int
		total    uint32 // sectors in the partition
		spc      uint8
		fatSize  uint16
		clusters uint32
	}{
		// 32768 sectors: 32 cylinders, the partition fills 0–30.
		{"16MiB", 16 << 20, 32, 31*1008 - 63, 2, 61, (31185 - 1 - 122 - 32) / 2},
		{"32MiB", 32 << 20, 65, 64*1008 - 63, 4, 63, (64449 - 1 - 126 - 32) / 4},
		{"100MiB", 100 << 20, 203, 202*1008 - 63, 4, 199, (203553 - 1 - 398 - 32) / 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := fatimg.New(tc.size)
			if err != nil {
				t.Fatal(err)
			}
			d := im.Bytes()
			if int64(len(d)) != tc.size {
				t.Fatalf("image is %d bytes, want %d", len(d), tc.size)
			}
			if got := fatimg.Cylinders(tc.size); got != tc.cyls {
				t.Errorf("Cylinders = %d, want %d", got, tc.cyls)
			}
			if d[510] != 0x55 || d[511] != 0xAA {
				t.Error("MBR lacks 55 AA")
			}
			e := d[446:462]
			if e[4] != 0x06 {
				t.Errorf("partition type %#x, want 0x06", e[4])
			}
			if start := le.Uint32(e[8:]); start != 63 {
				t.Errorf("partition starts at LBA %d, want 63", start)
			}
			if n := le.Uint32(e[12:]); n != tc.total {
				t.Errorf("partition has %d sectors, want %d", n, tc.total)
			}
			if lba, _ := decodeCHS(e[1:4]); lba != 63 || !bytes.Equal(e[1:4], []byte{1, 1, 0}) {
				t.Errorf("CHS start % x is LBA %d, want 01 01 00 (LBA 63)", e[1:4], lba)
			}
			// The end must be the partition's last sector, at the end of
			// the last cylinder but one (the BIOS reports one fewer).
			lba, cyl := decodeCHS(e[5:8])
			if lba != 63+tc.total-1 || cyl != uint32(tc.cyls-2) || e[6]&0x3F != 63 || e[5] != 15 {
				t.Errorf("CHS end % x is LBA %d cylinder %d, want LBA %d at the end of cylinder %d", e[5:8], lba, cyl, 63+tc.total-1, tc.cyls-2)
			}
			for i := 1; i < 4; i++ {
				if p := d[446+16*i : 462+16*i]; !bytes.Equal(p, make([]byte, 16)) {
					t.Errorf("partition entry %d is not empty: % x", i, p)
				}
			}

			bs := d[63*512 : 64*512]
			tot16, tot32 := uint32(le.Uint16(bs[19:])), le.Uint32(bs[32:])
			wantTot16, wantTot32 := tc.total, uint32(0)
			if tc.total >= 0x10000 {
				wantTot16, wantTot32 = 0, tc.total
			}
			fields := []struct {
				name      string
				got, want uint32
			}{
				{"jump", uint32(bs[0]), 0xEB},
				{"BPB_BytsPerSec", uint32(le.Uint16(bs[11:])), 512},
				{"BPB_SecPerClus", uint32(bs[13]), uint32(tc.spc)},
				{"BPB_RsvdSecCnt", uint32(le.Uint16(bs[14:])), 1},
				{"BPB_NumFATs", uint32(bs[16]), 2},
				{"BPB_RootEntCnt", uint32(le.Uint16(bs[17:])), 512},
				{"BPB_TotSec16", tot16, wantTot16},
				{"BPB_Media", uint32(bs[21]), 0xF8},
				{"BPB_FATSz16", uint32(le.Uint16(bs[22:])), uint32(tc.fatSize)},
				{"BPB_SecPerTrk", uint32(le.Uint16(bs[24:])), 63},
				{"BPB_NumHeads", uint32(le.Uint16(bs[26:])), 16},
				{"BPB_HiddSec", le.Uint32(bs[28:]), 63},
				{"BPB_TotSec32", tot32, wantTot32},
				{"BS_DrvNum", uint32(bs[36]), 0x80},
				{"BS_BootSig", uint32(bs[38]), 0x29},
				{"signature", uint32(le.Uint16(bs[510:])), 0xAA55},
			}
			for _, f := range fields {
				if f.got != f.want {
					t.Errorf("%s = %#x, want %#x", f.name, f.got, f.want)
				}
			}
			if s := string(bs[54:62]); s != "FAT16   " {
				t.Errorf("BS_FilSysType = %q", s)
			}
			// Every cluster (and the two reserved entries) has a FAT entry.
			if uint32(tc.fatSize)*256 < tc.clusters+2 {
				t.Errorf("a FAT of %d sectors cannot map %d clusters", tc.fatSize, tc.clusters)
			}
			b := im.BPB()
			if b.Clusters() != tc.clusters || b.Clusters() < 4085 || b.Clusters() > 65524 {
				t.Errorf("Clusters = %d, want %d (and FAT16's 4085..65524)", b.Clusters(), tc.clusters)
			}
			// FAT[0] = media byte, FAT[1] = end of chain, in both copies;
			// the rest and the root directory are empty.
			fat0 := 64 * 512
			fat1 := fat0 + int(tc.fatSize)*512
			root := fat1 + int(tc.fatSize)*512
			for _, f := range []int{fat0, fat1} {
				if !bytes.Equal(d[f:f+4], []byte{0xF8, 0xFF, 0xFF, 0xFF}) {
					t.Errorf("FAT at %#x starts % x", f, d[f:f+4])
				}
				if !allZero(d[f+4 : f+int(tc.fatSize)*512]) {
					t.Errorf("FAT at %#x has allocated clusters", f)
				}
			}
			if !allZero(d[root : root+512*32]) {
				t.Error("root directory is not empty")
			}
			if n := im.Names(); len(n) != 0 {
				t.Errorf("Names = %q, want none", n)
			}

			// Parse reads back the same BPB.
			p, err := fatimg.Parse(d)
			if err != nil {
				t.Fatal(err)
			}
			if p.BPB() != b {
				t.Errorf("Parse BPB = %+v, want %+v", p.BPB(), b)
			}
		})
	}
}

func allZero(b []byte) bool {
	for _, v := range b {
		if v != 0 {
			return false
		}
	}
	return true
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int64
		want string
	}{
		{"partial sector", 16<<20 + 100, "whole number of sectors"},
		{"one cylinder", 600 << 10, "less than two cylinders"},
		{"too small for FAT16", 2 << 20, "too small for FAT16"},
		{"needs translation", 600 << 20, "untranslated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fatimg.New(tc.size)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%d) = %v, want an error about %q", tc.size, err, tc.want)
			}
		})
	}
}

// pattern returns n bytes that differ from cluster to cluster.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7) + byte(i>>11)
	}
	return b
}

// TestRoundTrip adds files, saves the image, loads it and reads them back.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	im, err := fatimg.New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	cluster := int(im.BPB().SectorsPerCluster) * 512
	files := []struct {
		name string
		data []byte
	}{
		{"EMPTY.TXT", nil},
		{"HELLO.TXT", []byte("hello, disk\r\n")},
		{"ONE.BIN", pattern(cluster, 1)},
		{"BIG.BIN", pattern(1<<20+3, 2)},
		{"NOEXT", []byte("x")},
	}
	for _, f := range files {
		if err := im.AddFile(f.name, f.data); err != nil {
			t.Fatalf("AddFile(%s): %v", f.name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "disk.img")
	if err := im.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := fatimg.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		got, err := back.ReadFile(strings.ToLower(f.name))
		if err != nil {
			t.Errorf("ReadFile(%s): %v", f.name, err)
			continue
		}
		if !bytes.Equal(got, f.data) {
			t.Errorf("ReadFile(%s) = %d bytes, not the %d written", f.name, len(got), len(f.data))
		}
	}
	want := []string{"EMPTY.TXT", "HELLO.TXT", "ONE.BIN", "BIG.BIN", "NOEXT"}
	if got := back.Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("Names = %q, want %q", got, want)
	}
	if _, err := back.ReadFile("MISSING.TXT"); !errors.Is(err, fatimg.ErrNotFound) {
		t.Errorf("ReadFile(MISSING.TXT) = %v, want ErrNotFound", err)
	}

	// The two FATs agree, and the files took clusters 2 on in order:
	// HELLO 2, ONE 3, BIG 4.., NOEXT after it (EMPTY has none).
	d := back.Bytes()
	b := back.BPB()
	fat0 := d[64*512 : 64*512+int(b.FATSize)*512]
	fat1 := d[64*512+int(b.FATSize)*512 : 64*512+2*int(b.FATSize)*512]
	if !bytes.Equal(fat0, fat1) {
		t.Error("the FAT copies differ")
	}
	bigClusters := (1<<20 + 3 + cluster - 1) / cluster
	for c := 2; c <= 4+bigClusters; c++ {
		v := le.Uint16(fat0[2*c:])
		last := c == 2 || c == 3 || c == 3+bigClusters || c == 4+bigClusters
		if last && v < 0xFFF8 || !last && int(v) != c+1 {
			t.Errorf("FAT[%d] = %#x", c, v)
		}
	}
	if v := le.Uint16(fat0[2*(5+bigClusters):]); v != 0 {
		t.Errorf("FAT[%d] = %#x past the last file, want free", 5+bigClusters, v)
	}
	// The directory entries: archive attribute, size, first cluster.
	root := d[(63+1+2*int(b.FATSize))*512:]
	entries := []struct {
		name    string
		cluster uint16
		size    uint32
	}{{"EMPTY   TXT", 0, 0}, {"HELLO   TXT", 2, 13}, {"ONE     BIN", 3, uint32(cluster)}, {"BIG     BIN", 4, 1<<20 + 3}}
	for i, e := range entries {
		r := root[32*i : 32*i+32]
		if string(r[:11]) != e.name || r[11] != 0x20 || le.Uint16(r[26:]) != e.cluster || le.Uint32(r[28:]) != e.size {
			t.Errorf("entry %d = %q attr %#x cluster %d size %d, want %q 0x20 %d %d",
				i, r[:11], r[11], le.Uint16(r[26:]), le.Uint32(r[28:]), e.name, e.cluster, e.size)
		}
	}
}

func TestAddFileRejects(t *testing.T) {
	t.Parallel()
	im, err := fatimg.New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.AddFile("A.TXT", []byte("a")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"a.txt", nil, "already exists"},
		{"TOOLONGNAME.TXT", nil, "8.3"},
		{"A.TEXT", nil, "8.3"},
		{".TXT", nil, "8.3"},
		{"A.B.C", nil, "8.3"},
		{"A*.TXT", nil, "character"},
		{"A B.TXT", nil, "character"},
		{"HUGE.BIN", make([]byte, 17<<20), "no room"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := im.AddFile(tc.name, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("AddFile(%q) = %v, want an error about %q", tc.name, err, tc.want)
			}
		})
	}
	// A refused file leaves nothing behind.
	if got := im.Names(); len(got) != 1 || got[0] != "A.TXT" {
		t.Errorf("Names = %q after refusals", got)
	}
}

// layout gives the byte offsets a test edits the image at.
type layout struct{ fat, root, data, cluster int }

func layoutOf(im *fatimg.Image) layout {
	b := im.BPB()
	fat := (63 + int(b.ReservedSectors)) * 512
	root := fat + int(b.NumFATs)*int(b.FATSize)*512
	return layout{fat, root, root + int(b.RootEntries)*32, int(b.SectorsPerCluster) * 512}
}

// setFAT sets an entry in both FATs, as a guest would.
func setFAT(im *fatimg.Image, n int, v uint16) {
	l, b := layoutOf(im), im.BPB()
	for i := 0; i < int(b.NumFATs); i++ {
		le.PutUint16(im.Bytes()[l.fat+i*int(b.FATSize)*512+2*n:], v)
	}
}

// TestFragmented deletes a file as DOS does and checks that a new file fills
// the hole first and still reads back across the gap.
func TestFragmented(t *testing.T) {
	t.Parallel()
	im, err := fatimg.New(16 << 20)
	if err != nil {
		t.Fatal(err)
	}
	l := layoutOf(im)
	for _, n := range []string{"X.BIN", "Y.BIN"} {
		if err := im.AddFile(n, pattern(l.cluster, 9)); err != nil {
			t.Fatal(err)
		}
	}
	im.Bytes()[l.root] = 0xE5 // X.BIN deleted: entry and cluster 2 freed
	setFAT(im, 2, 0)
	z := pattern(3*l.cluster-5, 4)
	if err := im.AddFile("Z.BIN", z); err != nil {
		t.Fatal(err)
	}
	got, err := im.ReadFile("Z.BIN")
	if err != nil || !bytes.Equal(got, z) {
		t.Fatalf("ReadFile(Z.BIN) = %d bytes, %v", len(got), err)
	}
	// Z took X's directory slot and clusters 2, 4, 5.
	d := im.Bytes()
	if string(d[l.root:l.root+11]) != "Z       BIN" || le.Uint16(d[l.root+26:]) != 2 {
		t.Errorf("Z.BIN's entry is %q at cluster %d", d[l.root:l.root+11], le.Uint16(d[l.root+26:]))
	}
	if f := d[l.fat:]; le.Uint16(f[4:]) != 4 || le.Uint16(f[8:]) != 5 || le.Uint16(f[10:]) < 0xFFF8 {
		t.Errorf("Z.BIN's chain is 2→%d, 4→%d, 5→%#x", le.Uint16(f[4:]), le.Uint16(f[8:]), le.Uint16(f[10:]))
	}
	if n := im.Names(); strings.Join(n, ",") != "Z.BIN,Y.BIN" {
		t.Errorf("Names = %q", n)
	}
}

// TestBrokenChains: the reader reports damage a bad guest write would leave
// instead of returning wrong bytes.
func TestBrokenChains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(im *fatimg.Image, l layout)
		want   string
	}{
		{"free cluster in chain", func(im *fatimg.Image, l layout) { setFAT(im, 3, 0) }, "free"},
		// 2→3→4→2: the chain comes back to its start before the size is read.
		{"loop", func(im *fatimg.Image, l layout) { setFAT(im, 4, 2) }, "loops"},
		{"bad cluster", func(im *fatimg.Image, l layout) { setFAT(im, 3, 0xFFF7) }, "bad"},
		{"short chain", func(im *fatimg.Image, l layout) { setFAT(im, 3, 0xFFFF) }, "chain ends"},
		{"cluster beyond the volume", func(im *fatimg.Image, l layout) { setFAT(im, 3, 0xFFF0) }, "outside"},
		{"first cluster 0", func(im *fatimg.Image, l layout) { le.PutUint16(im.Bytes()[l.root+26:], 0) }, "outside"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := fatimg.New(16 << 20)
			if err != nil {
				t.Fatal(err)
			}
			l := layoutOf(im)
			// A file of five clusters, 2 to 6.
			if err := im.AddFile("F.BIN", pattern(5*l.cluster, 3)); err != nil {
				t.Fatal(err)
			}
			tc.damage(im, l)
			_, err = im.ReadFile("F.BIN")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadFile = %v, want an error about %q", err, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mangle func(d []byte)
		want   string
	}{
		{"no MBR signature", func(d []byte) { d[510] = 0 }, "MBR signature"},
		{"Linux partition", func(d []byte) { d[446+4] = 0x83 }, "no FAT16 partition"},
		{"no boot sector", func(d []byte) { clear(d[63*512 : 64*512]) }, "boot sector signature"},
		{"4096-byte sectors", func(d []byte) { le.PutUint16(d[63*512+11:], 4096) }, "bytes per sector"},
		{"3 sectors per cluster", func(d []byte) { d[63*512+13] = 3 }, "sectors per cluster"},
		{"FAT12-sized", func(d []byte) { d[63*512+13] = 8 }, "not a FAT16 volume"},
		{"no FAT", func(d []byte) { d[63*512+16] = 0 }, "no FAT"},
		{"FAT too small", func(d []byte) { le.PutUint16(d[63*512+22:], 10) }, "too small"},
		{"volume past the end", func(d []byte) { le.PutUint16(d[63*512+19:], 0xFFFF) }, "past the image's end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := fatimg.New(16 << 20)
			if err != nil {
				t.Fatal(err)
			}
			d := im.Bytes()
			tc.mangle(d)
			_, err = fatimg.Parse(d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v, want an error about %q", err, tc.want)
			}
		})
	}
}
