package usernet_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/do86/do86/internal/usernet"
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/insomniacslk/dhcp/dhcpv4"
)

func TestParseForward(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want usernet.Forward
		err  string
	}{
		{"tcp:127.0.0.1:8080-:80", usernet.Forward{HostAddr: "127.0.0.1", HostPort: 8080, GuestAddr: "10.0.2.15", GuestPort: 80}, ""},
		{"tcp::2222-:22", usernet.Forward{HostAddr: "127.0.0.1", HostPort: 2222, GuestAddr: "10.0.2.15", GuestPort: 22}, ""},
		{"tcp:0.0.0.0:80-10.0.2.15:8080", usernet.Forward{HostAddr: "0.0.0.0", HostPort: 80, GuestAddr: "10.0.2.15", GuestPort: 8080}, ""},
		{"127.0.0.1:0-:80", usernet.Forward{HostAddr: "127.0.0.1", HostPort: 0, GuestAddr: "10.0.2.15", GuestPort: 80}, ""},
		{"udp::53-:53", usernet.Forward{}, "only TCP"},
		{"tcp::80", usernet.Forward{}, "one '-'"},
		{"tcp::80-:0", usernet.Forward{}, "bad port"},
		{"tcp:host:80-:80", usernet.Forward{}, "bad IPv4"},
		{"tcp::99999-:80", usernet.Forward{}, "bad port"},
	} {
		got, err := usernet.ParseForward(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestMAC(t *testing.T) {
	t.Parallel()
	a, b := usernet.MACFromName("kolibri.img"), usernet.MACFromName("linux.iso")
	if a == b || a != usernet.MACFromName("kolibri.img") || a[0] != 0x02 {
		t.Fatalf("MACFromName: % x % x", a, b)
	}
	m, err := usernet.ParseMAC("02:D0:86:01:02:03")
	if err != nil || m != [6]byte{2, 0xD0, 0x86, 1, 2, 3} || usernet.FormatMAC(m) != "02:d0:86:01:02:03" {
		t.Fatalf("ParseMAC: % x %v", m, err)
	}
	for _, s := range []string{"01:00:5e:00:00:01", "02:d0:86", "nonsense"} {
		if _, err := usernet.ParseMAC(s); err == nil {
			t.Errorf("ParseMAC(%q) accepted", s)
		}
	}
}

// TestDHCP: the card's MAC gets its static lease through a DISCOVER/
// REQUEST exchange, the lease is noted, short frames come padded to 60
// bytes, and the capture file holds the exchange in pcap form.
func TestDHCP(t *testing.T) {
	t.Parallel()
	pcap := filepath.Join(t.TempDir(), "net.pcap")
	n := newNetwork(t, usernet.Config{PCAP: pcap})
	g := newGuest(t, n, guestMAC)
	g.keep = true
	reply := func(typ dhcpv4.MessageType) *dhcpv4.DHCPv4 {
		t.Helper()
		var got *dhcpv4.DHCPv4
		waitFor(10*time.Second, func() bool {
			for _, f := range g.frames() {
				p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.Default)
				if d, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && d.SrcPort == 67 {
					if m, err := dhcpv4.FromBytes(d.Payload); err == nil && m.MessageType() == typ {
						got = m
						return true
					}
				}
			}
			return false
		})
		if got == nil {
			t.Fatalf("no DHCP %s from the gateway", typ)
		}
		return got
	}
	disc, err := dhcpv4.NewDiscovery(net.HardwareAddr(guestMAC[:]))
	if err != nil {
		t.Fatal(err)
	}
	n.Transmit(dhcpFrame(t, disc, guestMAC))
	offer := reply(dhcpv4.MessageTypeOffer)
	if offer.YourIPAddr.String() != usernet.GuestIP || offer.Router()[0].String() != usernet.GatewayIP {
		t.Fatalf("offer: %s via %v", offer.YourIPAddr, offer.Router())
	}
	if len(n.Leases()) != 0 {
		t.Fatal("an offer counted as a lease")
	}
	req, err := dhcpv4.NewRequestFromOffer(offer)
	if err != nil {
		t.Fatal(err)
	}
	n.Transmit(dhcpFrame(t, req, guestMAC))
	ack := reply(dhcpv4.MessageTypeAck)
	if mtu, err := dhcpv4.GetUint16(dhcpv4.OptionInterfaceMTU, ack.Options); err != nil || mtu != usernet.MTU {
		t.Errorf("the lease advertises MTU %d (%v), want %d", mtu, err, usernet.MTU)
	}
	if !waitFor(5*time.Second, func() bool { return len(n.Leases()) == 1 }) {
		t.Fatal("the ACK was not noted as a lease")
	}
	if l := n.Leases()[0]; l.MAC != "02:d0:86:aa:bb:cc" || l.IP != usernet.GuestIP {
		t.Fatalf("lease %+v", l)
	}
	for _, f := range g.frames() {
		if len(f) < 60 {
			t.Fatalf("a %d-byte frame reached the card", len(f))
		}
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	fd, err := os.Open(pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	r, err := pcapgo.NewReader(fd)
	if err != nil {
		t.Fatal(err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		t.Fatalf("link type %v", r.LinkType())
	}
	var dhcp int
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		p := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		if p.Layer(layers.LayerTypeDHCPv4) != nil {
			dhcp++
		}
	}
	if dhcp != 4 {
		t.Fatalf("the capture has %d DHCP messages, want 4 (discover, offer, request, ack)", dhcp)
	}
}

// TestNAT: with HostLoopback the guest reaches a server on the host's
// 127.0.0.1 at the gateway's address, and a megabyte arrives intact.
func TestNAT(t *testing.T) {
	t.Parallel()
	data := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(data)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) })}
	go srv.Serve(l)
	defer srv.Close()
	port := l.Addr().(*net.TCPAddr).Port

	n := newNetwork(t, usernet.Config{HostLoopback: true})
	g := newGuest(t, n, guestMAC)
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
		return g.dial(ctx, addr)
	}}, Timeout: 30 * time.Second}
	resp, err := c.Get("http://10.0.2.2:" + strconv.Itoa(port) + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || sha256.Sum256(body) != sha256.Sum256(data) {
		t.Fatalf("fetched %d bytes (%v), want the %d served", len(body), err, len(data))
	}
	if st := n.Stats(); st.ToGuest == 0 || st.FromGuest == 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestHostLoopbackOff: without HostLoopback nothing on the host's loopback
// is reachable: not at the gateway's address, not at 127.0.0.1 or 0.0.0.0.
func TestHostLoopbackOff(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := l.Accept(); err == nil {
			accepted <- struct{}{}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	n := newNetwork(t, usernet.Config{})
	g := newGuest(t, n, guestMAC)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if c, err := g.dial(ctx, "10.0.2.2:"+strconv.Itoa(port)); err == nil {
		c.Close()
		t.Fatal("the guest connected to the gateway's address without HostLoopback")
	}
	before := n.Stats().DroppedFromGuest
	for _, dst := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(0, 0, 0, 0), net.IPv4(10, 0, 2, 7), net.IPv4(224, 0, 0, 251)} {
		n.Transmit(rawSYN(t, dst, uint16(port)))
	}
	if !waitFor(5*time.Second, func() bool { return n.Stats().DroppedFromGuest >= before+4 }) {
		t.Fatalf("dropped %d frames, want 4 more than %d", n.Stats().DroppedFromGuest, before)
	}
	select {
	case <-accepted:
		t.Fatal("the host's loopback listener got a connection from the guest")
	case <-time.After(500 * time.Millisecond):
	}
}

// TestForward: a host port forwarded to the guest; a host peer that
// vanishes mid-connection ends that connection and nothing else.
func TestForward(t *testing.T) {
	t.Parallel()
	fwd, err := usernet.ParseForward("tcp:127.0.0.1:0-:80")
	if err != nil {
		t.Fatal(err)
	}
	n := newNetwork(t, usernet.Config{Forwards: []usernet.Forward{fwd}})
	g := newGuest(t, n, guestMAC)
	gl := g.listen(80)
	defer gl.Close()
	served := make(chan error, 8)
	go func() {
		for {
			c, err := gl.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Echo, upper-cased, until the peer closes.
				buf := make([]byte, 4096)
				for {
					k, err := c.Read(buf)
					if k > 0 {
						if _, werr := c.Write(bytes.ToUpper(buf[:k])); werr != nil {
							served <- werr
							return
						}
					}
					if err != nil {
						served <- err
						return
					}
				}
			}()
		}
	}()
	addr := n.ForwardAddrs()[0]
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("forward listens on %s", addr)
	}
	talk := func(msg string) {
		t.Helper()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		c.Write([]byte(msg))
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || string(got) != strings.ToUpper(msg) {
			t.Fatalf("through the forward: %q %v", got, err)
		}
	}
	talk("hello guest")

	// A peer that resets its connection mid-stream.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write(bytes.Repeat([]byte("x"), 100000))
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
	select {
	case err := <-served:
		if err == nil {
			t.Fatal("nil error")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the guest's side of the vanished connection never ended")
	}
	talk("still working")
}

