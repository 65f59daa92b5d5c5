package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/do86/do86/pkg/display"
	"github.com/do86/do86/pkg/display/vnc"
	"github.com/do86/do86/pkg/input"
)

// Machine is what a session runs: *emu.Machine behind a small adapter
// (cmd/do86 has it), or a synthetic one in tests.
type Machine interface {
	// Key and Mouse take input from any goroutine (they queue it).
	input.Sink
	// Hub is where the machine publishes its screen.
	Hub() *display.Hub
	// SendSerial types bytes into COM1; safe from any goroutine.
	SendSerial(b []byte)
	// Run runs the guest until ctx ends (nil), the guest powers off
	// (ErrPowerOff) or it crashes (any other error).
	Run(ctx context.Context) error
	// Info returns counters for the stats; safe from any goroutine.
	Info() MachineInfo
	// Close frees the machine after Run returned.
	Close()
}

// MachineInfo is what the stats show of a running machine.
type MachineInfo struct {
	MIPS   float64 // millions of guest instructions a second
	Mode   string  // the video mode, e.g. "1024x768x32" or "80x25 text"
	Halted bool    // the CPU waits for an interrupt
	// Absolute: the guest drives an absolute pointer (a USB tablet), so
	// Pointer positions land exactly.
	Absolute bool
}

// ErrPowerOff is what Machine.Run returns when the guest turned itself off.
var ErrPowerOff = errors.New("the guest powered off")

// BootFunc builds the machine for an image (a catalog name, or a file
// when the server allows them). serial receives the guest's COM1 output.
// ctx ends if the session is stopped while booting.
type BootFunc func(ctx context.Context, image string, serial io.Writer) (Machine, error)

// State is where a session is in its life.
type State string

// Session states.
const (
	StateBooting State = "booting" // resolving the image, building the machine
	StateRunning State = "running"
	StateCrashed State = "crashed" // the CPU core failed; the last screen stays
	StateFailed  State = "failed"  // the machine could not be built
	StateStopped State = "stopped" // powered off, stopped by request or for idleness
	// StateHibernated: nobody watched it for Options.Idle, so the machine
	// was saved to a snapshot and freed; opening the session resumes it.
	StateHibernated State = "hibernated"
)

// Session is one machine and everyone watching it.
type Session struct {
	id, image string
	created   time.Time
	console   *Console
	logf      func(string, ...any)

	// life ends when the session is removed: viewers disconnect. run ends
	// the machine (a stop); a crashed machine's session lives on.
	life       context.Context
	endLife    context.CancelFunc
	run        context.Context
	stopRun    context.CancelFunc
	ready      chan struct{} // closed once the first machine is set or the boot failed
	readyOnce  sync.Once
	done       chan struct{} // closed when the machine goroutine ended
	wakeC      chan struct{} // a viewer wants the hibernated machine back
	inputs     chan func(Machine)
	inputDrops atomic.Uint64
	deleteSnap func(name string) error // Options.DeleteSnapshot

	mu          sync.Mutex
	m           Machine      // nil while hibernated
	gen         int          // counts the machines attached
	hub         *display.Hub // the machine's screen (the last one's while hibernated)
	vnc         *vnc.Server  // serves hub to noVNC
	endMachine  func()       // ends the current machine's Run (to hibernate)
	from        string       // the snapshot the machine was resumed from, if any
	hibernating bool         // a hibernation snapshot is being saved
	saving      bool         // a checkpoint is being saved (cluster.go)
	lastSave    time.Time    // when the last checkpoint began (or the machine was attached)
	resume      ResumeFunc   // rebuilds the hibernated machine
	snapName    string       // the session's hibernation snapshot, once saved
	state       State
	reason      string
	stopReason  string
	viewers     map[*viewer]struct{}
	idleSince   time.Time // when the last viewer left (or creation)
	watchers    map[chan struct{}]struct{}
	nextViewer  uint64
}

