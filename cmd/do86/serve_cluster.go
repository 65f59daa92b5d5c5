package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/spf13/pflag"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/cluster"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/pager"
)

// clusterFlags are serve's flags for running as one node of several.
type clusterFlags struct {
	nats          string
	embedded      bool
	natsListen    string
	natsCluster   string
	natsRoutes    []string
	natsDir       string
	node          string
	advertise     string
	checkpoint    time.Duration
	leaseTTL      time.Duration
	replicas      int
	gcInterval    time.Duration
	gcGrace       time.Duration
	drainOnSignal bool
}

func addClusterFlags(fl *pflag.FlagSet, f *clusterFlags) {
	fl.StringVar(&f.nats, "cluster", "", "run as a node of a cluster on NATS JetStream at these URLs (nats://HOST:PORT, comma-separated): sessions live on any node, snapshots in JetStream")
	fl.BoolVar(&f.embedded, "cluster-embedded", false, "run a NATS server (JetStream, clustered by --nats-route) inside this node and use it")
	fl.StringVar(&f.natsListen, "nats-listen", "127.0.0.1:4222", "with --cluster-embedded: where NATS clients connect")
	fl.StringVar(&f.natsCluster, "nats-cluster-listen", "", "with --cluster-embedded: where the other nodes' NATS routes connect (HOST:PORT; empty: a single server)")
	fl.StringSliceVar(&f.natsRoutes, "nats-route", nil, "with --cluster-embedded: another node's NATS cluster address, nats-route://HOST:PORT (repeatable)")
	fl.StringVar(&f.natsDir, "nats-dir", "", "with --cluster-embedded: JetStream's directory (default: the user cache's do86/nats-NODE)")
	fl.StringVar(&f.node, "node", "", "this node's name in the cluster (default: host name and port)")
	fl.StringVar(&f.advertise, "advertise", "", "the URL other nodes reach this one at (default: http://LISTEN-ADDRESS)")
	fl.DurationVar(&f.checkpoint, "checkpoint", 30*time.Second, "in a cluster: save every running session this often (what a node's death may lose)")
	fl.DurationVar(&f.leaseTTL, "lease-ttl", 15*time.Second, "in a cluster: how long a session's lease lasts unrenewed (renewed every quarter of it)")
	fl.IntVar(&f.replicas, "replicas", 0, "in a cluster: JetStream replicas of pages, manifests and leases (default: 3 on a NATS cluster, 1 on one server)")
	fl.DurationVar(&f.gcInterval, "gc-interval", 5*time.Minute, "in a cluster: how often a node collects pages no snapshot names (negative: never)")
	fl.DurationVar(&f.gcGrace, "gc-grace", 10*time.Minute, "in a cluster: how old an unnamed page must be before it is collected")
	fl.BoolVar(&f.drainOnSignal, "drain", true, "in a cluster: on SIGTERM save every session and hand it back to the cluster")
}

func (f *clusterFlags) enabled() bool { return f.nats != "" || f.embedded }

