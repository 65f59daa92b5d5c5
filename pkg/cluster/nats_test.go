package cluster

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// startNATS starts one in-process NATS server with JetStream (milliseconds,
// loopback, nothing external: it runs under -short too).
func startNATS(t testing.TB) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns
}

// StartTestCluster starts n in-process NATS servers with JetStream, routed
// into one cluster on loopback, and returns them (shut down at the end of
// the test).
func StartTestCluster(t testing.TB, n int) []*server.Server {
	t.Helper()
	for try := 0; ; try++ {
		out, err := startCluster(t, n)
		if err == nil {
			for _, ns := range out {
				t.Cleanup(ns.Shutdown)
			}
			return out
		}
		for _, ns := range out {
			if ns != nil {
				ns.Shutdown()
			}
		}
		if try == 2 {
			t.Fatal(err)
		}
		t.Logf("%v: again with other ports", err)
	}
}

// startCluster starts n servers on free ports routed to each other (a port
// taken meanwhile by another test fails the start: StartTestCluster tries
// again).
func startCluster(t testing.TB, n int) ([]*server.Server, error) {
	ports := make([]int, n)
	var ls []net.Listener
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	for _, l := range ls {
		l.Close()
	}
	out := make([]*server.Server, n)
	for i := range n {
		o := &server.Options{ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "test", Host: "127.0.0.1", Port: ports[i]}}
		for j, p := range ports {
			if j != i {
				o.Routes = append(o.Routes, server.RoutesFromStr(fmt.Sprintf("nats-route://127.0.0.1:%d", p))...)
			}
		}
		ns, err := server.NewServer(o)
		if err != nil {
			return out, err
		}
		go ns.Start()
		out[i] = ns
	}
	for _, ns := range out {
		if !ns.ReadyForConnections(20 * time.Second) {
			return out, errors.New("nats server did not start in 20 s")
		}
	}
	return out, nil
}

func connect(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}