func newSession(parent context.Context, id, image string, scrollback int, logf func(string, ...any)) *Session {
	s := &Session{id: id, image: image, created: time.Now(), console: NewConsole(scrollback), logf: logf,
		ready: make(chan struct{}), done: make(chan struct{}), wakeC: make(chan struct{}, 1), inputs: make(chan func(Machine), 256),
		state: StateBooting, viewers: map[*viewer]struct{}{}, watchers: map[chan struct{}]struct{}{}}
	s.idleSince = s.created
	s.life, s.endLife = context.WithCancel(context.WithValue(parent, sessionKey{}, id))
	s.run, s.stopRun = context.WithCancel(s.life)
	return s
}

// ID returns the session's id.
func (s *Session) ID() string { return s.id }

// builder makes a session's machine and says which snapshot it was resumed
// from ("" for a fresh boot).
type builder func(ctx context.Context) (Machine, string, error)

// boot builds the machine with build and runs it on this goroutine, which
// becomes the emulation goroutine, until it stops. A machine that
// hibernates is rebuilt here from its snapshot when someone opens the
// session again.
func (s *Session) boot(build builder) {
	defer close(s.done)
	defer s.forgetSnapshot()
	for {
		m, from, err := build(s.run)
		if err != nil {
			s.setState(StateFailed, err.Error())
			s.readyOnce.Do(func() { close(s.ready) })
			return
		}
		mctx, end := context.WithCancel(s.run)
		s.attach(m, end, from)
		err = m.Run(mctx)
		end()
		m.Close() // the hub keeps the last screen for the viewers
		if s.hibernated(err == nil && s.run.Err() == nil) {
			select {
			case <-s.wakeC:
				s.mu.Lock()
				resume, name := s.resume, s.snapName
				s.mu.Unlock()
				s.logf("session %s: resuming from %s", s.id, name)
				s.setState(StateBooting, "resuming from hibernation")
				build = func(ctx context.Context) (Machine, string, error) {
					m, err := resume(ctx, s.console)
					if err != nil {
						err = fmt.Errorf("resume from %s: %w", name, err)
					}
					return m, name, err
				}
				continue
			case <-s.run.Done():
			}
		}
		switch {
		case s.run.Err() != nil:
			s.mu.Lock()
			r := s.stopReason
			s.mu.Unlock()
			s.setState(StateStopped, r)
		case errors.Is(err, ErrPowerOff):
			s.setState(StateStopped, ErrPowerOff.Error())
		case err != nil:
			s.logf("session %s: crashed: %v", s.id, err)
			s.setState(StateCrashed, err.Error())
		default:
			s.setState(StateStopped, "the machine stopped")
		}
		return
	}
}

// attach makes m the session's machine, running; end ends its Run and from
// names the snapshot it was resumed from.
func (s *Session) attach(m Machine, end func(), from string) {
	hub := m.Hub()
	v := vnc.New(hub, s, vnc.Options{Name: "do86 " + s.id, Logf: s.logf})
	s.mu.Lock()
	old := s.vnc
	s.m, s.hub, s.vnc, s.endMachine, s.from = m, hub, v, end, from
	s.gen++
	s.lastSave = time.Now()
	if len(s.viewers) == 0 {
		s.idleSince = time.Now()
	}
	s.mu.Unlock()
	if old != nil {
		old.Close()
	}
	s.setState(StateRunning, "")
	s.readyOnce.Do(func() {
		close(s.ready)
		go s.forwardInput()
	})
}

// machine returns the running machine, nil if there is none.
func (s *Session) machine() Machine {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != StateRunning {
		return nil
	}
	return s.m
}

// screen returns the hub viewers subscribe to and the VNC server (nil
// before the first machine).
func (s *Session) screen() (*display.Hub, *vnc.Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hub, s.vnc
}

// forwardInput hands queued input to the machine while it runs. Input
// arriving while it does not is dropped: a stopped machine takes none.
func (s *Session) forwardInput() {
	for {
		select {
		case fn := <-s.inputs:
			if m := s.machine(); m != nil {
				fn(m)
			}
		case <-s.life.Done():
			return
		}
	}
}

