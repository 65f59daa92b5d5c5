package cluster

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// EmbeddedOptions configure the NATS server a node runs inside itself
// (do86 serve --cluster-embedded): JetStream on, clustered with the routes
// given, for small deployments without a NATS of their own.
type EmbeddedOptions struct {
	// Name names the server in the cluster (unique; the node's id).
	Name string
	// Listen is where clients connect (HOST:PORT; port 0 picks one).
	Listen string
	// ClusterListen is where the other servers' routes connect (HOST:PORT;
	// empty: no cluster, a single server).
	ClusterListen string
	// Routes are the other servers' cluster addresses
	// (nats-route://HOST:PORT).
	Routes []string
	// ClusterName is the cluster's name (default "do86").
	ClusterName string
	// Dir holds JetStream's files.
	Dir string
}

// StartEmbedded starts the NATS server and returns it with the URL clients
// connect to. Shut it down (Shutdown) after the node closed.
func StartEmbedded(o EmbeddedOptions) (*server.Server, string, error) {
	if o.Dir == "" {
		return nil, "", errors.New("cluster: the embedded NATS server needs a directory")
	}
	host, port, err := splitHostPort(o.Listen)
	if err != nil {
		return nil, "", fmt.Errorf("cluster: NATS listen address: %w", err)
	}
	opts := &server.Options{
		ServerName: o.Name, Host: host, Port: port,
		JetStream: true, StoreDir: o.Dir, NoSigs: true, NoLog: true,
	}
	if o.ClusterListen != "" {
		ch, cp, err := splitHostPort(o.ClusterListen)
		if err != nil {
			return nil, "", fmt.Errorf("cluster: NATS cluster address: %w", err)
		}
		name := o.ClusterName
		if name == "" {
			name = "do86"
		}
		opts.Cluster = server.ClusterOpts{Name: name, Host: ch, Port: cp}
		for _, r := range o.Routes {
			u := server.RoutesFromStr(r)
			if len(u) == 0 {
				return nil, "", fmt.Errorf("cluster: bad NATS route %q: want nats-route://HOST:PORT", r)
			}
			opts.Routes = append(opts.Routes, u...)
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("cluster: the embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, "", errors.New("cluster: the embedded NATS server did not start in 30 s")
	}
	return ns, ns.ClientURL(), nil
}

func splitHostPort(addr string) (string, int, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < -1 || port > 65535 {
		return "", 0, fmt.Errorf("bad port in %q", addr)
	}
	if h == "" {
		h = "127.0.0.1"
	}
	return h, port, nil
}
