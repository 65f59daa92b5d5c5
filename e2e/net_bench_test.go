package e2e

import (
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/do86/do86/internal/testenv"
)

// BenchmarkNetThroughput boots the Debian guest with its RTL8029AS on
// do86's user-mode network and moves 16 MiB each way: from a server on the
// host to the guest's wget (hashed as it arrives) and from the guest's
// httpd to the host through a forward. It reports Mbit/s each way.
func BenchmarkNetThroughput(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the shared images, the core and a built do86")
	}
	h := newHostServer(b)
	for i := 0; i < b.N; i++ {
		fwd := freePort(b)
		g := bootLinuxNet(b, h, fwd, testenv.Binary(b), "run", "--cdrom", testenv.Image(b, "linux-x11.iso"),
			"--memory", "256M", "--display", "none", "--serial", "stdio", "--timeout", "1800s",
			"--net-host-loopback", "--forward", fmt.Sprintf("tcp:127.0.0.1:%d-:80", fwd))
		throughput(b, g)
	}
}

// BenchmarkNetThroughputQEMU is the same with QEMU's user-mode networking
// and its ne2k_pci model (TCG), for comparison; it needs qemu-system-i386.
func BenchmarkNetThroughputQEMU(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the shared images")
	}
	qemu, err := exec.LookPath("qemu-system-i386")
	if err != nil {
		b.Skip("qemu-system-i386 is not installed: nothing to compare with")
	}
	h := newHostServer(b)
	for i := 0; i < b.N; i++ {
		fwd := freePort(b)
		g := bootLinuxNet(b, h, fwd, qemu, "-machine", "pc", "-m", "256", "-cdrom", testenv.Image(b, "linux-x11.iso"),
			"-display", "none", "-monitor", "none", "-serial", "stdio",
			"-nic", fmt.Sprintf("user,model=ne2k_pci,hostfwd=tcp:127.0.0.1:%d-:80", fwd))
		throughput(b, g)
	}
}

// throughput measures both transfers on a booted guest.
func throughput(b *testing.B, g *guestNet) {
	g.download(b)
	sum := g.serve(b, "bench")
	for i := 0; i < 30; i++ {
		if _, err := g.get("/index.html", time.Minute); err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	g.upload(b, sum)
	b.ReportMetric(g.throughD, "down-Mbit/s")
	b.ReportMetric(g.throughU, "up-Mbit/s")
	b.Logf("16 MiB host→guest %.1f Mbit/s, guest→host %.1f Mbit/s", g.throughD, g.throughU)
}