// queue queues input for the machine without ever blocking the caller (a
// viewer's reader); a flood beyond the queue is dropped and counted.
func (s *Session) queue(fn func(Machine)) {
	select {
	case s.inputs <- fn:
	default:
		s.inputDrops.Add(1)
	}
}

// Key presses or releases a key on the session's machine (input.Sink).
func (s *Session) Key(code input.Scancode, down bool) {
	s.queue(func(m Machine) { m.Key(code, down) })
}

// Mouse moves the session's mouse (input.Sink).
func (s *Session) Mouse(dx, dy, dz int, buttons uint8) {
	s.queue(func(m Machine) { m.Mouse(dx, dy, dz, buttons) })
}

// Pointer puts the session's pointer at a position (input.Sink).
func (s *Session) Pointer(x, y, w, h, dz int, buttons uint8) {
	s.queue(func(m Machine) { m.Pointer(x, y, w, h, dz, buttons) })
}

// PointerAbsolute reports whether the session's guest drives an absolute
// pointer (input.Absolute).
func (s *Session) PointerAbsolute() bool {
	m := s.machine()
	return m != nil && m.Info().Absolute
}

// sendSerial types bytes into the session's COM1.
func (s *Session) sendSerial(b []byte) {
	b = append([]byte(nil), b...)
	s.queue(func(m Machine) { m.SendSerial(b) })
}

// State returns the session's state and, for crashed, failed and stopped,
// why.
func (s *Session) State() (State, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.reason
}

func (s *Session) setState(st State, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state, s.reason = st, reason
	for ch := range s.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

// watch returns a channel signalled on every state change.
func (s *Session) watch() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.watchers[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.watchers, ch)
		s.mu.Unlock()
	}
}

// active reports whether the session holds a machine (booting or running),
// the sessions --max-sessions counts.
func (s *Session) active() bool {
	st, _ := s.State()
	return st == StateBooting || st == StateRunning
}

// stop ends the machine (if it runs) and the session: every viewer is
// told why and disconnected. It waits for the machine goroutine.
func (s *Session) stop(reason string) {
	s.mu.Lock()
	if s.stopReason == "" {
		s.stopReason = reason
	}
	s.mu.Unlock()
	s.stopRun()
	<-s.done
	if st, _ := s.State(); st == StateRunning || st == StateBooting {
		s.setState(StateStopped, reason)
	}
	if _, v := s.screen(); v != nil {
		v.Close()
	}
	s.endLife()
}

// viewer is one connection watching a session: a page or a VNC client.
type viewer struct {
	id     uint64
	kind   string // "web" or "vnc"
	remote string
	since  time.Time

	frames, bytes, dropped, keyframes atomic.Uint64

	mu                    sync.Mutex
	fps, bps              float64
	lastFrames, lastBytes uint64
	lastSample            time.Time
}

// sample updates the viewer's rates from its counters.
func (v *viewer) sample(now time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f, b := v.frames.Load(), v.bytes.Load()
	if !v.lastSample.IsZero() {
		if dt := now.Sub(v.lastSample).Seconds(); dt > 0 {
			v.fps = float64(f-v.lastFrames) / dt
			v.bps = float64(b-v.lastBytes) / dt
		}
	}
	v.lastFrames, v.lastBytes, v.lastSample = f, b, now
}

func (s *Session) addViewer(kind, remote string) *viewer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextViewer++
	v := &viewer{id: s.nextViewer, kind: kind, remote: remote, since: time.Now()}
	v.lastSample = v.since
	s.viewers[v] = struct{}{}
	return v
}

func (s *Session) removeViewer(v *viewer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.viewers, v)
	if len(s.viewers) == 0 {
		s.idleSince = time.Now()
	}
}

// idleFor returns how long the session has had no viewer (0 while it has).
func (s *Session) idleFor(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.viewers) > 0 {
		return 0
	}
	return now.Sub(s.idleSince)
}

