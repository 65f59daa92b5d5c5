package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/do86/do86/internal/testenv"
)

// bigSize is the size of the large transfers each way.
const bigSize = 16 << 20

// hostServer is the HTTP server on the host's loopback that the guest
// reaches through the gateway: a page, 16 MiB of random bytes, and a
// response that vanishes halfway (the connection reset).
type hostServer struct {
	port    int
	page    string
	big     []byte
	bigSum  string
	bigFrom atomic.Int64 // when the guest asked for /big (unix ns)
}

func newHostServer(t testing.TB) *hostServer {
	t.Helper()
	tok := make([]byte, 8)
	rand.Read(tok)
	h := &hostServer{page: "do86 net test page " + hex.EncodeToString(tok), big: make([]byte, bigSize)}
	rand.Read(h.big)
	sum := sha256.Sum256(h.big)
	h.bigSum = hex.EncodeToString(sum[:])
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.port = l.Addr().(*net.TCPAddr).Port
	mux := http.NewServeMux()
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, h.page+"\n") })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		h.bigFrom.Store(time.Now().UnixNano())
		w.Header().Set("Content-Length", strconv.Itoa(len(h.big)))
		w.Write(h.big)
	})
	mux.HandleFunc("/vanish", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(h.big)))
		w.Write(h.big[:1<<20])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		time.Sleep(200 * time.Millisecond)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.(*net.TCPConn).SetLinger(0) // a reset, not a goodbye
			conn.Close()
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return h
}

// freePort returns a loopback TCP port free at the moment.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// guestNet is a booted Linux guest with its network up.
type guestNet struct {
	c        *console
	host     *hostServer
	fwd      string // the host address forwarded to the guest's port 80
	ip, gw   string
	throughD float64 // Mbit/s of the 16 MiB host→guest transfer
	throughU float64 // and guest→host
}