// serveCluster is serve as a node of a cluster (--cluster or
// --cluster-embedded): snapshots, leases and routing on NATS JetStream.
func serveCluster(ctx context.Context, f *serveFlags, addr string, engine *core.Engine, policy web.ImagePolicy) error {
	cf := &f.cluster
	if cf.nats != "" && cf.embedded {
		return fail(errors.New("--cluster and --cluster-embedded: give one (--cluster-embedded connects to its own server)"))
	}
	if cf.checkpoint < 0 || cf.leaseTTL < time.Second {
		return fail(fmt.Errorf("--checkpoint %v, --lease-ttl %v: want a checkpoint interval of 0 (never) or more and a TTL of at least 1s", cf.checkpoint, cf.leaseTTL))
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(fmt.Errorf("--listen: %w", err))
	}
	defer l.Close()
	node := cf.node
	if node == "" {
		h, _ := os.Hostname()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		node = strings.NewReplacer(".", "-", "*", "-", ">", "-", " ", "-").Replace(h) + "-" + port
	}
	advertise := cf.advertise
	if advertise == "" {
		advertise = "http://" + l.Addr().String()
	}
	urls := cf.nats
	if cf.embedded {
		dir := cf.natsDir
		if dir == "" {
			base, err := os.UserCacheDir()
			if err != nil {
				return fail(fmt.Errorf("--nats-dir: %w", err))
			}
			dir = filepath.Join(base, "do86", "nats-"+node)
		}
		ns, url, err := cluster.StartEmbedded(cluster.EmbeddedOptions{Name: node, Listen: cf.natsListen,
			ClusterListen: cf.natsCluster, Routes: cf.natsRoutes, Dir: dir})
		if err != nil {
			return fail(err)
		}
		defer ns.Shutdown()
		logf("embedded NATS server %s listening on %s", node, url)
		urls = url
	}
	nc, err := nats.Connect(urls, nats.Name("do86 "+node), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		return fail(fmt.Errorf("--cluster %s: %w", urls, err))
	}
	defer nc.Close()

	resolve := func(ctx context.Context, store pager.SnapshotStore, name string) (emu.Config, error) {
		cfg, err := emu.ResumeConfig(ctx, store, name, emu.Request{ImageDir: f.imageDir, NoJIT: !f.jit})
		cfg.Engine = engine
		return cfg, err
	}
	n, err := cluster.New(ctx, cluster.Config{
		Conn: nc, ID: node, URL: advertise, LeaseTTL: cf.leaseTTL, Replicas: cf.replicas,
		Grace: cf.gcGrace, GCInterval: cf.gcInterval, MaxSessions: f.maxSessions, Logf: logf,
		Resume: func(store pager.SnapshotStore, name string) web.ResumeFunc {
			return func(ctx context.Context, serial io.Writer) (web.Machine, error) {
				cfg, err := resolve(ctx, store, name)
				if err != nil {
					return nil, err
				}
				cfg.Serial, cfg.Logger = serial, sessionLogger(ctx, cfg.Name)
				m, err := emu.Resume(cfg, store, name)
				if err != nil {
					return nil, err
				}
				return emuMachine{Machine: m, cfg: cfg}, nil
			}
		},
	})
	if err != nil {
		return fail(err)
	}
	token, url := f.access.resolve(addr, "serve")
	srv := web.New(web.Options{
		Addr: addr, AllowHosts: f.access.allowHosts, Token: token,
		Boot: func(ctx context.Context, image string, serial io.Writer) (web.Machine, error) {
			cfg, err := emu.Resolve(ctx, emu.Request{Image: image, ImageDir: f.imageDir, NoJIT: !f.jit})
			if err != nil {
				return nil, err
			}
			cfg.Logger = sessionLogger(ctx, image)
			cfg.Serial, cfg.Engine = serial, engine
			m, err := emu.New(cfg)
			if err != nil {
				return nil, err
			}
			return emuMachine{Machine: m, cfg: cfg}, nil
		},
		Snapshot: snapshotsIn(n.StoreFor, nil, n.Saved),
		DeleteSnapshot: func(name string) error {
			st, err := n.StoreFor(name)
			if err != nil {
				return err
			}
			return st.Delete(name)
		},
		Hibernate: f.hibernate, Warm: f.warm, Checkpoint: cf.checkpoint, Ended: n.Ended,
		CheckImage: policy.Check, Images: func() []web.Image { return catalogImages(f.imageDir) },
		Idle: f.idle, MaxSessions: f.maxSessions, Logf: logf,
	})
	n.Attach(srv)
	n.Start()
	logf("node %s of the cluster at %s (lease TTL %v, checkpoints every %v): serving on %s", node, nc.ConnectedUrlRedacted(), n.TTL(), cf.checkpoint, url(l.Addr()))
	return serveHTTP(ctx, l, n.Handler(), func() {
		logf("stopping: handing the sessions back to the cluster")
		dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if cf.drainOnSignal {
			n.Close(dctx)
		}
		srv.Close()
	})
}