func (s *Session) sampleViewers(now time.Time) {
	s.mu.Lock()
	vs := make([]*viewer, 0, len(s.viewers))
	for v := range s.viewers {
		vs = append(vs, v)
	}
	s.mu.Unlock()
	for _, v := range vs {
		v.sample(now)
	}
}

// SessionInfo is what GET /api/sessions lists of a session.
type SessionInfo struct {
	ID      string    `json:"id"`
	Image   string    `json:"image"`
	State   State     `json:"state"`
	Reason  string    `json:"reason,omitempty"`
	Viewers int       `json:"viewers"`
	Created time.Time `json:"created"`
	MIPS    float64   `json:"mips"`
	Mode    string    `json:"mode,omitempty"`
	// Absolute: the guest drives an absolute pointer (a USB tablet).
	Absolute bool `json:"absolute,omitempty"`
	// ResumedFrom names the snapshot the session's machine was built from:
	// "warm/IMAGE" (a warm start) or "serve/ID" (woken from hibernation).
	ResumedFrom string `json:"resumedFrom,omitempty"`
}

// ClientStats are one viewer's numbers.
type ClientStats struct {
	ID        uint64    `json:"id"`
	Kind      string    `json:"kind"` // web or vnc
	Remote    string    `json:"remote"`
	Since     time.Time `json:"since"`
	FPS       float64   `json:"fps"`         // frames sent a second (web only)
	BytesPerS float64   `json:"bytesPerSec"` // bytes sent a second
	Frames    uint64    `json:"frames"`
	Bytes     uint64    `json:"bytes"`
	Dropped   uint64    `json:"dropped"`   // screen updates merged into later frames
	Keyframes uint64    `json:"keyframes"` // whole screens sent
}

// SessionStats is GET /api/stats/{id}.
type SessionStats struct {
	SessionInfo
	Uptime      float64       `json:"uptimeSec"`
	InputDrops  uint64        `json:"inputDrops"`
	SerialBytes int64         `json:"serialBytes"`
	Clients     []ClientStats `json:"clients"`
}

// Info returns the session's summary.
func (s *Session) Info() SessionInfo {
	st, reason := s.State()
	s.mu.Lock()
	n := len(s.viewers)
	from := s.from
	s.mu.Unlock()
	in := SessionInfo{ID: s.id, Image: s.image, State: st, Reason: reason, Viewers: n, Created: s.created, ResumedFrom: from}
	if m := s.machine(); m != nil {
		mi := m.Info()
		in.MIPS, in.Mode, in.Absolute = mi.MIPS, mi.Mode, mi.Absolute
	}
	return in
}

// Stats returns the session's numbers and every viewer's.
func (s *Session) Stats() SessionStats {
	out := SessionStats{SessionInfo: s.Info(), Uptime: time.Since(s.created).Seconds(), InputDrops: s.inputDrops.Load()}
	_, out.SerialBytes = s.console.ReadFrom(1 << 62)
	s.mu.Lock()
	for v := range s.viewers {
		v.mu.Lock()
		out.Clients = append(out.Clients, ClientStats{ID: v.id, Kind: v.kind, Remote: v.remote, Since: v.since,
			FPS: v.fps, BytesPerS: v.bps, Frames: v.frames.Load(), Bytes: v.bytes.Load(),
			Dropped: v.dropped.Load(), Keyframes: v.keyframes.Load()})
		v.mu.Unlock()
	}
	s.mu.Unlock()
	sort.Slice(out.Clients, func(i, j int) bool { return out.Clients[i].ID < out.Clients[j].ID })
	return out
}

// String is for logs.
func (s *Session) String() string { return fmt.Sprintf("session %s (%s)", s.id, s.image) }

type sessionKey struct{}

// SessionID returns the id of the session whose machine ctx builds: the
// context a BootFunc or ResumeFunc is given carries it ("" otherwise), so
// that a machine's logs can name their session.
func SessionID(ctx context.Context) string {
	id, _ := ctx.Value(sessionKey{}).(string)
	return id
}
