package usernet

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forward is a host TCP port forwarded to a port of the guest.
type Forward struct {
	HostAddr  string // the host address to listen on (127.0.0.1 by default)
	HostPort  int    // 0: any free port (see Network.ForwardAddrs)
	GuestAddr string // the guest's address (GuestIP by default)
	GuestPort int
}

// ParseForward reads a forward in QEMU's hostfwd form,
// [tcp:][HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, for example
// tcp:127.0.0.1:8080-:80 or tcp::2222-:22. Unlike QEMU, an empty HOSTADDR
// is loopback, not every interface. Only TCP is forwarded.
func ParseForward(s string) (Forward, error) {
	bad := func(why string) (Forward, error) {
		return Forward{}, fmt.Errorf("forward %q: %s (want tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. tcp:127.0.0.1:8080-:80)", s, why)
	}
	rest := s
	switch {
	case strings.HasPrefix(rest, "tcp:"):
		rest = rest[4:]
	case strings.HasPrefix(rest, "udp:"):
		return bad("only TCP ports can be forwarded")
	}
	host, guest, ok := strings.Cut(rest, "-")
	if !ok || strings.Contains(guest, "-") {
		return bad("one '-' must separate the host's side from the guest's")
	}
	var f Forward
	var err error
	if f.HostAddr, f.HostPort, err = splitAddrPort(host, "127.0.0.1", true); err != nil {
		return bad("host side: " + err.Error())
	}
	if f.GuestAddr, f.GuestPort, err = splitAddrPort(guest, GuestIP, false); err != nil {
		return bad("guest side: " + err.Error())
	}
	return f, nil
}

// splitAddrPort reads [ADDR]:PORT (or a bare PORT).
func splitAddrPort(s, def string, zeroOK bool) (string, int, error) {
	addr, port := "", s
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		addr, port = s[:i], s[i+1:]
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 || p == 0 && !zeroOK {
		return "", 0, fmt.Errorf("bad port %q", port)
	}
	if addr == "" {
		return def, p, nil
	}
	a, err := netip.ParseAddr(strings.Trim(addr, "[]"))
	if err != nil || !a.Is4() {
		return "", 0, fmt.Errorf("bad IPv4 address %q", addr)
	}
	return a.String(), p, nil
}

// String writes the forward back in hostfwd form.
func (f Forward) String() string {
	return fmt.Sprintf("tcp:%s:%d-%s:%d", f.HostAddr, f.HostPort, f.GuestAddr, f.GuestPort)
}

// forwarder listens on the host and connects each client to the guest
// through the virtual network.
type forwarder struct {
	n     *Network
	f     Forward
	l     net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
	ctx   context.Context // ends with the forward
	stop  context.CancelFunc
}

// dialTimeout bounds the wait for the guest to answer a forwarded
// connection.
const dialTimeout = 10 * time.Second

func (n *Network) forward(f Forward) (*forwarder, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(f.HostAddr, strconv.Itoa(f.HostPort)))
	if err != nil {
		return nil, fmt.Errorf("forward %s: %w", f, err)
	}
	fw := &forwarder{n: n, f: f, l: l, conns: map[net.Conn]struct{}{}}
	fw.ctx, fw.stop = context.WithCancel(context.Background())
	fw.wg.Add(1)
	go fw.serve()
	return fw, nil
}

func (fw *forwarder) serve() {
	defer fw.wg.Done()
	for {
		c, err := fw.l.Accept()
		if err != nil {
			return
		}
		if !fw.track(c) {
			return
		}
		fw.wg.Add(1)
		go fw.handle(c)
	}
}

// track remembers a connection so that close can end it; false once closed.
func (fw *forwarder) track(c net.Conn) bool {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.conns == nil {
		c.Close()
		return false
	}
	fw.conns[c] = struct{}{}
	return true
}

func (fw *forwarder) handle(c net.Conn) {
	defer fw.wg.Done()
	ctx, cancel := context.WithTimeout(fw.ctx, dialTimeout)
	g, err := fw.n.vn.DialContextTCP(ctx, net.JoinHostPort(fw.f.GuestAddr, strconv.Itoa(fw.f.GuestPort)))
	cancel()
	if err != nil || !fw.track(g) {
		c.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go pipe(&wg, g, c)
	go pipe(&wg, c, g)
	wg.Wait()
	c.Close()
	g.Close()
	fw.mu.Lock()
	if fw.conns != nil {
		delete(fw.conns, c)
		delete(fw.conns, g)
	}
	fw.mu.Unlock()
}

// pipe copies src to dst, then half-closes dst.
func pipe(wg *sync.WaitGroup, dst, src net.Conn) {
	defer wg.Done()
	io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		dst.Close()
	}
}

// close stops listening and ends the forward's connections.
func (fw *forwarder) close() {
	fw.l.Close()
	fw.stop()
	fw.mu.Lock()
	for c := range fw.conns {
		c.Close()
	}
	fw.conns = nil
	fw.mu.Unlock()
	fw.wg.Wait()
}
