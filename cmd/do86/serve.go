package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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
instead. The store is locked while the server runs: other do86 commands
cannot open the same store file meanwhile.

--warm IMAGE boots IMAGE once at start, waits until it is ready (its screen
showed something, then for 5 s kept its mode with at most a tenth of it
changing: a clock may tick, a boot may not scroll), saves it as "warm/IMAGE"
and starts every later session of IMAGE from that snapshot; sessions opened
before it is ready boot as usual.

With --allow-files, ?image= may also be the absolute path of an image file on
this computer: use it only where the server is yours alone (the default listen
address is loopback).`,
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
	return web.MachineInfo{MIPS: st.MIPS, Mode: st.Mode, Halted: st.Halted, Absolute: e.PointerAbsolute()}
}

// sharedEngine compiles the CPU core once for every session.
var sharedEngine = sync.OnceValues(func() (*core.Engine, error) {
	return core.LoadEngine(core.Find(), core.DefaultCacheDir())
})

func serve(ctx context.Context, f *serveFlags) error {
	addr, err := webAddr(f.listen)
	if err != nil {
		return fail(fmt.Errorf("--listen: %w", err))
	}
	for _, name := range f.warm {
		if _, ok := images.Lookup(name); !ok {
			return fail(fmt.Errorf("--warm %s: not a catalog image", name))
		}
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
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "do86: "+format+"\n", a...) }
	var store *pager.Store
	if f.hibernate || len(f.warm) > 0 {
		store, err = openStore(f.store)
		switch {
		case err != nil && (f.store != "" || len(f.warm) > 0):
			return fail(fmt.Errorf("%w (another do86 may hold it: give serve a --store of its own)", err))
		case err != nil:
			fmt.Fprintf(os.Stderr, "do86: %v: idle sessions will be stopped, not hibernated (give serve a --store of its own)\n", err)
			f.hibernate = false
		default:
			defer store.Close() // after srv.Close, deferred below
		}
	}
	srv := web.New(web.Options{
		Boot: func(ctx context.Context, image string, serial io.Writer) (web.Machine, error) {
			cfg, err := buildConfig(ctx, &runFlags{imageDir: f.imageDir, jit: f.jit, usb: true}, []string{image})
			if err != nil {
				return nil, err
			}
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
	})
	defer srv.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fail(fmt.Errorf("--listen: %w", err))
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(os.Stderr, "do86: serving on http://%s/ (at most %d sessions)\n", l.Addr(), f.maxSessions)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	select {
	case err := <-done:
		return fail(err)
	case <-ctx.Done():
	}
	fmt.Fprintln(os.Stderr, "do86: stopping")
	sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	srv.Close() // ends the WebSockets, which Shutdown does not wait for
	hs.Shutdown(sctx)
	return nil
}

// storeSnapshots saves serve's machines in store, and resumes them with
// the configuration they were built with (nil without a store).
func storeSnapshots(store *pager.Store) web.SnapshotFunc {
	if store == nil {
		return nil
	}
	return func(ctx context.Context, m web.Machine, name string) (web.ResumeFunc, error) {
		em, ok := m.(emuMachine)
		if !ok {
			return nil, fmt.Errorf("snapshot %s: not an emulated machine", name)
		}
		if _, err := em.SaveSnapshot(ctx, store, name); err != nil {
			return nil, err
		}
		cfg := em.cfg
		return func(ctx context.Context, serial io.Writer) (web.Machine, error) {
			c := cfg
			c.Serial = serial
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
			Size: size, Cached: st.Where != images.Nowhere})
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
// at /websockify. stop closes the server.
func serveWeb(m *emu.Machine, f *runFlags, console *web.Console, name string) (stop func(), err error) {
	addr, err := webAddr(f.web)
	if err != nil {
		return nil, fmt.Errorf("--web: %w", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--web: %w", err)
	}
	srv := web.NewSingle(emuMachine{Machine: m}, name, console, web.Options{Logf: func(format string, a ...any) {
		fmt.Fprintf(os.Stderr, "do86: web: "+format+"\n", a...)
	}})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(l)
	fmt.Fprintf(os.Stderr, "do86: web page on http://%s/\n", l.Addr())
	return func() {
		srv.Close()
		hs.Close()
	}, nil
}
