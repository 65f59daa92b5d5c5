package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/do86/do86/internal/core"
	"github.com/do86/do86/pkg/display/web"
	"github.com/do86/do86/pkg/emu"
	"github.com/do86/do86/pkg/images"
	"github.com/do86/do86/pkg/pager"
)

// serveFlags are do86 serve's flags.
type serveFlags struct {
	listen      string
	idle        time.Duration
	maxSessions int
	warm        []string
	store       string
	hibernate   bool
	imageDir    string
	allowFiles  bool
	jit         bool
	access      webAccess
	control     string
	net, nic    string
	cluster     clusterFlags
}

func newServeCmd() *cobra.Command {
	f := &serveFlags{}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve PCs to browsers: many sessions, many viewers each",
		Long: `Serve PCs to browsers. The landing page lists the catalog's images and the
running sessions; /s/ID?image=NAME boots NAME in session ID (1 to 64 letters,
digits, '_' or '-'), and every browser opening the same URL shares that machine.
noVNC connects to /s/ID/websockify. The JSON API: GET /api/sessions,
GET /api/stats/ID, DELETE /api/sessions/ID.

A session nobody has watched for --idle hibernates: it is saved to the
snapshot store (--store) as "serve/ID" and its machine freed; it stays listed
as hibernated, and opening it again resumes the guest where it was. Stopping
it (DELETE) deletes the snapshot. --hibernate=false stops idle sessions
instead. Other do86 commands share the store meanwhile (do86 snapshots list,
--save, --resume): each holds it only while it reads or writes, and waits
while another writes.

--warm IMAGE boots IMAGE once at start, waits until it is ready (its screen
showed something, then for 5 s kept its mode with at most a tenth of it
changing: a clock may tick, a boot may not scroll), saves it as "warm/IMAGE"
and starts every later session of IMAGE from that snapshot; sessions opened
before it is ready boot as usual.

With --allow-files, ?image= may also be the absolute path of an image file on
this computer: use it only where the server is yours alone (the default listen
address is loopback).

Only this computer's own pages may use the server: requests must name it in
their Host header (a loopback name or address, the --listen address, or a
name of --allow-host; other names are what DNS rebinding attacks send), and
starting, stopping or typing into sessions is refused to other sites' pages.
Listening beyond loopback, serve requires an access token (--web-token, or
one it generates and prints): open the printed URL, which carries it.

--control-token TOKEN (or $DO86_CONTROL_TOKEN) turns on each session's JSON
control endpoint, POST /s/ID/control with "Authorization: Bearer TOKEN": type,
key, mouse, serial, serial-read, screenshot, snapshot, record, query-status
(pkg/display/web/PROTOCOL.md). The session page's Record button records the
screen as an animated PNG.

--cluster nats://HOST:PORT[,...] makes serve one node of a cluster on NATS
JetStream (--cluster-embedded: with a NATS server inside the node, routed to
the others by --nats-route): snapshots go to JetStream instead of --store,
a session runs on one node at a time (its lease), any node serves any
session (passing requests on to its owner), running sessions are saved
every --checkpoint, and a dead node's sessions resume elsewhere from their
last checkpoint. /healthz, /readyz and /metrics (Prometheus) are served
without the token. See the README's "Running on several machines".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8086", "address to serve on (HOST:PORT; no host: loopback)")
	fl.DurationVar(&f.idle, "idle", 10*time.Minute, "hibernate (or stop) a session nobody has watched for this long (0: never)")
	fl.BoolVar(&f.hibernate, "hibernate", true, "save idle sessions to the store and resume them when opened (false: stop them)")
	fl.StringVar(&f.store, "store", "", "snapshot store FILE for hibernation and --warm (default: the user cache's do86/store.db)")
	fl.IntVar(&f.maxSessions, "max-sessions", defaultMaxSessions(), "most machines running at once (default: RAM / 256 MiB)")
	fl.StringSliceVar(&f.warm, "warm", nil, "boot catalog IMAGE once at start and start its sessions from a snapshot of it booted (repeatable, or a comma list)")
	fl.StringVar(&f.imageDir, "image-dir", "", "look for catalog images here first, by file name (or $DO86_IMAGE_DIR)")
	fl.BoolVar(&f.allowFiles, "allow-files", false, "let ?image= name an image file by absolute path")
	fl.BoolVar(&f.jit, "jit", true, "compile hot guest code to WebAssembly")
	addWebAccessFlags(fl, &f.access)
	fl.StringVar(&f.control, "control-token", "", "turn on the JSON control endpoint of sessions (/s/ID/control) for requests bearing TOKEN (or $DO86_CONTROL_TOKEN)")
	fl.StringVar(&f.net, "net", "none", "networking: none, or user (each session's guest gets a card on a private NAT network of its own, with outbound access through this host)")
	fl.StringVar(&f.nic, "nic", "rtl8029", "network card with --net user: rtl8029 (PCI) or ne2k-isa")
	addClusterFlags(fl, &f.cluster)
	return cmd
}

// defaultMaxSessions allows one machine per 256 MiB of RAM, at least one.
func defaultMaxSessions() int {
	total := memTotal()
	if total == 0 {
		return 4
	}
	return max(1, int(total/(256<<20)))
}

// memTotal reads the computer's RAM from /proc/meminfo (0 if unknown).
func memTotal() uint64 {
	r, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer r.Close()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// webAddr puts an address without a host on loopback.
func webAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("bad address %q: want HOST:PORT", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// emuMachine adapts the machine to what a web session runs. cfg is what
// it was built with: a snapshot of it resumes with the same.
type emuMachine struct {
	*emu.Machine
	cfg emu.Config
}

func (e emuMachine) Run(ctx context.Context) error {
	err := e.Machine.Run(ctx)
	if errors.Is(err, emu.ErrPowerOff) {
		return web.ErrPowerOff
	}
	return err
}

func (e emuMachine) Info() web.MachineInfo {
	st := e.Stats()
	return web.MachineInfo{MIPS: st.MIPS, Halted: st.Halted, Absolute: e.PointerAbsolute()}
}

// sharedEngine compiles the CPU core once for every session.
var sharedEngine = sync.OnceValues(func() (*core.Engine, error) {
	return core.LoadEngine(core.Find(), core.DefaultCacheDir())
})

func serve(ctx context.Context, f *serveFlags) error {
	switch {
	case f.maxSessions < 1:
		return fail(fmt.Errorf("--max-sessions %d: want at least 1", f.maxSessions))
	case f.idle < 0:
		return fail(fmt.Errorf("--idle %s is negative: give a duration such as 10m, or 0 for never", f.idle))
	}
	addr, err := webAddr(f.listen)
	if err != nil {
		return fail(fmt.Errorf("--listen: %w", err))
	}
	for _, name := range f.warm {
		if _, ok := images.Lookup(name); !ok {
			return fail(fmt.Errorf("--warm %s: not a catalog image", name))
		}
	}
	if f.maxSessions < 1 {
		return fail(fmt.Errorf("--max-sessions %d: want at least 1", f.maxSessions))
	}
	if f.idle < 0 {
		return fail(fmt.Errorf("--idle %v: want a duration of 0 (never) or more", f.idle))
	}
	if f.idle == 0 {
		f.idle = -1 // the server's "never"
	}
	engine, err := sharedEngine()
	if err != nil {
		return fail(err)
	}
	policy := web.ImagePolicy{
		Known:      func(name string) bool { _, ok := images.Lookup(name); return ok },
		AllowFiles: f.allowFiles,
	}
	var store *pager.Store
	if f.cluster.enabled() {
		return serveCluster(ctx, f, addr, engine, policy)
	}
	if f.hibernate || len(f.warm) > 0 {
		path, err := resolveStorePath(f.store)
		if err != nil {
			return fail(err)
		}
		store, err = pager.OpenWith(path, pager.Options{Compress: true, Waiting: func(path string) {
			logf("waiting for the snapshot store %s: another do86 is using it", path)
		}})
		switch {
		case err != nil && (f.store != "" || len(f.warm) > 0):
			return fail(fmt.Errorf("snapshot store %w (give serve another --store)", err))
		case err != nil:
			fmt.Fprintf(os.Stderr, "do86: snapshot store %v: idle sessions will be stopped, not hibernated (give serve a --store of its own)\n", err)
			f.hibernate = false
		default:
			defer store.Close() // after srv.Close, deferred below
		}
	}
	token, url := f.access.resolve(addr, "serve")
	srv := web.New(web.Options{
		Addr:       addr,
		AllowHosts: f.access.allowHosts,
		Token:      token,
		Boot: func(ctx context.Context, image string, serial io.Writer) (web.Machine, error) {
			cfg, err := emu.Resolve(ctx, emu.Request{Image: image, ImageDir: f.imageDir, NoJIT: !f.jit})
			if err != nil {
				return nil, err
			}
			if err := (&netFlags{mode: f.net, nic: f.nic}).apply(&cfg); err != nil {
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
		Snapshot:       storeSnapshots(store),
		DeleteSnapshot: storeDelete(store),
		Hibernate:      f.hibernate,
		Warm:           f.warm,
		CheckImage:     policy.Check,
		Images:         func() []web.Image { return catalogImages(f.imageDir) },
		Idle:           f.idle,
		MaxSessions:    f.maxSessions,
		Logf:           logf,
		ControlToken:   controlToken(f.control),
	})
	defer srv.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(fmt.Errorf("--listen: %w", err))
	}
	logf("serving on %s (at most %d sessions)", url(l.Addr()), f.maxSessions)
	return serveHTTP(ctx, l, srv, func() {
		logf("stopping")
		srv.Close() // ends the WebSockets, which Shutdown does not wait for
	})
}

// serveHTTP serves h on l until the server fails, ctx ends, or SIGINT or
// SIGTERM comes; then it calls stop (which ends the sessions and their
// WebSockets: Shutdown does not wait for hijacked connections) and shuts
// the server down.
func serveHTTP(ctx context.Context, l net.Listener, h http.Handler, stop func()) error {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ctx, stopSignals := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	select {
	case err := <-done:
		return fail(err)
	case <-ctx.Done():
	}
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	return nil
}

// storeSnapshots saves serve's machines in store, and resumes them with
// the configuration they were built with (nil without a store).
func storeSnapshots(store *pager.Store) web.SnapshotFunc {
	if store == nil {
		return nil
	}
	return snapshotsIn(func(string) (pager.SnapshotStore, error) { return store, nil }, store.Pin, nil)
}

// snapshotsIn saves serve's machines in the store storeFor returns for
// each snapshot name (pin, if set, holds one state of it while a machine
// resumes); saved, if set, hears of every save.
func snapshotsIn(storeFor func(name string) (pager.SnapshotStore, error), pin func() (func(), error),
	saved func(name string, bytes int64, d time.Duration, err error)) web.SnapshotFunc {
	return func(ctx context.Context, m web.Machine, name string) (web.ResumeFunc, error) {
		em, ok := m.(emuMachine)
		if !ok {
			return nil, fmt.Errorf("snapshot %s: not an emulated machine", name)
		}
		store, err := storeFor(name)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		st, err := em.SaveSnapshot(ctx, store, name)
		if saved != nil {
			saved(name, st.WrittenBytes, time.Since(t0), err)
		}
		if err != nil {
			return nil, err
		}
		cfg := em.cfg
		return func(ctx context.Context, serial io.Writer) (web.Machine, error) {
			c := cfg
			c.Serial = serial
			c.Logger = sessionLogger(ctx, cfg.Name)
			if pin != nil {
				unpin, err := pin() // one state of the store from record to pages
				if err != nil {
					return nil, err
				}
				defer unpin()
			}
			store, err := storeFor(name)
			if err != nil {
				return nil, err
			}
			m, err := emu.Resume(c, store, name)
			if err != nil {
				return nil, err
			}
			return emuMachine{Machine: m, cfg: c}, nil
		}, nil
	}
}

// storeDelete deletes snapshots from store (nil without a store).
func storeDelete(store *pager.Store) func(string) error {
	if store == nil {
		return nil
	}
	return store.Delete
}

// catalogImages is the landing page's image table.
func catalogImages(imageDir string) []web.Image {
	var out []web.Image
	for _, st := range images.List(images.ResolveOptions{ImageDir: imageDir, Offline: true}) {
		size := st.Size
		if size == 0 {
			size = st.Entry.Size
		}
		out = append(out, web.Image{Name: st.Name, Title: st.Title, OS: st.OS, Boot: st.Boot.String(),
			Size: size, Cached: st.Where != images.Nowhere, Where: whereWord(st.Where)})
	}
	return out
}

// webConsole gives do86 run --web's page the machine's COM1 output: it
// tees cfg.Serial into a console, which it returns (nil without --web).
func webConsole(f *runFlags, cfg *emu.Config) *web.Console {
	if f.web == "" {
		return nil
	}
	c := web.NewConsole(64 << 10)
	if cfg.Serial != nil {
		cfg.Serial = io.MultiWriter(cfg.Serial, c)
	} else {
		cfg.Serial = c
	}
	return c
}

// serveWeb serves the machine to browsers for --web: its page at /, noVNC
// at /websockify, with run's access flags (--web-token, --allow-host:
// addWebAccessFlags). stop closes the server.
func serveWeb(m *emu.Machine, f *runFlags, console *web.Console, name string) (stop func(), err error) {
	access := f.access
	addr, err := webAddr(f.web)
	if err != nil {
		return nil, fmt.Errorf("--web: %w", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--web: %w", err)
	}
	token, url := access.resolve(addr, "--web")
	srv := web.NewSingle(emuMachine{Machine: m}, name, console, web.Options{
		Addr: addr, AllowHosts: access.allowHosts, Token: token, Logf: logf})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go hs.Serve(l)
	logf("web page on %s", url(l.Addr()))
	return func() {
		srv.Close()
		hs.Close()
	}, nil
}

// whereWord says on the landing page where an image is.
func whereWord(w images.Where) string {
	switch w {
	case images.InImageDir:
		return "local (image directory)"
	case images.InCache:
		return "cached"
	case images.BuiltIn:
		return "built in"
	}
	return "download first"
}

// sessionLogger is the logger of a serve session's machine: the command's,
// naming the session and its image.
func sessionLogger(ctx context.Context, image string) *slog.Logger {
	l := cliLogger().With("image", image)
	if id := web.SessionID(ctx); id != "" {
		l = l.With("session", id)
	}
	return l
}

// controlToken is --control-token, else $DO86_CONTROL_TOKEN.
func controlToken(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("DO86_CONTROL_TOKEN")
}
