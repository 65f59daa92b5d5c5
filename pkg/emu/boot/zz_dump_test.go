package boot

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDump(t *testing.T) {
	os.WriteFile("/tmp/do86boot.bin", ROM(), 0o644)
	os.WriteFile("/tmp/do86boot.lst", []byte(ROMListing()), 0o644)
	k, _ := os.ReadFile("/work/shared/images/aqeous.bin")
	p, err := LoadMultiboot(k, "aqeous.bin", []Module{{Data: []byte("hello module"), Args: "mod1 x"}}, 1024<<20)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/mb_kernel.bin", p.Kernel.Data, 0o644)
	os.WriteFile("/tmp/mb_info.bin", p.Initrd.Data, 0o644)
	fmt.Printf("mb kernel %#x %#x info %#x entry %#x\n", p.Kernel.Addr, len(p.Kernel.Data), p.Initrd.Addr, p.Entry)
	lk, _ := os.ReadFile("/work/shared/images/linux-vmlinuz")
	li, _ := os.ReadFile("/work/shared/images/linux-initrd.gz")
	lp, err := LoadLinux(lk, li, "console=ttyS0,115200 console=tty0", 128<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct{ n string; b Blob }{{"setup", lp.Setup}, {"kernel", lp.Kernel}, {"initrd", lp.Initrd}, {"cmdline", lp.Cmdline}} {
		os.WriteFile("/tmp/lx_"+b.n+".bin", b.b.Data, 0o644)
		fmt.Printf("%s %#x %#x\n", b.n, b.b.Addr, len(b.b.Data))
	}
}