// bootLinuxNet boots linux-x11.iso with cmd (do86 or QEMU) and brings eth0
// up with DHCP, the way the image's MANIFEST row says.
func bootLinuxNet(t testing.TB, h *hostServer, fwdPort int, name string, args ...string) *guestNet {
	t.Helper()
	g := &guestNet{c: startConsole(t, name, args...), host: h, fwd: fmt.Sprintf("127.0.0.1:%d", fwdPort)}
	g.c.expect(prompt, 900*time.Second)
	time.Sleep(time.Second)
	// ne2k-pci is loaded with the other modules after the shell starts.
	g.c.run("i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 400 ]; do sleep 1; i=$((i+1)); done; ls /sys/class/net", 500*time.Second)
	out := g.c.run("ip link set eth0 up; udhcpc -i eth0 -n -q", 240*time.Second)
	m := regexp.MustCompile(`lease of ([0-9.]+) obtained from ([0-9.]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("udhcpc took no lease:\n%s", out)
	}
	g.ip, g.gw = m[1], m[2]
	g.c.run(fmt.Sprintf("ip addr add %s/24 dev eth0; ip route add default via %s", g.ip, g.gw), 60*time.Second)
	return g
}

// fetchPage has the guest fetch the host's page and print it on COM1.
func (g *guestNet) fetchPage(t testing.TB) {
	t.Helper()
	out := g.c.run(fmt.Sprintf("wget -q -O- http://%s:%d/page", g.gw, g.host.port), 120*time.Second)
	if !strings.Contains(out, "\n"+g.host.page+"\n") {
		t.Fatalf("the guest printed no page %q:\n%s", g.host.page, out)
	}
}

var sumRE = regexp.MustCompile(`\b([0-9a-f]{64})\b`)

// download has the guest fetch 16 MiB from the host into its RAM, timed
// from the server's first byte to wget's exit, then hash it.
func (g *guestNet) download(t testing.TB) {
	t.Helper()
	g.c.run(fmt.Sprintf("wget -q -O /tmp/dl http://%s:%d/big", g.gw, g.host.port), 900*time.Second)
	g.throughD = mbits(bigSize, time.Since(time.Unix(0, g.host.bigFrom.Load())))
	out := g.c.run("sha256sum /tmp/dl; rm /tmp/dl", 600*time.Second)
	m := sumRE.FindStringSubmatch(out)
	if m == nil || m[1] != g.host.bigSum {
		t.Fatalf("the guest's sha256 of the 16 MiB download is %v, want %s:\n%s", m, g.host.bigSum, out)
	}
}

// serve starts busybox httpd in the guest with a page and 16 MiB of random
// bytes, and returns the page and the big file's sha256 as the guest says.
func (g *guestNet) serve(t testing.TB, page string) string {
	t.Helper()
	g.c.run("mkdir -p /tmp/www && echo "+page+" > /tmp/www/index.html", 60*time.Second)
	out := g.c.run(fmt.Sprintf("dd if=/dev/urandom of=/tmp/www/big bs=1M count=%d 2>/dev/null; sha256sum /tmp/www/big", bigSize>>20), 600*time.Second)
	m := sumRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no sha256 of the guest's file:\n%s", out)
	}
	g.c.run("httpd -p 80 -h /tmp/www", 60*time.Second)
	return m[1]
}

// get fetches a URL from the guest's httpd through the forward.
func (g *guestNet) get(path string, timeout time.Duration) ([]byte, error) {
	c := &http.Client{Timeout: timeout}
	resp, err := c.Get("http://" + g.fwd + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// upload fetches the guest's 16 MiB through the forward and checks it.
func (g *guestNet) upload(t testing.TB, want string) {
	t.Helper()
	start := time.Now()
	b, err := g.get("/big", 900*time.Second)
	if err != nil {
		t.Fatalf("fetching the guest's big file: %v", err)
	}
	g.throughU = mbits(len(b), time.Since(start))
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); len(b) != bigSize || got != want {
		t.Fatalf("got %d bytes with sha256 %s through the forward, want %d with %s", len(b), got, bigSize, want)
	}
}

func mbits(n int, d time.Duration) float64 { return float64(n) * 8 / d.Seconds() / 1e6 }

// TestNetLinux is issue 17's acceptance with the Debian guest: its
// ne2k-pci driver finds the RTL8029AS, udhcpc takes the lease, the guest
// fetches a page from a server on the host (through the gateway, which
// --net-host-loopback maps to the host's loopback) and prints it to COM1;
// the host reaches busybox httpd in the guest through --forward; 16 MiB go
// each way intact; peers that vanish mid-transfer, on either side, leave
// the card working. The capture written meanwhile reads as pcap, with
// full-sized TCP segments both ways. Saved and resumed, the guest keeps
// its MAC address and its lease and goes on using the network.
func TestNetLinux(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the shared images, the core and a built do86")
	}
	dir := t.TempDir()
	pcap := filepath.Join(dir, "net.pcap")
	h := newHostServer(t)
	fwd := freePort(t)
	store := filepath.Join(dir, "store.db")
	iso := testenv.Image(t, "linux-x11.iso")
	forward := fmt.Sprintf("tcp:127.0.0.1:%d-:80", fwd)
	g := bootLinuxNet(t, h, fwd, testenv.Binary(t), "run", "--cdrom", iso,
		"--memory", "256M", "--display", "none", "--serial", "stdio", "--timeout", "1800s",
		"--net-host-loopback", "--forward", forward, "--net-pcap", pcap,
		"--mac", "02:d0:86:00:17:17", "--store", store, "--save", "net", "--until-serial", "NET-SAVE-42")
	if g.ip != "10.0.2.15" || g.gw != "10.0.2.2" {
		t.Errorf("lease %s from %s, want 10.0.2.15 from 10.0.2.2", g.ip, g.gw)
	}
	if !strings.Contains(g.c.stderr.String(), "took the address 10.0.2.15 by DHCP") {
		t.Errorf("do86 did not note the lease; stderr:\n%s", g.c.stderr.String())
	}
	g.fetchPage(t)
	g.download(t)
	t.Logf("16 MiB host→guest: %.1f Mbit/s", g.throughD)

	// A host peer that resets the connection mid-transfer.
	out := g.c.run(fmt.Sprintf("wget -q -O- http://%s:%d/vanish | wc -c", g.gw, h.port), 300*time.Second)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	t.Logf("the vanishing download ended after %s bytes", lines[len(lines)-1])
	g.fetchPage(t)

	// The reverse: the host reaches the guest's httpd through the forward.
	tok := make([]byte, 8)
	rand.Read(tok)
	page := "guest-page-" + hex.EncodeToString(tok)
	sum := g.serve(t, page)
	var body []byte
	var err error
	for i := 0; i < 30; i++ {
		if body, err = g.get("/index.html", 60*time.Second); err == nil {
			break
		}
		time.Sleep(time.Second)
	}
	if err != nil || strings.TrimSpace(string(body)) != page {
		t.Fatalf("through the forward: %q, %v; want %q", body, err, page)
	}
	g.upload(t, sum)
	t.Logf("16 MiB guest→host: %.1f Mbit/s", g.throughU)

	// A host client that vanishes mid-transfer on the forward.
	c, err := net.Dial("tcp", g.fwd)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /big HTTP/1.0\r\n\r\n")
	io.ReadFull(c, make([]byte, 256<<10))
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	if body, err = g.get("/index.html", 120*time.Second); err != nil || strings.TrimSpace(string(body)) != page {
		t.Fatalf("after a client vanished: %q, %v", body, err)
	}
	g.fetchPage(t)

	// Saved, then resumed in a new process that is not told the MAC: the
	// guest keeps its card's address and its lease, and reaches the host
	// again on the new network without asking DHCP anew.
	fmt.Fprintf(g.c.in, "echo NET-SAVE-$((40+2))\n")
	if err := g.c.wait(600 * time.Second); err != nil {
		t.Fatalf("the first run ended with %v; stderr:\n%s", err, g.c.stderr.String())
	}
	checkCapture(t, pcap)
	r := &guestNet{host: h, fwd: g.fwd, ip: g.ip, gw: g.gw}
	r.c = startConsole(t, testenv.Binary(t), "run", "--cdrom", iso, "--display", "none", "--serial", "stdio",
		"--timeout", "900s", "--net-host-loopback", "--forward", forward, "--store", store, "--resume", "net")
	out = r.c.run("cat /sys/class/net/eth0/address; ip -4 addr show dev eth0", 300*time.Second)
	if !strings.Contains(out, "\n02:d0:86:00:17:17\n") || !strings.Contains(out, "inet 10.0.2.15/24") {
		t.Fatalf("after the resume, eth0 is:\n%s", out)
	}
	if !strings.Contains(r.c.stderr.String(), "keeping it") {
		t.Errorf("do86 did not say it kept the snapshot's address; stderr:\n%s", r.c.stderr.String())
	}
	r.fetchPage(t)
	if body, err = r.get("/index.html", 120*time.Second); err != nil || strings.TrimSpace(string(body)) != page {
		t.Fatalf("through the forward after the resume: %q, %v", body, err)
	}
}

// checkCapture reads the capture as tcpdump would and looks for full-sized
// TCP segments each way: the MSS the guest and the gateway agreed is not
// a tiny one.
func checkCapture(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("the capture is not a pcap file: %v", err)
	}
	var frames, toGuest, fromGuest int
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		frames++
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.NoCopy)
		ip, _ := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			continue
		}
		switch n := len(tcp.Payload); {
		case ip.DstIP.String() == "10.0.2.15":
			toGuest = max(toGuest, n)
		case ip.SrcIP.String() == "10.0.2.15":
			fromGuest = max(fromGuest, n)
		}
	}
	if frames < 2*bigSize/1460 || toGuest < 1400 || fromGuest < 1400 {
		t.Fatalf("capture: %d frames, largest TCP payload %d to the guest and %d from it", frames, toGuest, fromGuest)
	}
	// tcpdump itself reads it too (make setup-test installs it).
	tcpdump := testenv.Tool(t, "tcpdump")
	if out, err := exec.Command(tcpdump, "-nr", path, "-c", "5").CombinedOutput(); err != nil {
		t.Errorf("tcpdump cannot read the capture: %v\n%s", err, out)
	}
}
