package boot_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/do86/do86/internal/boot"
	"github.com/do86/do86/internal/dev/fwcfg"
)

func TestLoadLinuxErrors(t *testing.T) {
	t.Parallel()
	with := func(f func(*bzOpts)) []byte {
		o := goodBz()
		f(&o)
		return makeBzImage(o)
	}
	good := makeBzImage(goodBz())
	tests := []struct {
		name    string
		kernel  []byte
		initrd  []byte
		cmdline string
		ram     uint32
		want    string
	}{
		{"good", good, fill(mib, 1), "console=ttyS0", 128 * mib, ""},
		{"short", good[:300], nil, "", 128 * mib, "shorter than a boot sector"},
		{"header cut off", good[:0x220], nil, "", 128 * mib, "truncated bzImage: 544 bytes, the kernel header alone"},
		{"no boot flag", with(func(o *bzOpts) { o.noBootFlag = true }), nil, "", 128 * mib, "no boot sector signature"},
		{"no HdrS", with(func(o *bzOpts) { o.noHdrS = true }), nil, "", 128 * mib, "older than boot protocol 2.00"},
		{"protocol 1.x", with(func(o *bzOpts) { o.proto = 0x1FF }), nil, "", 128 * mib, "protocol 1.255 is older than 2.00"},
		{"zImage", with(func(o *bzOpts) { o.loadflags = 0 }), nil, "", 128 * mib, "zImage"},
		{"setup too big", with(func(o *bzOpts) { o.setupSects = 64 }), nil, "", 128 * mib, "larger than 32 KiB"},
		{"cut in the setup", good[:0x900], nil, "", 128 * mib, "truncated bzImage: 2304 bytes, but the setup alone takes 2560"},
		{"cut in the kernel", good[:len(good)-100], nil, "", 128 * mib, "truncated bzImage: the protected-mode part is 65436 bytes, the header says 65536"},
		// syssize rounds up to whole paragraphs: the last one may run up to
		// 15 bytes past the end of the file, not 16.
		{"syssize rounded up", good[:len(good)-15], nil, "", 128 * mib, ""},
		{"syssize rounded up by 1", good[:len(good)-1], nil, "", 128 * mib, ""},
		{"a whole paragraph missing", good[:len(good)-16], nil, "", 128 * mib, "truncated bzImage: the protected-mode part is 65520 bytes, the header says 65536"},
		{"odd size, rounded up", with(func(o *bzOpts) { o.pmSize = 65536 + 3 }), nil, "", 128 * mib, ""},
		{"cmdline too long", with(func(o *bzOpts) { o.cmdlineSize = 16 }), nil, strings.Repeat("x", 17), 128 * mib, "command line is 17 bytes; this kernel takes at most 16"},
		{"cmdline at the limit", with(func(o *bzOpts) { o.cmdlineSize = 16 }), nil, strings.Repeat("x", 16), 128 * mib, ""},
		{"old cmdline limit", with(func(o *bzOpts) { o.proto = 0x205 }), nil, strings.Repeat("x", 256), 128 * mib, "at most 255"},
		{"cmdline with NUL", good, nil, "a\x00b", 128 * mib, "NUL"},
		{"bad vga", good, nil, "vga=foo", 128 * mib, "bad video mode"},
		{"initrd too large", good, make([]byte, 60*mib), "", 64 * mib, "initrd of 60 MiB does not fit in 64 MiB of RAM"},
		{"initrd over the unpacked kernel", good, make([]byte, 8*mib), "", 32 * mib, "initrd of 8 MiB does not fit in 32 MiB of RAM"},
		{"kernel needs more RAM", good, nil, "", 16 * mib, "the kernel needs 25 MiB of RAM to unpack, the machine has 16 MiB"},
		{"tiny RAM", good, nil, "", 1 * mib, "too little"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := boot.LoadLinux(tc.kernel, tc.initrd, tc.cmdline, tc.ram)
			errContains(t, err, tc.want)
		})
	}
}