// TestIsolation: two networks are two worlds: a broadcast in one never
// reaches the other's card, even with the same MAC.
func TestIsolation(t *testing.T) {
	t.Parallel()
	a := newNetwork(t, usernet.Config{})
	b := newNetwork(t, usernet.Config{})
	gb := newGuest(t, b, guestMAC)
	gb.keep = true
	disc, _ := dhcpv4.NewDiscovery(net.HardwareAddr(guestMAC[:]))
	a.Transmit(dhcpFrame(t, disc, guestMAC))
	if !waitFor(5*time.Second, func() bool { return a.Peek() != nil }) {
		t.Fatal("network a never answered its card")
	}
	time.Sleep(200 * time.Millisecond)
	if f := gb.frames(); len(f) != 0 {
		t.Fatalf("network b's card heard %d frames from network a", len(f))
	}
}

// TestNeverBlocks: a guest that sends far faster than the network takes
// and a card that never reads: Transmit returns at once every time, the
// card's queue stays bounded (2 MiB), and the excess is counted as dropped.
func TestNeverBlocks(t *testing.T) {
	t.Parallel()
	n := newNetwork(t, usernet.Config{})
	// The gateway learns the guest's address from its ARP request, then
	// answers a flood of large pings that nobody reads.
	n.Transmit(arpRequest(t))
	ping := echoRequest(t, 1400)
	start := time.Now()
	for i := 0; i < 100000; i++ {
		n.Transmit(ping)
		if i%1000 == 999 {
			time.Sleep(time.Millisecond) // let the stack answer some
		}
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("100000 Transmits took %v", d)
	}
	if !waitFor(30*time.Second, func() bool { return n.Stats().DroppedToGuest > 0 }) {
		t.Fatalf("stats %+v: the unread queue never filled", n.Stats())
	}
	// Once the stack has answered everything, what waits is within bounds.
	last := n.Stats()
	for waitFor(300*time.Millisecond, func() bool { return n.Stats() != last }) {
		last = n.Stats()
	}
	queued, bytes := 0, 0
	for f := n.Peek(); f != nil; f = n.Peek() {
		n.Pop()
		queued++
		bytes += len(f)
	}
	if bytes > 2<<20 || queued < 1000 {
		t.Fatalf("%d frames (%d bytes) were queued for the card", queued, bytes)
	}
	t.Logf("%+v; %d frames queued", n.Stats(), queued)
}