func TestLoadLinuxPlan(t *testing.T) {
	t.Parallel()
	kernel := makeBzImage(goodBz())
	initrd := fill(mib+123, 9)
	cmdline := "console=ttyS0 vga=ext"
	p, err := boot.LoadLinux(kernel, initrd, cmdline, 128*mib)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != boot.Linux || p.Entry != 0 {
		t.Fatalf("kind %v entry %#x", p.Kind, p.Entry)
	}
	info := p.Linux
	if info.Protocol != 0x20F || info.KernelVersion != "6.1.0-test (synthetic)" || !info.Relocatable ||
		info.CmdlineMax != 2047 || info.SetupSects != 4 || info.InitrdAddrMax != 0x7FFFFFFF {
		t.Fatalf("info %+v", info)
	}

	setupSize := 5 * 512
	wantInitrd := uint32((128*mib - 256<<10 - len(initrd)) &^ 0xFFF)
	blobs := []struct {
		name string
		got  boot.Blob
		addr uint32
		data []byte
	}{
		{"kernel", p.Kernel, 0x100000, kernel[setupSize:]},
		{"initrd", p.Initrd, wantInitrd, initrd},
		{"cmdline", p.Cmdline, 0x20000, []byte(cmdline + "\x00")},
	}
	for _, b := range blobs {
		if b.got.Addr != b.addr || !bytes.Equal(b.got.Data, b.data) {
			t.Errorf("%s at %#x (%d bytes), want %#x (%d bytes)", b.name, b.got.Addr, len(b.got.Data), b.addr, len(b.data))
		}
	}

	// The setup is the first sectors with the loader's fields filled in.
	s := p.Setup.Data
	if p.Setup.Addr != 0x10000 || len(s) != setupSize {
		t.Fatalf("setup at %#x, %d bytes", p.Setup.Addr, len(s))
	}
	u16 := func(off int) uint32 { return uint32(binary.LittleEndian.Uint16(s[off:])) }
	u32 := func(off int) uint32 { return binary.LittleEndian.Uint32(s[off:]) }
	fields := []struct {
		name      string
		got, want uint32
	}{
		{"vid_mode", u16(0x1FA), 0xFFFE},
		{"type_of_loader", uint32(s[0x210]), 0xFF},
		{"loadflags", uint32(s[0x211]), 0x81},
		{"ramdisk_image", u32(0x218), wantInitrd},
		{"ramdisk_size", u32(0x21C), uint32(len(initrd))},
		{"heap_end_ptr", u16(0x224), 0xFE00},
		{"cmd_line_ptr", u32(0x228), 0x20000},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s = %#x, want %#x", f.name, f.got, f.want)
		}
	}
	patched := map[int]bool{}
	for _, r := range [][2]int{{0x1FA, 2}, {0x210, 2}, {0x218, 8}, {0x224, 2}, {0x228, 4}} {
		for i := r[0]; i < r[0]+r[1]; i++ {
			patched[i] = true
		}
	}
	for i := range s {
		if !patched[i] && s[i] != kernel[i] {
			t.Fatalf("setup byte %#x changed: %#x, was %#x", i, s[i], kernel[i])
		}
	}
	if len(p.Notes) != 1 || !strings.Contains(p.Notes[0], "0xFFFE") {
		t.Fatalf("notes %q", p.Notes)
	}
}

func TestLoadLinuxLayouts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                        string
		opts                        func(*bzOpts)
		initrdLen                   int
		setupAddr, cmdAddr, initrdA uint32
		setupLen                    int
		check                       func(t *testing.T, s []byte)
	}{
		{
			name: "setup_sects 0 means 4", opts: func(o *bzOpts) { o.setupSects = 0 },
			setupAddr: 0x10000, cmdAddr: 0x20000, setupLen: 5 * 512,
		},
		{
			name: "initrd_addr_max is honoured", opts: func(o *bzOpts) { o.initrdMax = 0x1FFFFFF },
			initrdLen: 4 * mib, setupAddr: 0x10000, cmdAddr: 0x20000, initrdA: 0x1C00000, setupLen: 5 * 512,
		},
		{
			name: "protocol 2.01: old command line, heap", opts: func(o *bzOpts) { o.proto = 0x201 },
			setupAddr: 0x90000, cmdAddr: 0x99800, setupLen: 5 * 512,
			check: func(t *testing.T, s []byte) {
				u16 := func(off int) uint16 { return binary.LittleEndian.Uint16(s[off:]) }
				if u16(0x20) != 0xA33F || u16(0x22) != 0x9800 || u16(0x212) != 0x9800+5 || u16(0x224) != 0x9600 {
					t.Fatalf("magic %#x offset %#x move %#x heap %#x", u16(0x20), u16(0x22), u16(0x212), u16(0x224))
				}
				if binary.LittleEndian.Uint32(s[0x228:]) != 0 || s[0x211] != 0x81 {
					t.Fatal("cmd_line_ptr written or CAN_USE_HEAP missing for protocol 2.01")
				}
			},
		},
		{
			name: "protocol 2.00: no heap", opts: func(o *bzOpts) { o.proto = 0x200 },
			setupAddr: 0x90000, cmdAddr: 0x99800, setupLen: 5 * 512,
			check: func(t *testing.T, s []byte) {
				if s[0x211] != 0x01 || binary.LittleEndian.Uint16(s[0x224:]) != 0 {
					t.Fatalf("loadflags %#x heap_end_ptr set for protocol 2.00", s[0x211])
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := goodBz()
			tc.opts(&o)
			var initrd []byte
			if tc.initrdLen > 0 {
				initrd = fill(tc.initrdLen, 3)
			}
			p, err := boot.LoadLinux(makeBzImage(o), initrd, "abcd", 128*mib)
			if err != nil {
				t.Fatal(err)
			}
			if p.Setup.Addr != tc.setupAddr || len(p.Setup.Data) != tc.setupLen || p.Cmdline.Addr != tc.cmdAddr {
				t.Fatalf("setup %#x (%d bytes), cmdline %#x", p.Setup.Addr, len(p.Setup.Data), p.Cmdline.Addr)
			}
			if tc.initrdLen > 0 && p.Initrd.Addr != tc.initrdA {
				t.Fatalf("initrd at %#x, want %#x", p.Initrd.Addr, tc.initrdA)
			}
			if tc.check != nil {
				tc.check(t, p.Setup.Data)
			}
		})
	}
}

// TestConfigureLinux reads the items back through the fw_cfg ports, the way
// the boot ROM does.
func TestConfigureLinux(t *testing.T) {
	t.Parallel()
	kernel := makeBzImage(goodBz())
	initrd := fill(5000, 4)
	p, err := boot.LoadLinux(kernel, initrd, "root=/dev/ram0", 64*mib)
	if err != nil {
		t.Fatal(err)
	}
	fw := fwcfg.New()
	boot.Configure(fw, p)
	items := []struct {
		name             string
		addr, size, data uint16
		blob             boot.Blob
	}{
		{"kernel", fwcfg.KernelAddr, fwcfg.KernelSize, fwcfg.KernelData, p.Kernel},
		{"initrd", fwcfg.InitrdAddr, fwcfg.InitrdSize, fwcfg.InitrdData, p.Initrd},
		{"cmdline", fwcfg.CmdlineAddr, fwcfg.CmdlineSize, fwcfg.CmdlineData, p.Cmdline},
		{"setup", fwcfg.SetupAddr, fwcfg.SetupSize, fwcfg.SetupData, p.Setup},
	}
	for _, it := range items {
		addr, size := readU32(fw, it.addr), readU32(fw, it.size)
		data := readItem(fw, it.data, int(size))
		if addr != it.blob.Addr || int(size) != len(it.blob.Data) || !bytes.Equal(data, it.blob.Data) {
			t.Errorf("%s: addr %#x size %d, want %#x %d", it.name, addr, size, it.blob.Addr, len(it.blob.Data))
		}
	}
	if e := readU32(fw, fwcfg.KernelEntry); e != 0 {
		t.Fatalf("KERNEL_ENTRY %#x for Linux", e)
	}
	if got := string(readItem(fw, fwcfg.CmdlineData, 15)); got != "root=/dev/ram0\x00" {
		t.Fatalf("cmdline %q", got)
	}
	if rom := readFile(t, fw, boot.ROMName); !bytes.Equal(rom, boot.ROM()) {
		t.Fatal("the boot ROM file differs from ROM()")
	}
}

func TestRealLinuxKernel(t *testing.T) {
	t.Parallel()
	kernel := readImage(t, "linux-vmlinuz")
	initrd := readImage(t, "linux-initrd.gz")
	if !boot.IsBzImage(kernel) || boot.IsMultiboot(kernel) {
		t.Fatal("linux-vmlinuz not detected as a bzImage")
	}
	p, err := boot.Load(kernel, initrd, "console=ttyS0,115200 console=tty0", 128*mib)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != boot.Linux || p.Linux.Protocol != 0x20F || !strings.HasPrefix(p.Linux.KernelVersion, "6.1.0-50-686") {
		t.Fatalf("kind %v info %+v", p.Kind, p.Linux)
	}
	setupSize := (p.Linux.SetupSects + 1) * 512
	if len(p.Setup.Data) != setupSize || len(p.Kernel.Data) != len(kernel)-setupSize {
		t.Fatalf("setup %d kernel %d bytes", len(p.Setup.Data), len(p.Kernel.Data))
	}
	if p.Initrd.Addr%4096 != 0 || p.Initrd.End() > 128*mib-256<<10 || p.Initrd.Addr < 32*mib {
		t.Fatalf("initrd at %#x-%#x", p.Initrd.Addr, p.Initrd.End())
	}
}