// TestCloseFreesGoroutines: a closed network leaves no goroutines behind
// (serve starts and stops one per session).
func TestCloseFreesGoroutines(t *testing.T) {
	fwd, _ := usernet.ParseForward("tcp:127.0.0.1:0-:80")
	base := runtime.NumGoroutine()
	for i := 0; i < 5; i++ {
		n, err := usernet.New(usernet.Config{MAC: guestMAC, Forwards: []usernet.Forward{fwd}})
		if err != nil {
			t.Fatal(err)
		}
		disc, _ := dhcpv4.NewDiscovery(net.HardwareAddr(guestMAC[:]))
		n.Transmit(dhcpFrame(t, disc, guestMAC))
		waitFor(5*time.Second, func() bool { return n.Peek() != nil })
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !waitFor(10*time.Second, func() bool { return runtime.NumGoroutine() <= base+2 }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines after closing 5 networks, %d before:\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
	}
}

// TestForwardBusy: a forward whose host port is taken fails New with a
// clear error.
func TestForwardBusy(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	fwd, _ := usernet.ParseForward("tcp:" + l.Addr().String() + "-:80")
	_, err = usernet.New(usernet.Config{MAC: guestMAC, Forwards: []usernet.Forward{fwd}})
	var op *net.OpError
	if err == nil || !errors.As(err, &op) || !strings.Contains(err.Error(), "forward tcp:127.0.0.1:") {
		t.Fatalf("New with a busy port: %v", err)
	}
}

// TestNewNetworkResetsConnections is what a resumed guest meets: its TCP
// connection, open through the network it was saved with, is reset the
// first time it uses it on the new network, and new connections work.
func TestNewNetworkResetsConnections(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go io.Copy(c, c)
		}
	}()
	addr := "10.0.2.2:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	old := newNetwork(t, usernet.Config{HostLoopback: true})
	g := newGuest(t, old, guestMAC)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := g.dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 5)
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	old.Close()
	g.attach(newNetwork(t, usernet.Config{HostLoopback: true}))
	c.Write([]byte("again"))
	if _, err := io.ReadFull(c, buf); err == nil || !strings.Contains(err.Error(), "reset") {
		t.Fatalf("the old connection on the new network: %v, want a reset", err)
	}
	d, err := g.dial(ctx, addr)
	if err != nil {
		t.Fatalf("a new connection on the new network: %v", err)
	}
	d.Close()
}
